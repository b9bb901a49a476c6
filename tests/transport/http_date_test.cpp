// HTTP dates (transport/http_date.h): the Date header as Go's net/http
// writes it, and the three forms Go's http.ParseTime reads back (the client
// reads them in Retry-After).
#include <gtest/gtest.h>

#include <chrono>

#include "transport/http_date.h"

namespace latchkey::transport {
namespace {

using namespace std::chrono_literals;

TEST(HttpDate, WritesImfFixdate) {
  const auto when = std::chrono::sys_days{std::chrono::year{1994} / 11 / 6} + 8h + 49min + 37s;
  EXPECT_EQ(http_date(when), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date(http_date(when)), when);
}

TEST(HttpDate, ParsesAsGoDoes) {
  const auto expect = std::chrono::sys_days{std::chrono::year{1994} / 11 / 6} + 8h + 49min + 37s;
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expect);
  EXPECT_EQ(parse_http_date("sun, 06 NOV 1994 08:49:37 GMT"), expect);  // names match in any case
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 8:49:37 GMT"), expect);   // Go's "15" takes one digit
  EXPECT_EQ(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT"), expect);  // the weekday is not checked
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expect);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 PST"), expect);  // an unknown zone counts as UTC
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), expect);
  EXPECT_EQ(parse_http_date("Sun Nov 06 08:49:37 1994"), expect);
  EXPECT_EQ(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT"),
            std::chrono::sys_days{std::chrono::year{1970} / 1 / 1});  // two-digit years from 69 are 19xx
  EXPECT_EQ(parse_http_date("Saturday, 01-Jan-00 00:00:00 GMT"), std::chrono::sys_days{std::chrono::year{2000} / 1 / 1});
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"), std::chrono::sys_days{std::chrono::year{2024} / 2 / 29});
}

TEST(HttpDate, RefusesMalformedDates) {
  for (const char* bad : {"", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:37 GMT ", "Xyz, 06 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Nox 1994 08:49:37 GMT", "Fri, 29 Feb 2023 00:00:00 GMT",
                          "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                          "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:3 GMT",
                          "Sunday, 06-Nov-94 08:49:37 gmt", "Sun Nov  6 08:49:37 94",
                          "Sun, 00 Nov 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
  }
}

// A date the clock cannot hold (its nanosecond ticks end in 2262) is no
// date, not an overflow: a server chooses what Retry-After says.
TEST(HttpDate, DatesBeyondTheClocksRangeAreRefused) {
  EXPECT_FALSE(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").has_value());
  EXPECT_FALSE(parse_http_date("Sat, 01 Jan 1600 00:00:00 GMT").has_value());
  EXPECT_TRUE(parse_http_date("Tue, 01 Jan 2261 00:00:00 GMT").has_value());
}

}  // namespace
}  // namespace latchkey::transport
