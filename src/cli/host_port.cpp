// Parsing HOST:PORT (see host_port.h).
#include "cli/host_port.h"

namespace latchkey::cli {

Result<HostPort> parse_host_port(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error{"address " + quoted + ": want [IPv6]:PORT"};
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return Error{"address " + quoted + ": missing :PORT"};
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return Error{"address " + quoted + ": put IPv6 addresses in brackets"};
  }
  if (host.empty()) return Error{"address " + quoted + ": missing host"};
  if (port.empty() || port.size() > 5) return Error{"address " + quoted + ": bad port"};
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return Error{"address " + quoted + ": bad port"};
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return Error{"address " + quoted + ": port out of range"};
  return HostPort{std::string(host), static_cast<std::uint16_t>(value)};
}

std::string format_host_port(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace latchkey::cli
