// `latchkey up`: runs a node of a tailnet in the foreground — the client
// (client/client.h) logged in to --login-server, following the map and the
// tailnet's lock — until SIGINT or SIGTERM. The state (identity, lock
// storage) lives in --state; its status socket (<state>/latchkey.sock,
// mode 0600) answers GET /status (the document `latchkey status` shows)
// and GET /metrics (Prometheus text), and POST /logout (`latchkey logout`:
// the node logs out and this process ends). An interactive login prints the URL
// to visit on stdout; the log goes to stderr.
#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include "cli/commands.h"
#include "client/client.h"
#include "client/state_dir.h"
#include "client/status.h"
#include "client/status_metrics.h"
#include "transport/unix_http_listener.h"

namespace latchkey::cli {
namespace {

namespace asio = boost::asio;

struct UpOptions {
  std::string login_server;
  std::string auth_key;
  std::string tls_ca_file;
  std::string hostname;
  std::string state;
  bool enforce = false;
  bool websocket = false;
  bool ephemeral = false;
  int capability_version = tailcfg::kCurrentCapabilityVersion;
};

// One log line on stderr with a UTC timestamp (lines come from the client's
// thread and from this one).
void log_line(std::string_view line) {
  static std::mutex mu;
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard<std::mutex> g(mu);
  std::cerr << stamp << " " << line << "\n";
}

// {"error": text}, the socket's answer to a request that failed.
std::string error_json(const std::string& text) {
  return nlohmann::json{{"error", text}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int run_up(const UpOptions& opt) {
  std::string state = opt.state;
  if (state.empty()) {
    auto d = client::default_state_dir();
    if (!d) {
      std::cerr << "latchkey up: " << d.message() << " (give --state DIR)\n";
      return 2;
    }
    state = *d;
  }
  if (opt.capability_version < 1 || opt.capability_version > tailcfg::kCurrentCapabilityVersion) {
    std::cerr << "latchkey up: --capability-version " << opt.capability_version << " is not between 1 and "
              << tailcfg::kCurrentCapabilityVersion << "\n";
    return 2;
  }
  client::ClientOptions co;
  co.login_server = opt.login_server;
  co.auth_key = opt.auth_key;
  co.tls_ca_file = opt.tls_ca_file;
  co.hostname = opt.hostname;
  co.state_dir = state;
  co.lock_mode = opt.enforce ? client::LockMode::Enforce : client::LockMode::VerifyAndLog;
  co.websocket = opt.websocket;
  co.ephemeral = opt.ephemeral;
  co.capability_version = static_cast<tailcfg::CapabilityVersion>(opt.capability_version);
  co.log = log_line;
  auto c = client::Client::create(std::move(co));
  if (!c) {
    std::cerr << "latchkey up: " << c.message() << "\n";
    return 1;
  }
  client::Client& cl = **c;

  asio::io_context io(1);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  // The socket's requests run here, not on the thread that waits for
  // signals (a logout blocks for its register request).
  asio::thread_pool handlers(1);
  std::unique_ptr<transport::UnixHttpListener>* listener_ref = nullptr;
  transport::UnixHttpListenerOptions socket_options;
  socket_options.name = "status socket";
  socket_options.holder = "another latchkey up";
  socket_options.blocking = handlers.get_executor();
  auto listener = transport::UnixHttpListener::open(
      io, client::status_socket_path(state),
      [&](const transport::UnixHttpRequest& r) {
        transport::UnixHttpResponse res;
        if (r.method == "POST" && r.target == "/logout") {
          const auto st = cl.logout();
          res.body = st ? R"({"logged_out":true})" : error_json("logout: " + st.message());
          if (!st) res.status = st.kind() == ErrorKind::Conflict ? 409 : 502;
          // A node logged out has nothing left to follow: this process ends
          // once the answer is written (the listener stops taking requests;
          // the loop then runs out of work).
          asio::post(io, [&] {
            log_line("latchkey up: logged out, exiting");
            cl.stop();
            (*listener_ref)->stop();
            signals.cancel();
          });
        } else if (r.method != "GET") {
          res.status = 405;
          res.body = R"({"error":"GET /status or /metrics, or POST /logout"})";
        } else if (r.target == "/status" || r.target == "/metrics") {
          try {
            const auto st = cl.status();
            if (r.target == "/status") {
              res.body = client::status_to_json(st);
            } else {
              res.content_type = "text/plain; version=0.0.4";
              res.body = client::status_metrics(st);
            }
          } catch (const std::exception& e) {
            res.status = 500;
            res.body = error_json(std::string("status: ") + e.what());
          }
        } else {
          res.status = 404;
          res.body = R"({"error":"no such path; GET /status or /metrics, or POST /logout"})";
        }
        return res;
      },
      socket_options);
  if (!listener) {
    std::cerr << "latchkey up: " << listener.message() << "\n";
    return 1;
  }
  listener_ref = &*listener;
  (*listener)->start();

  cl.subscribe([&state](const client::ClientEvent& e) {
    if (e.type == client::ClientEvent::Type::Login) {
      std::cout << "\nTo authenticate, visit:\n\n\t" << e.text << "\n\n" << std::flush;
    } else if (e.type == client::ClientEvent::Type::State && e.text == "running") {
      log_line("latchkey up: running; `latchkey status --state " + state + "` shows the peers and their verdicts");
    }
  });
  cl.start();
  int rc = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log_line(std::string("latchkey up: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    cl.stop();
    (*listener)->stop();
    io.stop();
  });
  io.run();
  handlers.join();
  listener->reset();
  return rc;
}

}  // namespace

void add_up_command(CLI::App& app) {
  auto opt = std::make_shared<UpOptions>();
  auto* cmd = app.add_subcommand("up", "join a tailnet as a node and follow it (foreground, until SIGINT/SIGTERM)");
  cmd->add_option("--login-server", opt->login_server, "control server URL, http(s)://host[:port]")->required();
  cmd->add_option("--authkey,--auth-key", opt->auth_key,
                  "pre-auth key (tskey-auth-… or a key wrapped by `tailscale lock sign`); none: interactive login");
  cmd->add_option("--hostname", opt->hostname, "host name to register (default: this machine's)");
  cmd->add_option("--state", opt->state, "state directory (default: $XDG_STATE_HOME/latchkey or ~/.local/state/latchkey)");
  cmd->add_flag("--tka-enforce", opt->enforce,
                "hide peers Tailnet Lock does not authorize (default: admit them, log and count would-be rejections)");
  cmd->add_flag("--websocket", opt->websocket, "dial /ts2021 in its WebSocket form");
  cmd->add_option("--tls-ca-file", opt->tls_ca_file,
                  "PEM certificates to trust for an https login server besides the system's roots");
  cmd->add_flag("--ephemeral", opt->ephemeral, "register as an ephemeral node");
  cmd->add_option("--capability-version", opt->capability_version, "capability version to announce")
      ->capture_default_str();
  cmd->callback([opt] {
    const int rc = run_up(*opt);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace latchkey::cli
