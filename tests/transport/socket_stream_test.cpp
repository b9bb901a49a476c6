// SocketStream over real loopback sockets: end of stream seen while waiting
// for readability must end the next read at once.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <optional>

#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>

#include "loopback.h"
#include "transport/socket_stream.h"

namespace latchkey::transport {
namespace {

using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using testing::run_loopback;

struct Pair {
  Tcp::socket client;
  Tcp::socket server;
};

asio::awaitable<Pair> connected_pair() {
  auto ex = co_await asio::this_coro::executor;
  Tcp::acceptor acceptor(ex, testing::loopback_any());
  Tcp::socket client(ex);
  co_await client.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
  Tcp::socket server = co_await acceptor.async_accept(asio::use_awaitable);
  co_return Pair{std::move(client), std::move(server)};
}

// The peek inside wait_readable is what sees the FIN (as in an idle map
// stream). Asio then waits for a new readiness edge before it tries another
// receive on that socket; none comes, so a read that went to the socket
// again hung until some unrelated event. It must return 0 at once.
TEST(SocketStream, CloseSeenWhileWaitingForReadabilityEndsTheNextRead) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto [client, server_socket] = co_await connected_pair();
    TcpStream stream(std::move(server_socket));
    bool readable = false;
    asio::steady_timer woken(io, 3s);  // cancelled by the waiter, else the limit
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await stream.wait_readable();
          readable = true;
          woken.cancel();
        },
        asio::detached);
    // Let the wait start (its first receive attempt finds nothing and
    // parks on the reactor), then close the client.
    co_await asio::post(io, asio::use_awaitable);
    co_await asio::post(io, asio::use_awaitable);
    EXPECT_FALSE(readable);
    client.close();
    boost::system::error_code ec;
    co_await woken.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    CO_ASSERT_TRUE(readable);

    std::array<std::uint8_t, 64> buf{};
    asio::steady_timer timeout(io, 2s);
    auto result = co_await (stream.read_some(buf) || timeout.async_wait(asio::use_awaitable));
    CO_ASSERT_TRUE(result.index() == 0);
    EXPECT_EQ(std::get<0>(result), 0u);
    // And again: end of stream stays end of stream.
    EXPECT_EQ(co_await stream.read_some(buf), 0u);
  });
}

// Bytes that arrive before the close are still delivered first.
TEST(SocketStream, DataBeforeTheCloseIsReadThenEndOfStream) {
  run_loopback([](asio::io_context&) -> asio::awaitable<void> {
    auto [client, server_socket] = co_await connected_pair();
    TcpStream stream(std::move(server_socket));
    co_await asio::async_write(client, asio::buffer(std::string_view("hello")), asio::use_awaitable);
    co_await stream.wait_readable();
    client.close();
    std::array<std::uint8_t, 64> buf{};
    std::string got;
    while (true) {
      std::size_t n = co_await stream.read_some(buf);
      if (n == 0) break;
      got.append(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
      co_await stream.wait_readable();
    }
    EXPECT_EQ(got, "hello");
  });
}

// reset() closes with RST instead of FIN: the peer's wait or read fails
// with "connection reset" rather than seeing end of stream (how the soak in
// bench/server/load drops connections as a host that vanished would).
TEST(SocketStream, ResetMakesThePeerSeeConnectionReset) {
  run_loopback([](asio::io_context&) -> asio::awaitable<void> {
    auto [client_socket, server_socket] = co_await connected_pair();
    TcpStream client(std::move(client_socket));
    TcpStream stream(std::move(server_socket));
    client.reset();
    client.reset();  // idempotent
    std::array<std::uint8_t, 64> buf{};
    boost::system::error_code ec;
    try {
      co_await stream.wait_readable();
      (void)co_await stream.read_some(buf);
    } catch (const boost::system::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, asio::error::connection_reset) << ec.message();
  });
}

}  // namespace
}  // namespace latchkey::transport
