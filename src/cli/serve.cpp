// `latchkey serve [--config FILE]`: runs the control server (src/server/)
// with the YAML configuration (docs/config.example.yaml): opens the
// database, loads or creates the Noise and legacy private keys, listens,
// opens the local admin socket (server/admin_socket.h: mode 0600, what the
// users, keys and nodes commands talk to)
// and prints how to join a client. Stops cleanly on SIGINT/SIGTERM.
#include <sys/resource.h>

#include <iostream>
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "server/admin_socket.h"
#include "server/control_server.h"
#include "server/serve_config.h"
#include "store/database_config.h"

namespace latchkey::cli {
namespace {

namespace asio = boost::asio;

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

int run_serve(const std::string& config_path) {
  tune_process();
  auto config = server::load_serve_config(config_path);
  if (!config) {
    std::cerr << "latchkey serve: " << config.message() << "\n";
    return 2;
  }
  auto level = spdlog::level::from_str(config->log_level);
  spdlog::set_level(level);

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

  server::ControlServerConfig sc = config->server;
  sc.transport.control_key = *noise;
  sc.transport.legacy_public_key = legacy->public_key();
  if (!config->tls_cert_path.empty()) {
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    boost::system::error_code ec;
    tls->use_certificate_chain_file(config->tls_cert_path, ec);
    if (!ec) tls->use_private_key_file(config->tls_key_path, asio::ssl::context::pem, ec);
    if (ec) {
      std::cerr << "latchkey serve: TLS certificate/key: " << ec.message() << "\n";
      return 1;
    }
    sc.transport.tls = tls;
  }

  asio::io_context io(config->threads);
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
  auto admin = server::AdminSocket::open(io, config->admin_socket,
                                        std::make_shared<server::AdminApi>((*srv)->tailnet()));
  if (!admin) {
    std::cerr << "latchkey serve: " << admin.message() << "\n";
    return 1;
  }
  (*srv)->start();
  (*admin)->start();

  const auto bound = (*srv)->local_endpoint();
  std::cout << "latchkey serve: listening on " << bound.address().to_string() << ":" << bound.port() << " ("
            << config->server_url << "), database " << store::describe(config->database) << ", "
            << (*srv)->tailnet().node_count() << " node(s)\n"
            << "Admin socket: " << config->admin_socket << "\n"
            << "\nTo join a client:\n"
            << "  latchkey users create NAME --socket " << config->admin_socket << "\n"
            << "  latchkey keys create --user NAME --socket " << config->admin_socket << "   # prints a pre-auth key\n"
            << "  tailscale up --login-server " << config->server_url << " --auth-key <key>\n"
            << "\nHealth: " << config->server_url << "/health   Metrics: " << config->server_url << "/metrics\n"
            << std::flush;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping", sig);
    (*admin)->stop();
    (*srv)->stop();
    io.stop();
  });
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
  cmd->add_option("--config,-c", *path, "YAML configuration file (see docs/config.example.yaml)");
  cmd->callback([path] {
    const int rc = run_serve(*path);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace latchkey::cli
