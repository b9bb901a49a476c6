// `latchkey serve [--config FILE] [--check-config]`: runs the control
// server (src/server/) with the YAML configuration
// (docs/config.example.yaml): opens the database, loads or creates the
// Noise and legacy private keys, listens, opens the local admin socket
// (server/admin_socket.h: mode 0600, what the users, keys, nodes and
// lock commands talk to) and the metrics listener, and prints how to join a
// client, with commands that work as printed (this binary's absolute path,
// the admin socket's absolute path).
// Signals: SIGINT and SIGTERM stop it cleanly (the admin socket file is
// removed); SIGHUP reads the config file again and applies the log level
// and format, naming the changed settings that need a restart
// (server/config_reload.h).
// --check-config validates the config and the files it names
// (server/config_check.h) and exits 0 or 1 without starting anything.
#include <sys/resource.h>

#include <filesystem>
#include <iostream>
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "base/shell_word.h"
#include "cli/commands.h"
#include "server/admin_socket.h"
#include "server/config_check.h"
#include "server/config_reload.h"
#include "server/control_server.h"
#include "server/metrics_listener.h"
#include "server/serve_config.h"
#include "store/database_config.h"

namespace latchkey::cli {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// Process settings for a server holding one connection per node: the
// open-file limit raised to its hard maximum, and glibc's malloc told to
// serve blocks from 128 KiB up (full maps of large tailnets run to
// megabytes) with mmap at that fixed threshold, so that they go back to the
// system once sent; the default threshold adapts upward after such frees
// and then leaves the memory fragmented in the heap of an idle server.
void tune_process() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &files);
  }
#if defined(__GLIBC__)
  (void)::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

// This program's absolute path, for commands printed to be run as shown
// (nothing has put latchkey on the PATH).
std::string self_path() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("latchkey") : p.string();
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  const auto p = fs::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

std::string describe_config(const std::string& path) { return path.empty() ? "the defaults (no --config)" : path; }

int run_check(const std::string& config_path) {
  const std::string name = "latchkey serve --check-config";
  auto config = server::load_serve_config(config_path);
  if (!config) {
    std::cerr << name << ": " << describe_config(config_path) << ": " << config.message() << "\n";
    return 1;
  }
  if (auto st = server::check_serve_files(*config); !st) {
    std::cerr << name << ": " << describe_config(config_path) << ": " << st.message() << "\n";
    return 1;
  }
  std::cout << name << ": " << describe_config(config_path) << " is valid (database "
            << store::describe(config->database) << ", listening on " << config->listen_addr << ")\n";
  return 0;
}

// SIGHUP: read the config file again and apply what can change while
// running.
void reload(const std::string& config_path, server::ServeConfig& running) {
  if (config_path.empty()) {
    spdlog::warn("SIGHUP: no config file (started without --config); nothing to reload");
    return;
  }
  auto reread = server::load_serve_config(config_path);
  if (!reread) {
    spdlog::error("SIGHUP: {} not reloaded, the running settings stay: {}", config_path, reread.message());
    return;
  }
  const server::ConfigReload r = server::plan_reload(running, *reread);
  server::apply_log_settings(r.log);
  running.log = r.log;
  spdlog::info("SIGHUP: reloaded {}: log level {}, log format {}", config_path, server::log_level_name(r.log.level),
               server::log_format_name(r.log.format));
  if (!r.needs_restart.empty()) {
    std::string names;
    for (const auto& k : r.needs_restart) names += (names.empty() ? "" : ", ") + k;
    spdlog::warn("SIGHUP: {} changed in {}; restart latchkey serve for them to take effect", names, config_path);
  }
}

