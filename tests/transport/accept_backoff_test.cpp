// AcceptBackoff's pauses (5 ms doubling to 1 s, reset by a success) and
// LogThrottle's at-most-once-per-interval reports with the count left out.
#include <gtest/gtest.h>

#include "transport/accept_backoff.h"
#include "transport/log_throttle.h"

namespace latchkey::transport {
namespace {

using namespace std::chrono_literals;

TEST(AcceptBackoff, DoublesFromFiveMillisecondsToOneSecondAndResets) {
  AcceptBackoff b;
  std::vector<long> pauses;
  for (int i = 0; i < 11; ++i) pauses.push_back(static_cast<long>(b.failed().count()));
  EXPECT_EQ(pauses, (std::vector<long>{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000}));
  b.succeeded();
  EXPECT_EQ(b.failed(), 5ms);
  EXPECT_EQ(b.failed(), 10ms);
}

TEST(LogThrottle, AtMostOncePerIntervalWithTheCountLeftOut) {
  LogThrottle t(1s);
  const auto t0 = LogThrottle::Clock::time_point() + 100s;
  EXPECT_EQ(t.admit(t0), std::optional<std::uint64_t>(0));  // the first is reported
  for (int i = 1; i <= 999; ++i) EXPECT_EQ(t.admit(t0 + i * 1ms), std::nullopt);
  EXPECT_EQ(t.admit(t0 + 1000ms), std::optional<std::uint64_t>(999));
  EXPECT_EQ(t.admit(t0 + 1500ms), std::nullopt);
  EXPECT_EQ(t.admit(t0 + 5000ms), std::optional<std::uint64_t>(1));
  EXPECT_EQ(t.admit(t0 + 6000ms), std::optional<std::uint64_t>(0));
}

}  // namespace
}  // namespace latchkey::transport
