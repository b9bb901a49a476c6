// Waiting after a failed control request, as upstream's client does:
//  - Backoff: util/backoff/backoff.go — after the n-th consecutive failure
//    wait min(n²·10 ms, max) scaled by a uniform factor in [0.5, 1.5), so a
//    fleet of clients does not retry in lockstep; a success resets n.
//  - parse_retry_after: control/controlclient/direct.go parseRateLimitError —
//    a 429's Retry-After as integer seconds or an HTTP date; a value that is
//    missing, unparsable, not positive or over an hour becomes 5 s + rand(5 s).
// Sans-IO: the caller sleeps; randomness and the current time are passed in.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

namespace latchkey::client {

// A source of uniform doubles in [0, 1). Tests inject fixed values.
using UnitRandom = std::function<double()>;

// A UnitRandom backed by a freshly seeded std::mt19937_64 (jitter only, not
// secrets).
UnitRandom default_unit_random();

class Backoff {
 public:
  // Upstream's client uses 30 s for its auth, map and update routines.
  static constexpr std::chrono::milliseconds kDefaultMax{30'000};

  explicit Backoff(UnitRandom random, std::chrono::milliseconds max = kDefaultMax);

  // Counts one more consecutive failure and returns how long to wait.
  std::chrono::milliseconds next_delay();
  // A success: the next failure waits as briefly as the first.
  void reset() { failures_ = 0; }

 private:
  UnitRandom random_;
  std::chrono::milliseconds max_;
  int failures_ = 0;  // consecutive failures, no longer counted once the cap is hit
};

// How long to wait after a rate-limited (429) response whose Retry-After
// header is `header` (empty when absent), at time `now`.
std::chrono::milliseconds parse_retry_after(std::string_view header, std::chrono::system_clock::time_point now,
                                            const UnitRandom& random);

}  // namespace latchkey::client
