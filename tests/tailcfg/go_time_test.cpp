// Go's time.Time JSON text: RFC 3339 with trimmed nanoseconds, zone offsets
// kept, the zero time, and the strict parser's rejections.
#include <gtest/gtest.h>

#include <limits>

#include "tailcfg/go_time.h"

namespace latchkey::tailcfg {
namespace {

std::string roundtrip(std::string_view in) {
  auto t = GoTime::parse_rfc3339(in);
  return t.ok() ? t->to_string() : "error: " + t.message();
}

TEST(GoTime, ZeroValue) {
  GoTime t;
  EXPECT_TRUE(t.is_zero());
  EXPECT_EQ(t.to_string(), "0001-01-01T00:00:00Z");
  auto p = GoTime::parse_rfc3339("0001-01-01T00:00:00Z");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->is_zero());
  EXPECT_EQ(p->unix_seconds(), GoTime::kZeroUnixSeconds);
}

TEST(GoTime, Formats) {
  EXPECT_EQ(GoTime::from_unix(1596412800, 1).to_string(), "2020-08-03T00:00:00.000000001Z");
  EXPECT_EQ(GoTime::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
  EXPECT_EQ(GoTime::from_unix(0, 500'000'000).to_string(), "1970-01-01T00:00:00.5Z");
  EXPECT_EQ(GoTime::from_unix(-1).to_string(), "1969-12-31T23:59:59Z");
  EXPECT_EQ(GoTime::from_unix(951782400).to_string(), "2000-02-29T00:00:00Z");
  EXPECT_EQ(GoTime::from_unix(0, 0, 2 * 3600 + 30 * 60).to_string(), "1970-01-01T02:30:00+02:30");
  EXPECT_EQ(GoTime::from_unix(0, 0, -5 * 3600).to_string(), "1969-12-31T19:00:00-05:00");
  EXPECT_EQ(GoTime::from_unix_nanos(-1).to_string(), "1969-12-31T23:59:59.999999999Z");
}

TEST(GoTime, ParsesAndKeepsOffset) {
  EXPECT_EQ(roundtrip("2026-11-24T01:54:52Z"), "2026-11-24T01:54:52Z");
  EXPECT_EQ(roundtrip("2026-11-24T01:54:52.120Z"), "2026-11-24T01:54:52.12Z");
  EXPECT_EQ(roundtrip("2026-11-24T01:54:52.1234567891Z"), "2026-11-24T01:54:52.123456789Z");
  EXPECT_EQ(roundtrip("2026-11-24T03:54:52+02:00"), "2026-11-24T03:54:52+02:00");
  EXPECT_EQ(roundtrip("2026-11-24T01:54:52-00:00"), "2026-11-24T01:54:52Z");
  auto a = GoTime::parse_rfc3339("2026-11-24T03:54:52+02:00");
  auto b = GoTime::parse_rfc3339("2026-11-24T01:54:52Z");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);  // same instant
  EXPECT_EQ(roundtrip("2024-02-29T00:00:00Z"), "2024-02-29T00:00:00Z");
}

TEST(GoTime, Rejects) {
  for (const char* bad :
       {"", "2026-11-24", "2026-11-24T01:54:52", "2026-11-24 01:54:52Z", "2026-11-24t01:54:52Z", "2026-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T01:60:00Z", "2026-11-24T01:00:60Z",
        "2026-11-24T1:00:00Z", "2026-11-24T01:00:00,5Z", "2026-11-24T01:00:00+24:00", "2026-11-24T01:00:00+02:60",
        "2026-11-24T01:00:00+0200", "2026-11-24T01:00:00z", "12026-11-24T01:00:00Z", "2026-11-24T01:00:00.Z"}) {
    EXPECT_FALSE(GoTime::parse_rfc3339(bad).ok()) << bad;
  }
}

// The extremes of a nanosecond count (what a saturated system_clock time
// gives) split into seconds and nanoseconds without overflow.
TEST(GoTime, FromUnixNanosAtTheInt64Limits) {
  const auto lo = GoTime::from_unix_nanos(std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(lo.unix_seconds(), -9223372037);
  EXPECT_EQ(lo.nanos(), 145224192);
  const auto hi = GoTime::from_unix_nanos(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(hi.unix_seconds(), 9223372036);
  EXPECT_EQ(hi.nanos(), 854775807);
  EXPECT_EQ(GoTime::from_unix_nanos(-1).unix_seconds(), -1);
  EXPECT_EQ(GoTime::from_unix_nanos(-1).nanos(), 999999999);
}

}  // namespace
}  // namespace latchkey::tailcfg
