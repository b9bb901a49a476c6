// `latchkey debug noise-client --connect ADDR --control-key mkey:... --messages N`:
// a raw TCP TS2021 Noise client for interop tests against other
// implementations' echo servers (and `latchkey debug noise-echo-server`).
// No HTTP: it sends the 101-byte initiation with a fresh machine key and the
// current capability version (noise::kCurrentCapabilityVersion), reads the
// response, then sends N messages of sizes spread evenly from 1 byte to
// 64 KiB (message i of N has 1 + i * 65535 / (N - 1) bytes; one message of
// 1 byte when N is 1), each written as upstream's Conn.Write does (records
// of at most 4077 plaintext bytes, frames of at most 4096 bytes), and
// checks that each comes back byte for byte before sending the next.
//
// Prints `OK n=N` and exits 0; on any failure (connection, handshake — e.g.
// a wrong control key makes the server drop the connection —, a mismatched
// echo, the --timeout deadline) prints the error on stderr and exits 1.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cli/commands.h"
#include "cli/debug_group.h"
#include "cli/host_port.h"
#include "key/machine_key.h"
#include "noise/client_handshake.h"
#include "noise/keypair.h"
#include "noise/protocol.h"
#include "transport/dialer.h"
#include "transport/noise_stream.h"
#include "transport/socket_stream.h"
#include "transport/transport_error.h"

namespace latchkey::cli {
namespace {

namespace asio = boost::asio;
using transport::Tcp;

constexpr std::size_t kLargestMessage = 64 * 1024;

std::size_t message_size(std::uint64_t i, std::uint64_t n) {
  if (n <= 1) return 1;
  return static_cast<std::size_t>(1 + i * (kLargestMessage - 1) / (n - 1));
}

// Message contents: a xorshift stream seeded by the message number, so a
// reordered, truncated or mixed-up echo cannot match.
void fill_message(std::uint64_t i, Bytes& out) {
  std::uint64_t x = 0x9e3779b97f4a7c15ULL ^ (i + 1) * 0xbf58476d1ce4e5b9ULL;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::uint8_t>(x >> 32);
  }
}

struct ClientOptions {
  HostPort address;
  key::MachinePublic control_key;
  std::uint64_t messages = 0;
};

asio::awaitable<void> run_client(const ClientOptions& opt, Tcp::socket& socket) {
  transport::DialTarget target;
  target.host = opt.address.host;
  target.port = opt.address.port;
  co_await transport::connect_tcp(socket, target);
  boost::system::error_code ignored;
  socket.set_option(Tcp::no_delay(true), ignored);
  auto stream = std::make_unique<transport::TcpStream>(std::move(socket));

  const noise::Keypair machine_key = noise::Keypair::generate();
  auto handshake = noise::ClientHandshake::start(machine_key, opt.control_key.raw(), noise::kCurrentCapabilityVersion);
  if (!handshake) throw std::runtime_error("handshake: " + handshake.message());
  co_await stream->write_all(handshake->initiation());

  Bytes buf(noise::kMaxFrameSize);
  Bytes leftover;
  while (!handshake->established()) {
    const std::size_t n = co_await stream->read_some(buf);
    if (n == 0) {
      // Upstream servers close without a word when the initiation does not
      // decrypt, which is what a wrong control key looks like.
      throw std::runtime_error("handshake: " + handshake->end_of_stream().message() +
                               " (the server closed the connection; is --control-key its key?)");
    }
    auto used = handshake->read_response(ByteView(buf.data(), n));
    if (!used) throw std::runtime_error("handshake: " + used.message());
    if (handshake->established()) {
      leftover.assign(buf.begin() + static_cast<std::ptrdiff_t>(*used), buf.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }
  transport::NoiseStream conn(std::move(stream), handshake->take_conn(), std::move(leftover));

  Bytes sent;
  Bytes echoed;
  for (std::uint64_t i = 0; i < opt.messages; ++i) {
    const std::size_t size = message_size(i, opt.messages);
    sent.resize(size);
    fill_message(i, sent);
    co_await conn.write_all(sent);
    echoed.assign(size, 0);
    if (!co_await transport::read_exact(conn, echoed)) {
      throw std::runtime_error("message " + std::to_string(i) + " (" + std::to_string(size) +
                               " bytes): connection closed before the whole echo arrived");
    }
    if (echoed != sent) {
      std::size_t at = 0;
      while (echoed[at] == sent[at]) ++at;
      throw std::runtime_error("message " + std::to_string(i) + " (" + std::to_string(size) +
                               " bytes): echo differs at byte " + std::to_string(at));
    }
  }
  conn.close();
}

int run(const std::string& connect, const std::string& control_key_text, std::uint64_t messages, double timeout_s) {
  auto address = parse_host_port(connect);
  if (!address) {
    std::cerr << "noise-client: " << address.message() << "\n";
    return 1;
  }
  auto control_key = key::MachinePublic::parse(control_key_text);
  if (!control_key) {
    std::cerr << "noise-client: --control-key: " << control_key.message() << "\n";
    return 1;
  }
  const ClientOptions opt{*address, *control_key, messages};

  asio::io_context io(1);
  Tcp::socket socket(io);
  bool timed_out = false;
  asio::steady_timer deadline(io, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(timeout_s)));
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    io.stop();
  });
  std::optional<std::string> error;
  bool finished = false;
  asio::co_spawn(io, run_client(opt, socket), [&](std::exception_ptr e) {
    finished = true;
    deadline.cancel();
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const transport::TransportError& te) {
      error = te.what();
    } catch (const boost::system::system_error& se) {
      error = se.code() == asio::error::eof ? std::string("connection closed by the server") : se.code().message();
    } catch (const std::exception& ex) {
      error = ex.what();
    }
  });
  io.run();
  if (timed_out && !finished) error = "timed out after " + std::to_string(timeout_s) + " s";
  if (error) {
    std::cerr << "noise-client: " << *error << "\n";
    return 1;
  }
  std::cout << "OK n=" << messages << "\n" << std::flush;
  return 0;
}

}  // namespace

void add_debug_noise_client_command(CLI::App& app) {
  auto* cmd = debug_group(app)->add_subcommand(
      "noise-client", "raw TCP TS2021 Noise client: handshake, send N messages of 1 B..64 KiB, check the echo");
  auto connect = std::make_shared<std::string>();
  auto control_key = std::make_shared<std::string>();
  auto messages = std::make_shared<std::uint64_t>(10);
  auto timeout = std::make_shared<double>(30.0);
  cmd->add_option("--connect", *connect, "HOST:PORT of the echo server")->required();
  cmd->add_option("--control-key", *control_key, "the server's control public key, mkey:<hex>")->required();
  cmd->add_option("--messages", *messages, "number of messages to send and check")->capture_default_str();
  cmd->add_option("--timeout", *timeout, "give up after this many seconds")->capture_default_str()->check(
      CLI::PositiveNumber);
  cmd->callback([=] { std::exit(run(*connect, *control_key, *messages, *timeout)); });
}

}  // namespace latchkey::cli
