// Waiting after failures (client/backoff.h): upstream's n² backoff with
// jitter (util/backoff/backoff.go) and the Retry-After rule of a 429 answer
// to /machine/register (direct.go parseRateLimitError), including the HTTP
// date forms Go's http.ParseTime reads (transport/http_date.h; its own
// tests are in tests/transport/http_date_test.cpp).
#include <gtest/gtest.h>

#include <chrono>

#include "client/backoff.h"

namespace latchkey::client {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

UnitRandom fixed(double v) {
  return [v] { return v; };
}

// 1994-11-06 08:49:00 UTC
std::chrono::system_clock::time_point nov6_0849() {
  return std::chrono::sys_days{std::chrono::year{1994} / 11 / 6} + 8h + 49min;
}

TEST(Backoff, GrowsQuadraticallyUpToTheCapAndResets) {
  Backoff b(fixed(0.5));  // factor exactly 1
  EXPECT_EQ(b.next_delay(), 10ms);
  EXPECT_EQ(b.next_delay(), 40ms);
  EXPECT_EQ(b.next_delay(), 90ms);
  EXPECT_EQ(b.next_delay(), 160ms);
  for (int i = 5; i < 54; ++i) (void)b.next_delay();
  EXPECT_EQ(b.next_delay(), 29'160ms);  // n = 54
  EXPECT_EQ(b.next_delay(), 30'000ms);  // n = 55 would be 30.25 s
  EXPECT_EQ(b.next_delay(), 30'000ms);
  b.reset();
  EXPECT_EQ(b.next_delay(), 10ms);
}

TEST(Backoff, JitterScalesByHalfToOneAndAHalf) {
  Backoff low(fixed(0.0));
  EXPECT_EQ(low.next_delay(), 5ms);
  EXPECT_EQ(low.next_delay(), 20ms);
  Backoff high(fixed(0.999), 1000ms);
  EXPECT_EQ(high.next_delay(), 14ms);  // 10 ms × 1.499
  for (int i = 0; i < 20; ++i) (void)high.next_delay();
  EXPECT_EQ(high.next_delay(), 1499ms);  // the cap × 1.499
}

TEST(Backoff, DefaultRandomStaysInRange) {
  Backoff b(default_unit_random());
  for (int i = 0; i < 100; ++i) {
    const auto d = b.next_delay();
    EXPECT_GE(d, 5ms);
    EXPECT_LT(d, 45'000ms);
  }
}

TEST(RetryAfter, IntegerSeconds) {
  const auto now = nov6_0849();
  EXPECT_EQ(parse_retry_after("7", now, fixed(0.9)), 7000ms);
  EXPECT_EQ(parse_retry_after("+7", now, fixed(0.9)), 7000ms);
  EXPECT_EQ(parse_retry_after("3600", now, fixed(0.9)), 3'600'000ms);
}

TEST(RetryAfter, HttpDateInEachForm) {
  const auto now = nov6_0849();
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now, fixed(0.9)), 37'000ms);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:50:00 GMT", now, fixed(0.9)), 60'000ms);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 09:00:00 1994", now, fixed(0.9)), 660'000ms);
}

TEST(RetryAfter, UnusableValuesFallBackToFiveToTenSeconds) {
  const auto now = nov6_0849();
  for (const char* bad : {"", "0", "-3", "+-3", "3601", "99999999999999999999", "7s", " 7", "soon",
                          "Sun, 06 Nov 1994 08:48:00 GMT",    // in the past
                          "Sun, 06 Nov 1994 09:49:01 GMT"}) {  // more than an hour ahead
    EXPECT_EQ(parse_retry_after(bad, now, fixed(0.0)), 5000ms) << bad;
    EXPECT_EQ(parse_retry_after(bad, now, fixed(0.25)), 6250ms) << bad;
  }
}

}  // namespace
}  // namespace latchkey::client
