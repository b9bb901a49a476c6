// HTTP dates, both ways, in one place:
//  - http_date writes the IMF-fixdate form of the Date header ("Tue, 24 Nov
//    2026 01:54:52 GMT"), as Go's net/http writes it on every response;
//  - parse_http_date reads the forms Go's net/http.ParseTime accepts, tried
//    in its order: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850
//    ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37
//    1994"). The client reads them in Retry-After (client/backoff.h). The
//    weekday name must be a real one but, as in Go, is not checked against
//    the date; RFC 850's zone may be any 3-4 letter abbreviation and counts
//    as UTC (Go treats an unknown abbreviation that way; the HTTP RFCs only
//    allow GMT).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::transport {

std::string http_date(std::chrono::system_clock::time_point when);
std::string http_date_now();

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

}  // namespace latchkey::transport
