// Durations as the admin types them for `keys create --expiration`: Go's
// time.ParseDuration units ("90m", "1h30m", "1.5h", "10s") plus "d" for
// days ("90d"). Positive, at most 100 years.
#pragma once

#include <chrono>
#include <string_view>

#include "base/result.h"

namespace latchkey::cli {

Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

}  // namespace latchkey::cli
