#include "cli/duration.h"

#include <string>

namespace latchkey::cli {

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  const Error bad{"invalid duration \"" + std::string(text) + "\" (want e.g. 90d, 24h, 1h30m, 45m)"};
  if (text.empty() || text.size() > 64) return bad;
  constexpr long double kMaxNanos = 100.0L * 365 * 24 * 3600 * 1e9L;
  long double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // A number with an optional fraction.
    long double value = 0;
    bool digits = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + (text[i] - '0');
      digits = true;
      ++i;
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        value += (text[i] - '0') * scale;
        scale /= 10;
        digits = true;
        ++i;
      }
    }
    if (!digits) return bad;
    std::size_t u = i;
    while (u < text.size() && ((text[u] >= 'a' && text[u] <= 'z') || text[u] == '\xc2' || text[u] == '\xb5')) ++u;
    const std::string_view unit = text.substr(i, u - i);
    i = u;
    long double nanos_per = 0;
    if (unit == "ns") {
      nanos_per = 1;
    } else if (unit == "us" || unit == "\xc2\xb5s") {
      nanos_per = 1e3L;
    } else if (unit == "ms") {
      nanos_per = 1e6L;
    } else if (unit == "s") {
      nanos_per = 1e9L;
    } else if (unit == "m") {
      nanos_per = 60e9L;
    } else if (unit == "h") {
      nanos_per = 3600e9L;
    } else if (unit == "d") {
      nanos_per = 86400e9L;
    } else {
      return bad;
    }
    total += value * nanos_per;
    if (total > kMaxNanos) return Error{"duration \"" + std::string(text) + "\" is longer than 100 years"};
  }
  if (total < 1) return Error{"duration \"" + std::string(text) + "\" must be positive"};
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

}  // namespace latchkey::cli
