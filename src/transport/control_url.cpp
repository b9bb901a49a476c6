#include "transport/control_url.h"

#include <optional>

namespace latchkey::transport {

Result<ControlUrl> parse_control_url(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return Error{"\"" + std::string(text) + "\" " + std::string(why) +
                 " (want http://host[:port] or https://host[:port], e.g. https://control.example.com)"};
  };
  ControlUrl out;
  std::string_view rest = text;
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
    out.target.tls = true;
  } else {
    return bad("is not an http or https URL");
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  for (char c : rest) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '?' || c == '#' || c == '@' || c == '\\' || c == '/') {
      return bad("has a path, query, fragment, user part or space");
    }
  }
  std::string_view host = rest;
  std::optional<std::string_view> port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed [");
    const std::string_view after = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("is malformed after ]");
      port = after.substr(1);
    }
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return bad("has an IPv6 address without [ ]");
  }
  if (host.empty()) return bad("has no host");
  out.target.host = std::string(host);
  out.target.port = out.target.tls ? 443 : 80;
  if (port) {
    bool digits = !port->empty() && port->size() <= 5;
    unsigned long n = 0;
    for (char c : *port) {
      digits = digits && c >= '0' && c <= '9';
      n = n * 10 + static_cast<unsigned long>(c - '0');
    }
    if (!digits || n == 0 || n > 65535) return bad("has a bad port (want 1 to 65535)");
    out.target.port = static_cast<std::uint16_t>(n);
  }
  out.url = std::string(text.substr(0, static_cast<std::size_t>(rest.data() - text.data()) + rest.size()));
  return out;
}

}  // namespace latchkey::transport
