// The netmap, streamed in answer to MapRequest (upstream tailcfg.go
// MapResponse and the types only it carries: PeerChange, PingRequest,
// DisplayMessage, ClientVersion, ControlDialPlan, Debug; TKAInfo is in
// tka.h). Upstream's zero-means-unchanged convention: an omitted field
// changes nothing.
//
// One deliberate difference from upstream's Go type: PacketFilter and
// Health are nilable here and a non-nil empty list encodes as [] ("now
// empty"), which upstream's tailcfg type cannot express and its control
// server writes through a separate type (see upstream's MapResponse docs).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "key/disco_key.h"
#include "key/node_key.h"
#include "tailcfg/derp_map.h"
#include "tailcfg/dns_config.h"
#include "tailcfg/filter.h"
#include "tailcfg/go_time.h"
#include "tailcfg/node.h"
#include "tailcfg/tka.h"
#include "tailcfg/types.h"
#include "tailcfg/user.h"

namespace latchkey::tailcfg {

class JsonWriter;

// A small change to one peer, sent instead of the whole Node.
struct PeerChange {
  NodeId node_id = 0;
  DerpRegionId derp_region = 0;               // omitzero
  CapabilityVersion cap = 0;                  // omitzero
  CapMap cap_map;                             // omitempty
  std::vector<AddrPort> endpoints;            // omitempty
  std::optional<key::NodePublic> key;         // omitzero (nil or zero key omitted)
  Bytes key_signature;                        // omitempty
  std::optional<key::DiscoPublic> disco_key;  // omitzero
  std::optional<bool> online;                 // omitzero (false is sent)
  std::optional<GoTime> last_seen;            // omitzero (zero time omitted)
  std::optional<GoTime> key_expiry;           // omitzero
  friend bool operator==(const PeerChange&, const PeerChange&) = default;
};

struct PingRequest {
  std::string url;
  bool url_is_noise = false;  // omitzero
  bool log = false;           // omitzero
  std::string types;          // omitzero
  IpAddr ip;                  // omitzero
  Bytes payload;              // omitempty
  friend bool operator==(const PingRequest&, const PingRequest&) = default;
};

struct DisplayMessageAction {
  std::string url;
  std::string label;
  friend bool operator==(const DisplayMessageAction&, const DisplayMessageAction&) = default;
};

struct DisplayMessage {
  std::string title;
  std::string text;
  std::string severity;  // "high", "medium", "low"
  bool impacts_connectivity = false;                  // omitempty
  std::optional<DisplayMessageAction> primary_action;  // omitempty
  friend bool operator==(const DisplayMessage&, const DisplayMessage&) = default;
};

struct ClientVersion {
  bool running_latest = false;
  std::string latest_version;
  bool urgent_security_update = false;
  bool notify = false;
  std::string notify_url;
  std::string notify_text;
  friend bool operator==(const ClientVersion&, const ClientVersion&) = default;
};

struct ControlIpCandidate {
  IpAddr ip;                    // omitzero
  std::string ace_host;         // omitempty
  double dial_start_delay_sec = 0;  // omitempty
  double dial_timeout_sec = 0;      // omitempty
  std::int64_t priority = 0;        // omitempty
  friend bool operator==(const ControlIpCandidate&, const ControlIpCandidate&) = default;
};

struct ControlDialPlan {
  NilableVector<ControlIpCandidate> candidates;
  friend bool operator==(const ControlDialPlan&, const ControlDialPlan&) = default;
};

struct Debug {
  double sleep_seconds = 0;           // omitempty
  bool disable_log_tail = false;      // omitempty
  std::optional<std::int64_t> exit;   // omitempty
  friend bool operator==(const Debug&, const Debug&) = default;
};

struct MapResponse {
  std::string map_session_handle;       // omitempty
  std::int64_t seq = 0;                 // omitempty
  bool keep_alive = false;              // omitempty
  std::optional<PingRequest> ping_request;
  std::string pop_browser_url;
  std::optional<Node> node;
  std::optional<DerpMap> derp_map;
  std::vector<Node> peers;
  std::vector<Node> peers_changed;
  std::vector<NodeId> peers_removed;
  std::vector<PeerChange> peers_changed_patch;
  std::map<NodeId, bool> peer_seen_change;
  std::map<NodeId, bool> online_change;
  std::optional<DnsConfig> dns_config;
  std::string domain;
  OptBool collect_services = OptBool::Empty;
  NilableVector<FilterRule> packet_filter;  // see the header comment
  // Named filter updates; a nil value deletes that name.
  std::map<std::string, NilableVector<FilterRule>> packet_filters;
  std::vector<UserProfile> user_profiles;
  NilableVector<std::string> health;  // see the header comment
  // A nil value deletes that message.
  std::map<std::string, std::optional<DisplayMessage>> display_messages;
  std::optional<RawJson> ssh_policy;  // an SSHPolicy object, carried verbatim
  std::optional<GoTime> control_time;
  std::optional<TkaInfo> tka_info;
  std::string domain_data_plane_audit_log_id;
  std::optional<Debug> debug;
  std::optional<ControlDialPlan> control_dial_plan;
  std::optional<ClientVersion> client_version;
  OptBool default_auto_update = OptBool::Empty;  // JSON "DefaultAutoUpdate"

  // Encoding fast path for servers: peers already encoded with
  // encode_json(const Node&) (for instance cached per node and shared by
  // every netmap that lists it). When non-empty, these are spliced in as the
  // Peers / PeersChanged arrays instead of encoding `peers` /
  // `peers_changed`. Never set by decoding.
  std::vector<std::shared_ptr<const std::string>> peers_encoded;
  std::vector<std::shared_ptr<const std::string>> peers_changed_encoded;

  friend bool operator==(const MapResponse&, const MapResponse&) = default;
};

void write_value(JsonWriter& w, const PeerChange& v);
void write_value(JsonWriter& w, const PingRequest& v);
void write_value(JsonWriter& w, const DisplayMessageAction& v);
void write_value(JsonWriter& w, const DisplayMessage& v);
void write_value(JsonWriter& w, const ClientVersion& v);
void write_value(JsonWriter& w, const ControlIpCandidate& v);
void write_value(JsonWriter& w, const ControlDialPlan& v);
void write_value(JsonWriter& w, const Debug& v);
void write_value(JsonWriter& w, const MapResponse& v);

}  // namespace latchkey::tailcfg
