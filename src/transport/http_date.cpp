#include "transport/http_date.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace latchkey::transport {
namespace {

constexpr std::array<std::string_view, 7> kShortDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A left-to-right reader over the text; every step fails closed.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}

  bool literal(std::string_view s) {
    if (rest_.substr(0, s.size()) != s) return false;
    rest_.remove_prefix(s.size());
    return true;
  }
  // Go matches day and month names case-insensitively.
  template <std::size_t N>
  std::optional<int> name(const std::array<std::string_view, N>& names) {
    for (std::size_t i = 0; i < N; ++i) {
      if (equal_fold(rest_.substr(0, names[i].size()), names[i])) {
        rest_.remove_prefix(names[i].size());
        return static_cast<int>(i);
      }
    }
    return std::nullopt;
  }
  // Between min_digits and max_digits decimal digits.
  std::optional<int> number(std::size_t min_digits, std::size_t max_digits) {
    std::size_t n = 0;
    int v = 0;
    while (n < max_digits && n < rest_.size() && rest_[n] >= '0' && rest_[n] <= '9') {
      v = v * 10 + (rest_[n] - '0');
      ++n;
    }
    if (n < min_digits) return std::nullopt;
    rest_.remove_prefix(n);
    return v;
  }
  // A zone abbreviation as Go's parseTimeZone takes the common ones: three
  // upper-case letters, or four ending in 'T'.
  bool zone_abbreviation() {
    auto upper = [&](std::size_t i) { return i < rest_.size() && rest_[i] >= 'A' && rest_[i] <= 'Z'; };
    if (!upper(0) || !upper(1) || !upper(2)) return false;
    const std::size_t len = upper(3) ? 4 : 3;
    if (len == 4 && rest_[3] != 'T') return false;
    rest_.remove_prefix(len);
    return true;
  }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int month0, int year) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month0 == 1 && leap(year) ? 29 : kDays[static_cast<std::size_t>(month0)];
}

struct Fields {
  int year = 0, month0 = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// "15:04:05": Go reads the hour with one or two digits, minutes and seconds
// with exactly two.
bool clock(Cursor& c, Fields& f) {
  auto h = c.number(1, 2);
  if (!h || !c.literal(":")) return false;
  auto m = c.number(2, 2);
  if (!m || !c.literal(":")) return false;
  auto s = c.number(2, 2);
  if (!s) return false;
  f.hour = *h;
  f.minute = *m;
  f.second = *s;
  return true;
}

std::optional<std::chrono::system_clock::time_point> to_time(const Fields& f) {
  if (f.day < 1 || f.day > days_in_month(f.month0, f.year) || f.hour > 23 || f.minute > 59 || f.second > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{f.year},
                                        std::chrono::month{static_cast<unsigned>(f.month0 + 1)},
                                        std::chrono::day{static_cast<unsigned>(f.day)}};
  const auto seconds = std::chrono::sys_days{ymd}.time_since_epoch() + std::chrono::hours{f.hour} +
                       std::chrono::minutes{f.minute} + std::chrono::seconds{f.second};
  // The clock's ticks cover about 1678-2262: a date beyond would overflow.
  constexpr auto kRange = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max());
  if (seconds > kRange || seconds < -kRange) return std::nullopt;
  return std::chrono::system_clock::time_point{std::chrono::duration_cast<std::chrono::system_clock::duration>(seconds)};
}

// "Mon, 02 Jan 2006 15:04:05 GMT"
std::optional<std::chrono::system_clock::time_point> imf_fixdate(std::string_view text) {
  Cursor c(text);
  Fields f;
  if (!c.name(kShortDays) || !c.literal(", ")) return std::nullopt;
  auto day = c.number(2, 2);
  if (!day || !c.literal(" ")) return std::nullopt;
  auto month = c.name(kMonths);
  if (!month || !c.literal(" ")) return std::nullopt;
  auto year = c.number(4, 4);
  if (!year || !c.literal(" ") || !clock(c, f) || !c.literal(" GMT") || !c.done()) return std::nullopt;
  f.day = *day;
  f.month0 = *month;
  f.year = *year;
  return to_time(f);
}

// "Monday, 02-Jan-06 15:04:05 MST"
std::optional<std::chrono::system_clock::time_point> rfc850(std::string_view text) {
  Cursor c(text);
  Fields f;
  if (!c.name(kLongDays) || !c.literal(", ")) return std::nullopt;
  auto day = c.number(2, 2);
  if (!day || !c.literal("-")) return std::nullopt;
  auto month = c.name(kMonths);
  if (!month || !c.literal("-")) return std::nullopt;
  auto year = c.number(2, 2);
  if (!year || !c.literal(" ") || !clock(c, f) || !c.literal(" ") || !c.zone_abbreviation() || !c.done()) {
    return std::nullopt;
  }
  f.day = *day;
  f.month0 = *month;
  f.year = *year >= 69 ? 1900 + *year : 2000 + *year;  // Go's two-digit year rule
  return to_time(f);
}

// "Mon Jan _2 15:04:05 2006" (the day space-padded or two digits)
std::optional<std::chrono::system_clock::time_point> asctime(std::string_view text) {
  Cursor c(text);
  Fields f;
  if (!c.name(kShortDays) || !c.literal(" ")) return std::nullopt;
  auto month = c.name(kMonths);
  if (!month || !c.literal(" ")) return std::nullopt;
  c.literal(" ");  // Go's "_2" skips one padding space, then reads one or two digits
  auto day = c.number(1, 2);
  if (!day || !c.literal(" ") || !clock(c, f) || !c.literal(" ")) return std::nullopt;
  auto year = c.number(4, 4);
  if (!year || !c.done()) return std::nullopt;
  f.day = *day;
  f.month0 = *month;
  f.year = *year;
  return to_time(f);
}

}  // namespace

std::string http_date(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
                        kShortDays[tm.tm_wday % 7].data(), tm.tm_mday, kMonths[tm.tm_mon % 12].data(),
                        tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::string http_date_now() { return http_date(std::chrono::system_clock::now()); }

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  if (auto t = imf_fixdate(text)) return t;
  if (auto t = rfc850(text)) return t;
  return asctime(text);
}

}  // namespace latchkey::transport
