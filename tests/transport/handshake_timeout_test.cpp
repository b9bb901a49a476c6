// A connection the handshake deadline closes is counted as a handshake
// timeout, never as "peer closed" or "completed", also when the server runs
// on several threads: there the watchdog's shutdown of the socket can end the
// pending read as end of stream before its close cancels the read.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <boost/asio/executor_work_guard.hpp>

#include "transport/ts2021_server.h"

namespace latchkey::transport {
namespace {

using namespace std::chrono_literals;

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    ADD_FAILURE() << "connect failed";
    if (fd >= 0) ::close(fd);
    return -1;
  }
  timeval tv{10, 0};  // a guard: the server closes long before
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_text(int fd, std::string_view text) {
  EXPECT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
}

// Reads until the server closes; the bytes read.
std::string read_to_end(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      EXPECT_TRUE(n == 0 || errno == ECONNRESET) << "no end of stream within 10 s";
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

TEST(HandshakeTimeout, DeadlineClosesAreCountedAsTimeoutsOnAMultiThreadedServer) {
  boost::asio::io_context io;
  ServerConfig config;
  config.control_key = key::MachinePrivate::generate();
  config.legacy_public_key = key::MachinePrivate::generate().public_key();
  config.timeouts.handshake = 250ms;
  auto created = Ts2021Server::create(io, std::move(config), std::make_shared<Http2Router>());
  ASSERT_TRUE(created.ok()) << created.message();
  auto& server = **created;
  ASSERT_TRUE(server.listen({boost::asio::ip::make_address("127.0.0.1"), 0}).ok());
  server.start();
  const std::uint16_t port = server.local_endpoint().port();
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&io] { io.run(); });

  // Three kinds the deadline ends: silent, a request head stalled midway
  // (slowloris), and a keep-alive connection idle after one answer.
  constexpr int kRounds = 6;
  constexpr int kPerKind = 40;
  std::uint64_t total = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<int> fds;
    for (int i = 0; i < 3 * kPerKind; ++i) {
      const int fd = connect_to(port);
      ASSERT_GE(fd, 0);
      if (i % 3 == 1) send_text(fd, "GET /key?v=145 HTTP/1.1\r\nHo");
      if (i % 3 == 2) send_text(fd, "GET /key?v=145 HTTP/1.1\r\nHost: x\r\n\r\n");
      fds.push_back(fd);
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      const std::string got = read_to_end(fds[i]);
      if (i % 3 == 2) {
        EXPECT_EQ(got.substr(0, 15), "HTTP/1.1 200 OK");
      }
      ::close(fds[i]);
    }
    total += fds.size();
  }
  auto& c = server.counters();
  auto ended = [&c] {
    std::uint64_t n = 0;
    for (std::size_t r = 0; r < kCloseReasonCount; ++r) n += c.closed_for(static_cast<CloseReason>(r));
    return n;
  };
  for (int i = 0; i < 1000 && ended() < total; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(ended(), total);
  EXPECT_EQ(c.closed_for(CloseReason::HandshakeTimeout), total);
  EXPECT_EQ(c.closed_for(CloseReason::PeerClosed), 0u);
  EXPECT_EQ(c.closed_for(CloseReason::Completed), 0u);

  server.stop();
  work.reset();
  io.stop();
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace latchkey::transport
