// Packet filter rules (upstream tailcfg.go: FilterRule, NetPortRange,
// PortRange, CapGrant). The server's default is FilterAllowAll.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tailcfg/netip.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

struct NetPortRange {
  std::string ip;                    // IP, CIDR, range or "*"
  std::optional<std::int64_t> bits;  // deprecated; omitempty
  PortRange ports;
  friend bool operator==(const NetPortRange&, const NetPortRange&) = default;
};

struct CapGrant {
  NilableVector<IpPrefix> dsts;
  std::vector<std::string> caps;  // omitempty
  CapMap cap_map;                 // omitempty
  friend bool operator==(const CapGrant&, const CapGrant&) = default;
};

struct FilterRule {
  NilableVector<std::string> src_ips;
  std::vector<std::int64_t> src_bits;  // deprecated; omitempty
  std::vector<NetPortRange> dst_ports;  // omitempty
  std::vector<std::int64_t> ip_proto;  // omitempty
  std::vector<CapGrant> cap_grant;     // omitempty
  friend bool operator==(const FilterRule&, const FilterRule&) = default;
};

// tailcfg.FilterAllowAll: every source to every destination port.
std::vector<FilterRule> filter_allow_all();

void write_value(JsonWriter& w, const PortRange& v);
void write_value(JsonWriter& w, const NetPortRange& v);
void write_value(JsonWriter& w, const CapGrant& v);
void write_value(JsonWriter& w, const FilterRule& v);

}  // namespace latchkey::tailcfg
