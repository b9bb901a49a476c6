// A node as the netmap describes it (upstream tailcfg.go Node): the self
// node in MapResponse.Node and every peer in Peers/PeersChanged. Field
// comments give upstream's JSON omission rule where there is one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "key/disco_key.h"
#include "key/machine_key.h"
#include "key/node_key.h"
#include "tailcfg/dns_config.h"
#include "tailcfg/go_time.h"
#include "tailcfg/hostinfo.h"
#include "tailcfg/netip.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct Node {
  NodeId id = 0;
  StableNodeId stable_id;
  std::string name;  // FQDN with trailing dot, "alpha.example.ts.net."
  UserId user = 0;
  UserId sharer = 0;  // omitzero
  key::NodePublic key;
  GoTime key_expiry;             // omitzero (zero: never expires)
  Bytes key_signature;           // tkatype.MarshaledSignature, omitempty
  key::MachinePublic machine;    // omitzero
  key::DiscoPublic disco_key;    // omitzero
  NilableVector<IpPrefix> addresses;    // null when nil
  NilableVector<IpPrefix> allowed_ips;  // omitzero: omitted only when nil
  std::vector<AddrPort> endpoints;      // omitempty
  std::string legacy_derp_string;       // JSON "DERP", omitzero
  DerpRegionId home_derp = 0;           // omitzero
  std::optional<Hostinfo> hostinfo;     // omitzero (HostinfoView)
  GoTime created;                       // omitzero
  CapabilityVersion cap = 0;            // omitzero
  std::vector<std::string> tags;        // omitempty
  std::vector<IpPrefix> primary_routes;  // omitempty
  std::optional<GoTime> last_seen;      // *time.Time, omitempty
  std::optional<bool> online;           // *bool, omitempty
  bool machine_authorized = false;      // omitempty
  std::vector<std::string> capabilities;  // omitempty
  CapMap cap_map;                         // omitempty
  bool unsigned_peer_api_only = false;    // omitzero
  std::string computed_name;              // omitzero
  std::string computed_name_with_host;    // omitzero
  std::string data_plane_audit_log_id;    // omitzero
  bool expired = false;                   // omitzero
  std::optional<IpAddr> self_node_v4_masq_addr_for_this_peer;  // omitzero
  std::optional<IpAddr> self_node_v6_masq_addr_for_this_peer;  // omitzero
  bool is_wireguard_only = false;                              // omitzero
  bool is_jailed = false;                                      // omitzero
  std::vector<DnsResolver> exit_node_dns_resolvers;            // omitempty
  friend bool operator==(const Node&, const Node&) = default;
};

void write_value(JsonWriter& w, const Node& v);

}  // namespace latchkey::tailcfg
