// LogThrottle: lets an event that can repeat thousands of times a second (a
// failed accept, a refused connection) be logged at most once per interval,
// each report saying how many were left out since the one before. Sans-IO:
// the caller passes the time. Not thread-safe; one per loop that logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace latchkey::transport {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration interval = std::chrono::seconds(1)) : interval_(interval) {}

  // One occurrence at `now`. Log it when this returns a value: the number of
  // occurrences suppressed since the last one logged.
  std::optional<std::uint64_t> admit(Clock::time_point now);

 private:
  Clock::duration interval_;
  std::optional<Clock::time_point> last_;
  std::uint64_t suppressed_ = 0;
};

}  // namespace latchkey::transport
