// `latchkey debug noise-echo-server --listen ADDR --key-file F`: a raw TS2021
// Noise endpoint for interop tests against other implementations. No HTTP:
// each accepted TCP stream starts with the client's 101-byte initiation
// (upstream control/controlbase, as controlhttp carries it after the
// upgrade); the server answers with the handshake response and then sends
// back, as records, the plaintext of every record it receives.
//
// At start it prints, each on its own line and flushed:
//   mkey:<hex>               the control public key clients must pin
//   listening HOST:PORT      the bound address (port 0 is resolved)
// Per-connection events and errors go to stderr. The key file holds
// "privkey:<hex>" (see control_key_file.h) and is created when missing.
// Clients below the minimum capability version (the transport's default
// floor, transport::kDefaultMinCapabilityVersion) get an error frame, as
// upstream servers send. Runs until SIGINT or SIGTERM.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cli/commands.h"
#include "cli/control_key_file.h"
#include "cli/debug_group.h"
#include "cli/host_port.h"
#include "noise/keypair.h"
#include "noise/protocol.h"
#include "noise/server_handshake.h"
#include "transport/noise_stream.h"
#include "transport/socket_stream.h"
#include "transport/transport_error.h"
#include "transport/upgrade_server.h"

namespace latchkey::cli {
namespace {

namespace asio = boost::asio;
using transport::Tcp;

// Largest plaintext echoed per read (several records' worth).
constexpr std::size_t kEchoChunk = 64 * 1024;

void log_line(const std::string& peer, const std::string& text) {
  std::cerr << "noise-echo-server: " << peer << ": " << text << "\n" << std::flush;
}

asio::awaitable<void> serve_connection(Tcp::socket socket, noise::Keypair control_key) {
  auto stream = std::make_unique<transport::TcpStream>(std::move(socket));
  const std::string peer = stream->remote_address();
  try {
    noise::ServerHandshake handshake(control_key);
    Bytes buf(noise::kMaxFrameSize);
    Bytes leftover;
    while (!handshake.initiation_complete()) {
      const std::size_t n = co_await stream->read_some(buf);
      if (n == 0) {
        log_line(peer, "closed before the handshake: " + handshake.end_of_stream().message());
        co_return;
      }
      auto used = handshake.read_initiation(ByteView(buf.data(), n));
      if (!used) {
        if (!handshake.failure_reply().empty()) co_await stream->write_all(handshake.failure_reply());
        log_line(peer, "handshake failed: " + used.message());
        co_return;
      }
      if (handshake.initiation_complete()) leftover.assign(buf.begin() + static_cast<std::ptrdiff_t>(*used), buf.begin() + static_cast<std::ptrdiff_t>(n));
    }
    if (handshake.client_version() < transport::kDefaultMinCapabilityVersion) {
      const std::string reason = "unsupported client version " + std::to_string(handshake.client_version()) +
                                 " (minimum " + std::to_string(transport::kDefaultMinCapabilityVersion) + ")";
      co_await stream->write_all(handshake.refuse(reason));
      log_line(peer, "refused: " + reason);
      co_return;
    }
    auto accepted = handshake.respond();
    if (!accepted) {
      log_line(peer, "handshake failed: " + accepted.message());
      co_return;
    }
    co_await stream->write_all(accepted->response);
    log_line(peer, "handshake ok, client " +
                       key::MachinePublic::from_raw(accepted->conn.peer()).to_string() + ", version " +
                       std::to_string(accepted->conn.protocol_version()));
    transport::NoiseStream noise_stream(std::move(stream), std::move(accepted->conn), std::move(leftover));
    Bytes plain(kEchoChunk);
    std::size_t echoed = 0;
    for (;;) {
      const std::size_t n = co_await noise_stream.read_some(plain);
      if (n == 0) break;
      co_await noise_stream.write_all(ByteView(plain.data(), n));
      echoed += n;
    }
    log_line(peer, "closed after echoing " + std::to_string(echoed) + " bytes");
  } catch (...) {
    log_line(peer, transport::classify_failure(std::current_exception()).message);
  }
}

asio::awaitable<void> accept_loop(Tcp::acceptor& acceptor, noise::Keypair control_key) {
  for (;;) {
    Tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    boost::system::error_code ignored;
    socket.set_option(Tcp::no_delay(true), ignored);  // echoes are latency-bound
    asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket), control_key), asio::detached);
  }
}

int run_echo_server(const std::string& listen, const std::string& key_file) {
  auto address = parse_host_port(listen);
  if (!address) {
    std::cerr << "noise-echo-server: " << address.message() << "\n";
    return 1;
  }
  auto control_private = load_or_create_control_key(key_file);
  if (!control_private) {
    std::cerr << "noise-echo-server: " << control_private.message() << "\n";
    return 1;
  }
  const noise::Keypair control_key = noise::Keypair::from_private(control_private->raw());

  asio::io_context io(1);
  Tcp::acceptor acceptor(io);
  try {
    Tcp::resolver resolver(io);
    const auto results = resolver.resolve(address->host, std::to_string(address->port), Tcp::resolver::passive);
    const Tcp::endpoint endpoint = results.begin()->endpoint();
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
  } catch (const std::exception& e) {
    std::cerr << "noise-echo-server: listen " << listen << ": " << e.what() << "\n";
    return 1;
  }
  const Tcp::endpoint bound = acceptor.local_endpoint();
  std::cout << control_private->public_key().to_string() << "\n"
            << "listening " << format_host_port(bound.address().to_string(), bound.port()) << "\n"
            << std::flush;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  asio::co_spawn(io, accept_loop(acceptor, control_key), [](std::exception_ptr e) {
    if (e) std::cerr << "noise-echo-server: accept: " << transport::classify_failure(e).message << "\n";
  });
  io.run();
  return 0;
}

}  // namespace

void add_debug_noise_echo_server_command(CLI::App& app) {
  auto* cmd = debug_group(app)->add_subcommand(
      "noise-echo-server", "raw TCP TS2021 Noise server that echoes every record (interop probe)");
  auto listen = std::make_shared<std::string>();
  auto key_file = std::make_shared<std::string>();
  cmd->add_option("--listen", *listen, "HOST:PORT to listen on (port 0: any free port)")->required();
  cmd->add_option("--key-file", *key_file, "control key file (privkey:<hex>), created when missing")->required();
  cmd->callback([listen, key_file] { std::exit(run_echo_server(*listen, *key_file)); });
}

}  // namespace latchkey::cli
