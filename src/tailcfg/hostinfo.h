// Hostinfo and its parts (upstream tailcfg.go: Hostinfo, Service, NetInfo,
// Location, TPMInfo): what a client reports about itself in RegisterRequest
// and MapRequest, and what the server relays to peers inside Node. Every
// field is omitzero/omitempty upstream, so an unset field is never sent.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tailcfg/netip.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct Service {
  std::string proto;        // "tcp", "udp", "peerapi4", "peerapi6", "peerapi-dns-proxy"
  std::uint16_t port = 0;
  std::string description;  // omitempty
  friend bool operator==(const Service&, const Service&) = default;
};

struct NetInfo {
  OptBool mapping_varies_by_dest_ip = OptBool::Empty;
  OptBool working_ipv6 = OptBool::Empty;
  OptBool os_has_ipv6 = OptBool::Empty;
  OptBool working_udp = OptBool::Empty;
  OptBool working_icmpv4 = OptBool::Empty;
  bool have_port_map = false;
  OptBool upnp = OptBool::Empty;
  OptBool pmp = OptBool::Empty;
  OptBool pcp = OptBool::Empty;
  DerpRegionId preferred_derp = 0;
  std::string link_type;
  std::map<std::string, double> derp_latency;  // omitempty
  std::string firewall_mode;
  friend bool operator==(const NetInfo&, const NetInfo&) = default;
};

struct Location {
  std::string country;
  std::string country_code;
  std::string city;
  std::string city_code;
  double latitude = 0;
  double longitude = 0;
  std::int64_t priority = 0;
  friend bool operator==(const Location&, const Location&) = default;
};

struct TpmInfo {
  std::string manufacturer;
  std::string vendor;
  std::int64_t model = 0;
  std::uint64_t firmware_version = 0;
  std::int64_t spec_revision = 0;
  std::string family_indicator;
  friend bool operator==(const TpmInfo&, const TpmInfo&) = default;
};

struct Hostinfo {
  std::string ipn_version;
  std::string frontend_log_id;
  std::string backend_log_id;
  std::string os;
  std::string os_version;
  OptBool container = OptBool::Empty;
  std::string env;
  std::string distro;
  std::string distro_version;
  std::string distro_code_name;
  std::string app;
  OptBool desktop = OptBool::Empty;
  std::string package;
  std::string device_model;
  std::string push_device_token;
  std::string hostname;
  bool shields_up = false;
  bool sharee_node = false;
  bool no_logs_no_support = false;
  bool remote_config = false;
  bool wire_ingress = false;
  bool ingress_enabled = false;
  bool allows_update = false;
  std::string machine;
  std::string go_arch;
  std::string go_arch_var;
  std::string go_version;
  std::vector<IpPrefix> routable_ips;
  std::vector<std::string> request_tags;
  std::vector<std::string> wol_macs;
  std::vector<Service> services;
  std::optional<NetInfo> net_info;
  std::vector<std::string> ssh_host_keys;  // JSON "sshHostKeys"
  std::string cloud;
  OptBool userspace = OptBool::Empty;
  OptBool userspace_router = OptBool::Empty;
  OptBool app_connector = OptBool::Empty;
  std::string services_hash;
  bool peer_relay = false;
  StableNodeId exit_node_id;
  std::optional<Location> location;
  std::optional<TpmInfo> tpm;
  OptBool state_encrypted = OptBool::Empty;
  friend bool operator==(const Hostinfo&, const Hostinfo&) = default;
};

void write_value(JsonWriter& w, const Service& v);
void write_value(JsonWriter& w, const NetInfo& v);
void write_value(JsonWriter& w, const Location& v);
void write_value(JsonWriter& w, const TpmInfo& v);
void write_value(JsonWriter& w, const Hostinfo& v);

}  // namespace latchkey::tailcfg
