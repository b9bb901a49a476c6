// HOST:PORT command-line addresses of the debug network probes: a name or
// IPv4 address, or an IPv6 address in brackets ("[::1]:443"), and a decimal
// port 0..65535.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace latchkey::cli {

struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 0;
};

Result<HostPort> parse_host_port(std::string_view text);

// "host:port", IPv6 addresses in brackets.
std::string format_host_port(const std::string& host, std::uint16_t port);

}  // namespace latchkey::cli
