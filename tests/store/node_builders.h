// Test helpers: deterministic keys and node records for the store tests.
#pragma once

#include <cstdio>
#include <string>

#include "store/records.h"

namespace latchkey::store::testing {

inline ByteArray<32> key_bytes(int tag, int i) {
  ByteArray<32> b{};
  b[0] = static_cast<std::uint8_t>(tag);
  b[1] = static_cast<std::uint8_t>(i & 0xff);
  b[2] = static_cast<std::uint8_t>((i >> 8) & 0xff);
  b[3] = static_cast<std::uint8_t>((i >> 16) & 0xff);
  b[31] = 1;
  return b;
}

inline key::MachinePublic machine_key(int i) { return key::MachinePublic::from_raw(key_bytes(1, i)); }
inline key::NodePublic node_key(int i) { return key::NodePublic::from_raw(key_bytes(2, i)); }
inline key::DiscoPublic disco_key(int i) { return key::DiscoPublic::from_raw(key_bytes(3, i)); }

inline tailcfg::IpAddr ipv4(int i) {
  return *tailcfg::IpAddr::parse("100.64." + std::to_string((i >> 8) & 0xff) + "." + std::to_string(i & 0xff));
}
inline tailcfg::IpAddr ipv6(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "fd7a:115c:a1e0::%x:%x", (i >> 16) & 0xffff, i & 0xffff);
  return *tailcfg::IpAddr::parse(buf);
}

// A node with every field set.
inline NewNode new_node(int i, UserId user) {
  NewNode n;
  n.machine_key = machine_key(i);
  n.node_key = node_key(i);
  n.disco_key = disco_key(i);
  n.ipv4 = ipv4(i);
  n.ipv6 = ipv6(i);
  n.hostname = "host-" + std::to_string(i);
  n.given_name = "node-" + std::to_string(i);
  n.user_id = user;
  n.hostinfo_json = R"({"OS":"linux","Hostname":"host-)" + std::to_string(i) + R"("})";
  n.endpoints = {*tailcfg::AddrPort::parse("192.0.2.1:41641"), *tailcfg::AddrPort::parse("[2001:db8::1]:41641")};
  return n;
}

}  // namespace latchkey::store::testing
