// The IMF-fixdate form of the Date header ("Tue, 24 Nov 2026 01:54:52 GMT"),
// as Go's net/http writes it on every response.
#pragma once

#include <chrono>
#include <string>

namespace latchkey::transport {

std::string http_date(std::chrono::system_clock::time_point when);
std::string http_date_now();

}  // namespace latchkey::transport
