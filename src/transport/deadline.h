// Deadline: the watchdog of one connection. Up to three independent
// deadlines (reading, writing, whole phase) can be armed; when the earliest
// passes, the watchdog runs its expiry action once (closing the socket, which
// aborts whatever operation was stalled) and remembers which reason fired.
// The slowloris defence of the transport: every wait on a peer is bounded.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "transport/counters.h"

namespace latchkey::transport {

class Deadline : public std::enable_shared_from_this<Deadline> {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Slot : std::size_t { Read = 0, Write = 1, Phase = 2 };

  // Starts a watchdog on `executor` (the connection's strand). `on_expire`
  // runs on that executor, at most once.
  static std::shared_ptr<Deadline> start(boost::asio::any_io_executor executor,
                                         std::function<void(CloseReason)> on_expire);

  // Arms `slot` to fire `after` from now with `reason`.
  void arm(Slot slot, Clock::duration after, CloseReason reason);
  void disarm(Slot slot);
  // Stops the watchdog for good (the connection is over).
  void stop();

  // The reason that fired, if one did.
  std::optional<CloseReason> expired() const { return expired_; }

  // Use start().
  Deadline(boost::asio::any_io_executor executor, std::function<void(CloseReason)> on_expire);

 private:
  struct Entry {
    bool armed = false;
    Clock::time_point at{};
    CloseReason reason = CloseReason::ReadTimeout;
  };
  void watch();
  Clock::time_point earliest() const;

  boost::asio::steady_timer timer_;
  std::function<void(CloseReason)> on_expire_;
  std::array<Entry, 3> slots_{};
  std::optional<CloseReason> expired_;
  bool stopped_ = false;
  bool waiting_ = false;
};

}  // namespace latchkey::transport
