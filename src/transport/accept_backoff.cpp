#include "transport/accept_backoff.h"

#include <algorithm>

namespace latchkey::transport {

std::chrono::milliseconds AcceptBackoff::failed() {
  delay_ = delay_.count() == 0 ? kFirst : std::min(delay_ * 2, kMax);
  return delay_;
}

}  // namespace latchkey::transport
