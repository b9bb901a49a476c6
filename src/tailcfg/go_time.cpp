#include "tailcfg/go_time.h"

#include <limits>

namespace latchkey::tailcfg {
namespace {

// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's
// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

bool is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int days_in(int month, int year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap(year)) return 29;
  return kDays[month - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void append_digits(std::string& out, std::int64_t v, int width) {
  char buf[24];
  int n = 0;
  std::uint64_t u = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) out.push_back('-');
  for (int i = n; i < width; ++i) out.push_back('0');
  while (n > 0) out.push_back(buf[--n]);
}

}  // namespace

GoTime GoTime::from_unix(std::int64_t seconds, std::int32_t nanos, std::int32_t offset_seconds) {
  GoTime t;
  // Normalise nanos into 0..999'999'999.
  std::int64_t s = seconds + nanos / 1'000'000'000;
  std::int32_t n = nanos % 1'000'000'000;
  if (n < 0) {
    n += 1'000'000'000;
    --s;
  }
  t.seconds_ = s;
  t.nanos_ = n;
  t.offset_ = offset_seconds / 60 * 60;
  return t;
}

GoTime GoTime::from_unix_nanos(std::int64_t nanos) {
  // Quotient and remainder, the remainder made non-negative: no product
  // that could overflow near the int64 limits.
  std::int64_t seconds = nanos / 1'000'000'000;
  std::int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  return from_unix(seconds, static_cast<std::int32_t>(rest));
}

GoTime GoTime::from_system(std::chrono::system_clock::time_point tp) {
  return from_unix_nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count());
}

std::int64_t GoTime::unix_nanos() const {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  if (seconds_ > kMax / 1'000'000'000 - 1) return kMax;
  if (seconds_ < kMin / 1'000'000'000 + 1) return kMin;
  return seconds_ * 1'000'000'000 + nanos_;
}

std::chrono::system_clock::time_point GoTime::to_system() const {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(unix_nanos())));
}

Result<GoTime> GoTime::parse_rfc3339(std::string_view s) {
  auto fail = [&](std::string_view why) {
    return Error{"parsing time \"" + std::string(s) + "\" as RFC 3339: " + std::string(why)};
  };
  if (s.size() < 20) return fail("too short");
  bool ok = true;
  auto num = [&](std::size_t pos, std::size_t len, int lo, int hi) {
    int x = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      const char c = s[i];
      if (c < '0' || c > '9') {
        ok = false;
        return lo;
      }
      x = x * 10 + (c - '0');
    }
    if (x < lo || x > hi) {
      ok = false;
      return lo;
    }
    return x;
  };
  const int year = num(0, 4, 0, 9999);
  const int month = num(5, 2, 1, 12);
  const int day = num(8, 2, 1, days_in(month, year));
  const int hour = num(11, 2, 0, 23);
  const int minute = num(14, 2, 0, 59);
  const int second = num(17, 2, 0, 59);
  if (!ok || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return fail("bad date or time");
  }
  std::string_view rest = s.substr(19);
  std::int32_t nanos = 0;
  if (rest.size() >= 2 && rest[0] == '.' && rest[1] >= '0' && rest[1] <= '9') {
    std::size_t n = 1;
    std::int32_t scale = 100'000'000;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') {
      nanos += static_cast<std::int32_t>(rest[n] - '0') * scale;
      scale /= 10;
      ++n;
    }
    rest.remove_prefix(n);
  }
  std::int32_t offset = 0;
  if (!(rest.size() == 1 && rest[0] == 'Z')) {
    if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':') return fail("bad zone");
    std::string_view z = rest;
    int hh = 0;
    int mm = 0;
    for (std::size_t i : {1u, 2u, 4u, 5u}) {
      if (z[i] < '0' || z[i] > '9') return fail("bad zone");
    }
    hh = (z[1] - '0') * 10 + (z[2] - '0');
    mm = (z[4] - '0') * 10 + (z[5] - '0');
    if (hh > 23) return fail("timezone hour out of range");
    if (mm > 59) return fail("timezone minute out of range");
    offset = (hh * 60 + mm) * 60;
    if (z[0] == '-') offset = -offset;
  }
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t local = days * 86400 + hour * 3600 + minute * 60 + second;
  return from_unix(local - offset, nanos, offset);
}

void GoTime::append_to(std::string& out) const {
  const std::int64_t local = seconds_ + offset_;
  const std::int64_t days = floor_div(local, 86400);
  const std::int64_t sod = local - days * 86400;
  const Civil c = civil_from_days(days);
  append_digits(out, c.year, 4);
  out.push_back('-');
  append_digits(out, c.month, 2);
  out.push_back('-');
  append_digits(out, c.day, 2);
  out.push_back('T');
  append_digits(out, sod / 3600, 2);
  out.push_back(':');
  append_digits(out, sod / 60 % 60, 2);
  out.push_back(':');
  append_digits(out, sod % 60, 2);
  if (nanos_ != 0) {
    char frac[10];
    std::int32_t n = nanos_;
    for (int i = 8; i >= 0; --i) {
      frac[i] = static_cast<char>('0' + n % 10);
      n /= 10;
    }
    int len = 9;
    while (len > 0 && frac[len - 1] == '0') --len;
    out.push_back('.');
    out.append(frac, static_cast<std::size_t>(len));
  }
  if (offset_ == 0) {
    out.push_back('Z');
  } else {
    const std::int32_t abs_min = (offset_ < 0 ? -offset_ : offset_) / 60;
    out.push_back(offset_ < 0 ? '-' : '+');
    append_digits(out, abs_min / 60, 2);
    out.push_back(':');
    append_digits(out, abs_min % 60, 2);
  }
}

std::string GoTime::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

}  // namespace latchkey::tailcfg
