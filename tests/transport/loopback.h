// Helpers for transport tests over real loopback sockets: run a coroutine on
// a fresh io_context with an overall time limit, and small awaitable
// utilities.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <functional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

// ASSERT_* returns from the function, which a coroutine cannot; this ends the
// test coroutine instead.
#define CO_ASSERT_TRUE(cond)                       \
  do {                                             \
    if (!(cond)) {                                 \
      ADD_FAILURE() << "assertion failed: " #cond; \
      co_return;                                   \
    }                                              \
  } while (false)

namespace latchkey::transport::testing {

namespace asio = boost::asio;
using Tcp = asio::ip::tcp;

// Runs `body(io)` to completion on a new single-threaded io_context. Fails
// the test if it throws or takes longer than `limit`.
inline void run_loopback(std::function<asio::awaitable<void>(asio::io_context&)> body,
                         std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  asio::io_context io;
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(io, body(io), [&](std::exception_ptr e) {
    done = true;
    error = e;
    io.stop();
  });
  io.run_for(limit);
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "test coroutine threw: " << e.what();
    }
  }
  EXPECT_TRUE(done) << "test did not finish within the time limit";
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

inline Tcp::endpoint loopback_any() { return {asio::ip::make_address("127.0.0.1"), 0}; }

inline std::string to_string(const std::vector<std::uint8_t>& b) { return std::string(b.begin(), b.end()); }
inline std::vector<std::uint8_t> to_bytes(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace latchkey::transport::testing
