#include "transport/log_throttle.h"

namespace latchkey::transport {

std::optional<std::uint64_t> LogThrottle::admit(Clock::time_point now) {
  if (last_ && now - *last_ < interval_) {
    ++suppressed_;
    return std::nullopt;
  }
  last_ = now;
  const std::uint64_t left_out = suppressed_;
  suppressed_ = 0;
  return left_out;
}

}  // namespace latchkey::transport
