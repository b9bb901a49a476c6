// The HTTP date forms Go's net/http.ParseTime accepts, tried in its order:
// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday,
// 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994"). The
// client reads them in Retry-After (client/backoff.h). The weekday name must
// be a real one but, as in Go, is not checked against the date; RFC 850's
// zone may be any 3-4 letter abbreviation and counts as UTC (Go treats an
// unknown abbreviation that way; the HTTP RFCs only allow GMT).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace latchkey::client {

std::optional<std::chrono::system_clock::time_point> parse_http_time(std::string_view text);

}  // namespace latchkey::client
