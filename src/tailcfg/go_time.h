// Go's time.Time as encoding/json carries it: RFC 3339 with nanoseconds
// (trailing zeros of the fraction trimmed), "Z" for UTC and "+hh:mm" for
// other offsets; the zero value is "0001-01-01T00:00:00Z". The offset is kept
// so a decoded time re-encodes as it came in; comparisons use the instant.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace latchkey::tailcfg {

class GoTime {
 public:
  // Seconds from the Unix epoch to Go's zero time, 0001-01-01T00:00:00Z.
  static constexpr std::int64_t kZeroUnixSeconds = -62135596800;

  GoTime() = default;  // Go's zero time
  static GoTime from_unix(std::int64_t seconds, std::int32_t nanos = 0, std::int32_t offset_seconds = 0);
  static GoTime from_unix_nanos(std::int64_t nanos);
  static GoTime from_system(std::chrono::system_clock::time_point tp);
  // time.Time.UnmarshalJSON's parser (RFC 3339, 4-digit year, optional
  // fraction of 1..9 digits, "Z" or "±hh:mm").
  static Result<GoTime> parse_rfc3339(std::string_view text);

  bool is_zero() const { return seconds_ == kZeroUnixSeconds && nanos_ == 0; }
  std::int64_t unix_seconds() const { return seconds_; }
  std::int32_t nanos() const { return nanos_; }
  std::int32_t offset_seconds() const { return offset_; }
  // Nanoseconds since the Unix epoch (saturating outside about 1678..2262).
  std::int64_t unix_nanos() const;
  std::chrono::system_clock::time_point to_system() const;

  // The RFC 3339 text with nanoseconds (MarshalJSON without the quotes).
  std::string to_string() const;
  void append_to(std::string& out) const;

  // Same instant (offsets may differ), as Go's Time.Equal.
  friend bool operator==(const GoTime& a, const GoTime& b) {
    return a.seconds_ == b.seconds_ && a.nanos_ == b.nanos_;
  }
  friend std::strong_ordering operator<=>(const GoTime& a, const GoTime& b) {
    if (auto c = a.seconds_ <=> b.seconds_; c != 0) return c;
    return a.nanos_ <=> b.nanos_;
  }

 private:
  std::int64_t seconds_ = kZeroUnixSeconds;  // instant, Unix seconds
  std::int32_t nanos_ = 0;                   // 0..999'999'999
  std::int32_t offset_ = 0;                  // zone offset east of UTC, seconds
};

}  // namespace latchkey::tailcfg
