// Notify: a one-waiter wake-up flag for coroutines on one strand (an
// auto-reset event). notify() before wait() is not lost: the next wait()
// returns at once. Used to park the HTTP/2 writer until there is output and
// handlers until their stream's buffer drains.
#pragma once

#include <chrono>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace latchkey::transport {

class Notify {
 public:
  explicit Notify(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}

  // Waits until notify() (or returns at once if it was called since the
  // last wait). Cancellation of the awaiting coroutine also ends the wait.
  boost::asio::awaitable<void> wait() {
    if (!pending_) {
      timer_.expires_at(std::chrono::steady_clock::time_point::max());
      boost::system::error_code ec;
      co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    pending_ = false;
  }

  void notify() {
    pending_ = true;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  bool pending_ = false;
};

}  // namespace latchkey::transport
