// off_io: runs a blocking call (a database transaction, signature checks,
// Argon2i) on the blocking executor and resumes on the caller's, so an I/O
// thread — and every stream it serves — never waits on it. Used by the
// control server's routes (transport::UnixHttpListener has its own).
#pragma once

#include <type_traits>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace latchkey::server {

template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> off_io(boost::asio::any_io_executor blocking, F fn) {
  auto io = co_await boost::asio::this_coro::executor;
  co_await boost::asio::post(blocking, boost::asio::use_awaitable);
  auto result = fn();
  co_await boost::asio::post(io, boost::asio::use_awaitable);
  co_return result;
}

}  // namespace latchkey::server
