#include "client/upgrade_node.h"

#include <charconv>
#include <optional>
#include <string_view>

namespace latchkey::client {

namespace {

// The magic address whose "port" is a DERP region (tailcfg.DerpMagicIP).
constexpr std::string_view kDerpMagicIp = "127.3.3.40";

// The region in a legacy DERP string, as net.SplitHostPort then
// strconv.Atoi read it; nullopt when it is anything else.
std::optional<tailcfg::DerpRegionId> legacy_derp_region(std::string_view s) {
  std::string_view host;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return std::nullopt;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;
  }
  if (host != kDerpMagicIp || port.empty()) return std::nullopt;
  bool negative = false;
  if (port.front() == '+' || port.front() == '-') {
    negative = port.front() == '-';
    port.remove_prefix(1);
  }
  tailcfg::DerpRegionId v = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty()) return std::nullopt;
  return negative ? -v : v;
}

bool same_prefixes(const tailcfg::NilableVector<tailcfg::IpPrefix>& a,
                   const tailcfg::NilableVector<tailcfg::IpPrefix>& b) {
  const std::size_t na = a ? a->size() : 0;
  const std::size_t nb = b ? b->size() : 0;
  if (na != nb) return false;
  return na == 0 || *a == *b;
}

}  // namespace

void upgrade_node(tailcfg::Node& n) {
  if (!n.legacy_derp_string.empty()) {
    if (n.home_derp == 0) {
      if (auto region = legacy_derp_region(n.legacy_derp_string)) n.home_derp = *region;
    }
    n.legacy_derp_string.clear();
  }
  if (!n.allowed_ips) n.allowed_ips = n.addresses;
  if (n.unsigned_peer_api_only && !same_prefixes(n.allowed_ips, n.addresses)) n.allowed_ips = n.addresses;
}

void fold_capabilities(tailcfg::Node& self) {
  for (const auto& c : self.capabilities) self.cap_map.try_emplace(c);
}

}  // namespace latchkey::client