int run_serve(const std::string& config_path) {
  tune_process();
  auto config = server::load_serve_config(config_path);
  if (!config) {
    std::cerr << "latchkey serve: " << describe_config(config_path) << ": " << config.message() << "\n";
    return 2;
  }
  server::apply_log_settings(config->log);
  asio::io_context io(config->threads);
  // From here on these signals are queued for the handler below rather
  // than ending the process (a SIGHUP while starting is a reload too).
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);

  bool created_noise = false, created_legacy = false;
  auto noise = server::load_or_create_private_key(config->noise_private_key_path, &created_noise);
  if (!noise) {
    std::cerr << "latchkey serve: " << noise.message() << "\n";
    return 1;
  }
  auto legacy = server::load_or_create_private_key(config->legacy_private_key_path, &created_legacy);
  if (!legacy) {
    std::cerr << "latchkey serve: " << legacy.message() << "\n";
    return 1;
  }
  if (created_noise) spdlog::info("created Noise private key {}", config->noise_private_key_path);
  if (created_legacy) spdlog::info("created legacy private key {}", config->legacy_private_key_path);

  auto db = store::Store::open(config->database);
  if (!db) {
    std::cerr << "latchkey serve: opening database " << store::describe(config->database) << ": " << db.message()
              << "\n";
    return 1;
  }
  std::shared_ptr<store::Store> shared_db(std::move(*db));

  const std::string binary = self_path();
  const std::string socket = absolute(config->admin_socket);
  server::ControlServerConfig sc = config->server;
  sc.transport.control_key = *noise;
  sc.transport.legacy_public_key = legacy->public_key();
  sc.tailnet.latchkey_binary = binary;
  sc.tailnet.admin_socket = socket;
  if (!config->tls_cert_path.empty()) {
    auto tls = server::load_tls_context(config->tls_cert_path, config->tls_key_path);
    if (!tls) {
      std::cerr << "latchkey serve: " << tls.message() << "\n";
      return 1;
    }
    sc.transport.tls = *tls;
  }

  auto srv = server::ControlServer::create(io, std::move(sc), shared_db);
  if (!srv) {
    std::cerr << "latchkey serve: " << srv.message() << "\n";
    return 1;
  }
  auto endpoint = server::parse_listen_addr(config->listen_addr);
  if (auto st = (*srv)->listen(*endpoint); !st) {
    std::cerr << "latchkey serve: listening on " << config->listen_addr << ": " << st.message() << "\n";
    return 1;
  }
  std::unique_ptr<server::MetricsListener> metrics;
  if (!config->metrics_listen_addr.empty()) {
    server::ControlServer* s = srv->get();
    auto m = server::MetricsListener::open(io, *server::parse_listen_addr(config->metrics_listen_addr),
                                           [s] { return s->metrics_text(); }, s->metrics());
    if (!m) {
      std::cerr << "latchkey serve: metrics_listen_addr " << config->metrics_listen_addr << ": " << m.message()
                << "\n";
      return 1;
    }
    metrics = std::move(*m);
  }
  auto admin = server::AdminSocket::open(
      io, config->admin_socket, std::make_shared<server::AdminApi>((*srv)->tailnet(), &(*srv)->tailnet_lock()),
      (*srv)->blocking_executor());
  if (!admin) {
    std::cerr << "latchkey serve: " << admin.message() << "\n";
    return 1;
  }
  (*srv)->start();
  (*admin)->start();
  if (metrics) metrics->start();

  const auto bound = (*srv)->local_endpoint();
  const std::string admin_args = " --socket " + shell_word(socket);
  std::vector<std::string> banner = {
      "latchkey serve: listening on " + bound.address().to_string() + ":" + std::to_string(bound.port()) + " (" +
          config->server_url + "), database " + store::describe(config->database) + ", " +
          std::to_string((*srv)->tailnet().node_count()) + " node(s)",
      "Admin socket: " + socket,
      "",
      "To join a client:",
      "  " + shell_word(binary) + " users create NAME" + admin_args,
      "  " + shell_word(binary) + " keys create --user NAME" + admin_args + "   # prints a pre-auth key",
      "  tailscale up --login-server " + config->server_url + " --auth-key <key>",
      "",
      "Health: " + config->server_url + "/health",
  };
  if (metrics) {
    const auto m = metrics->local_endpoint();
    const std::string host = m.address().is_v6() ? "[" + m.address().to_string() + "]" : m.address().to_string();
    banner.push_back("Metrics: http://" + host + ":" + std::to_string(m.port()) + "/metrics");
  } else {
    banner.push_back("Metrics: off (metrics_listen_addr is empty)");
  }
  if (config->log.format == server::LogFormat::Json) {
    // One JSON object per line on stdout: the banner as log records too.
    for (const auto& line : banner) {
      if (!line.empty()) spdlog::info("{}", line);
    }
  } else {
    for (const auto& line : banner) std::cout << line << "\n";
    std::cout << std::flush;
  }

  server::ServeConfig running = *config;
  std::function<void()> wait_for_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload(config_path, running);
        wait_for_signal();
        return;
      }
      spdlog::info("signal {}: stopping", sig);
      (*admin)->stop();
      if (metrics) metrics->stop();
      (*srv)->stop();
      io.stop();
    });
  };
  wait_for_signal();
  std::vector<std::thread> extra;
  for (int i = 1; i < config->threads; ++i) extra.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : extra) t.join();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "run the control server");
  auto path = std::make_shared<std::string>();
  auto check = std::make_shared<bool>(false);
  cmd->add_option("--config,-c", *path, "YAML configuration file (see docs/config.example.yaml)");
  cmd->add_flag("--check-config", *check,
                "validate the configuration and the files it names, then exit (0: valid, 1: not) without starting");
  cmd->callback([path, check] {
    const int rc = *check ? run_check(*path) : run_serve(*path);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace latchkey::cli
