#include "tailcfg/map_response.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const PeerChange& v) {
  w.begin_object();
  field(w, "NodeID", v.node_id);
  field_omitzero(w, "DERPRegion", v.derp_region);
  field_omitzero(w, "Cap", v.cap);
  field_omitempty(w, "CapMap", v.cap_map);
  field_omitempty(w, "Endpoints", v.endpoints);
  if (v.key && !v.key->is_zero()) field(w, "Key", *v.key);
  field_bytes_omitempty(w, "KeySignature", v.key_signature);
  if (v.disco_key && !v.disco_key->is_zero()) field(w, "DiscoKey", *v.disco_key);
  field_omitzero(w, "Online", v.online);
  if (v.last_seen && !v.last_seen->is_zero()) field(w, "LastSeen", *v.last_seen);
  if (v.key_expiry && !v.key_expiry->is_zero()) field(w, "KeyExpiry", *v.key_expiry);
  w.end_object();
}

void write_value(JsonWriter& w, const PingRequest& v) {
  w.begin_object();
  field(w, "URL", v.url);
  field_omitzero(w, "URLIsNoise", v.url_is_noise);
  field_omitzero(w, "Log", v.log);
  field_omitzero(w, "Types", v.types);
  field_omitzero(w, "IP", v.ip);
  field_bytes_omitempty(w, "Payload", v.payload);
  w.end_object();
}

void write_value(JsonWriter& w, const DisplayMessageAction& v) {
  w.begin_object();
  field(w, "URL", v.url);
  field(w, "Label", v.label);
  w.end_object();
}

void write_value(JsonWriter& w, const DisplayMessage& v) {
  w.begin_object();
  field(w, "Title", v.title);
  field(w, "Text", v.text);
  field(w, "Severity", v.severity);
  field_omitempty(w, "ImpactsConnectivity", v.impacts_connectivity);
  field_omitempty(w, "PrimaryAction", v.primary_action);
  w.end_object();
}

void write_value(JsonWriter& w, const ClientVersion& v) {
  w.begin_object();
  field_omitempty(w, "RunningLatest", v.running_latest);
  field_omitempty(w, "LatestVersion", v.latest_version);
  field_omitempty(w, "UrgentSecurityUpdate", v.urgent_security_update);
  field_omitempty(w, "Notify", v.notify);
  field_omitempty(w, "NotifyURL", v.notify_url);
  field_omitempty(w, "NotifyText", v.notify_text);
  w.end_object();
}

void write_value(JsonWriter& w, const ControlIpCandidate& v) {
  w.begin_object();
  field_omitzero(w, "IP", v.ip);
  field_omitempty(w, "ACEHost", v.ace_host);
  field_omitempty(w, "DialStartDelaySec", v.dial_start_delay_sec);
  field_omitempty(w, "DialTimeoutSec", v.dial_timeout_sec);
  field_omitempty(w, "Priority", v.priority);
  w.end_object();
}

void write_value(JsonWriter& w, const ControlDialPlan& v) {
  w.begin_object();
  field(w, "Candidates", v.candidates);
  w.end_object();
}

void write_value(JsonWriter& w, const Debug& v) {
  w.begin_object();
  field_omitempty(w, "SleepSeconds", v.sleep_seconds);
  field_omitempty(w, "DisableLogTail", v.disable_log_tail);
  field_omitempty(w, "Exit", v.exit);
  w.end_object();
}

namespace {
void write_peer_list(JsonWriter& w, std::string_view name, const std::vector<Node>& nodes,
                     const std::vector<std::shared_ptr<const std::string>>& encoded) {
  if (encoded.empty()) {
    field_omitempty(w, name, nodes);
    return;
  }
  w.key(name);
  w.begin_array();
  for (const auto& e : encoded) w.raw(*e);
  w.end_array();
}
}  // namespace

void write_value(JsonWriter& w, const MapResponse& v) {
  w.begin_object();
  field_omitempty(w, "MapSessionHandle", v.map_session_handle);
  field_omitempty(w, "Seq", v.seq);
  field_omitempty(w, "KeepAlive", v.keep_alive);
  field_omitempty(w, "PingRequest", v.ping_request);
  field_omitempty(w, "PopBrowserURL", v.pop_browser_url);
  field_omitempty(w, "Node", v.node);
  field_omitempty(w, "DERPMap", v.derp_map);
  write_peer_list(w, "Peers", v.peers, v.peers_encoded);
  write_peer_list(w, "PeersChanged", v.peers_changed, v.peers_changed_encoded);
  field_omitempty(w, "PeersRemoved", v.peers_removed);
  field_omitempty(w, "PeersChangedPatch", v.peers_changed_patch);
  field_omitempty(w, "PeerSeenChange", v.peer_seen_change);
  field_omitempty(w, "OnlineChange", v.online_change);
  field_omitempty(w, "DNSConfig", v.dns_config);
  field_omitempty(w, "Domain", v.domain);
  field_omitempty(w, "CollectServices", v.collect_services);
  field_omitzero(w, "PacketFilter", v.packet_filter);
  field_omitempty(w, "PacketFilters", v.packet_filters);
  field_omitempty(w, "UserProfiles", v.user_profiles);
  field_omitzero(w, "Health", v.health);
  field_omitempty(w, "DisplayMessages", v.display_messages);
  field_omitempty(w, "SSHPolicy", v.ssh_policy);
  field_omitempty(w, "ControlTime", v.control_time);
  field_omitempty(w, "TKAInfo", v.tka_info);
  field_omitempty(w, "DomainDataPlaneAuditLogID", v.domain_data_plane_audit_log_id);
  field_omitempty(w, "Debug", v.debug);
  field_omitempty(w, "ControlDialPlan", v.control_dial_plan);
  field_omitempty(w, "ClientVersion", v.client_version);
  field_omitempty(w, "DefaultAutoUpdate", v.default_auto_update);
  w.end_object();
}

Status read_value(const JsonValue& v, PeerChange& out, DecodeContext& c) {
  static const FieldReader<PeerChange> kFields[] = {
      LATCHKEY_FIELD(PeerChange, "NodeID", node_id),
      LATCHKEY_FIELD(PeerChange, "DERPRegion", derp_region),
      LATCHKEY_FIELD(PeerChange, "Cap", cap),
      LATCHKEY_FIELD(PeerChange, "CapMap", cap_map),
      LATCHKEY_FIELD(PeerChange, "Endpoints", endpoints),
      LATCHKEY_FIELD_WITH(PeerChange, "Key", read_optional_key(jv, obj.key, ctx)),
      LATCHKEY_FIELD(PeerChange, "KeySignature", key_signature),
      LATCHKEY_FIELD_WITH(PeerChange, "DiscoKey", read_optional_key(jv, obj.disco_key, ctx)),
      LATCHKEY_FIELD(PeerChange, "Online", online),
      LATCHKEY_FIELD(PeerChange, "LastSeen", last_seen),
      LATCHKEY_FIELD(PeerChange, "KeyExpiry", key_expiry),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, PingRequest& out, DecodeContext& c) {
  static const FieldReader<PingRequest> kFields[] = {
      LATCHKEY_FIELD(PingRequest, "URL", url),
      LATCHKEY_FIELD(PingRequest, "URLIsNoise", url_is_noise),
      LATCHKEY_FIELD(PingRequest, "Log", log),
      LATCHKEY_FIELD(PingRequest, "Types", types),
      LATCHKEY_FIELD(PingRequest, "IP", ip),
      LATCHKEY_FIELD(PingRequest, "Payload", payload),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, DisplayMessageAction& out, DecodeContext& c) {
  static const FieldReader<DisplayMessageAction> kFields[] = {
      LATCHKEY_FIELD(DisplayMessageAction, "URL", url),
      LATCHKEY_FIELD(DisplayMessageAction, "Label", label),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, DisplayMessage& out, DecodeContext& c) {
  static const FieldReader<DisplayMessage> kFields[] = {
      LATCHKEY_FIELD(DisplayMessage, "Title", title),
      LATCHKEY_FIELD(DisplayMessage, "Text", text),
      LATCHKEY_FIELD(DisplayMessage, "Severity", severity),
      LATCHKEY_FIELD(DisplayMessage, "ImpactsConnectivity", impacts_connectivity),
      LATCHKEY_FIELD(DisplayMessage, "PrimaryAction", primary_action),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, ClientVersion& out, DecodeContext& c) {
  static const FieldReader<ClientVersion> kFields[] = {
      LATCHKEY_FIELD(ClientVersion, "RunningLatest", running_latest),
      LATCHKEY_FIELD(ClientVersion, "LatestVersion", latest_version),
      LATCHKEY_FIELD(ClientVersion, "UrgentSecurityUpdate", urgent_security_update),
      LATCHKEY_FIELD(ClientVersion, "Notify", notify),
      LATCHKEY_FIELD(ClientVersion, "NotifyURL", notify_url),
      LATCHKEY_FIELD(ClientVersion, "NotifyText", notify_text),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, ControlIpCandidate& out, DecodeContext& c) {
  static const FieldReader<ControlIpCandidate> kFields[] = {
      LATCHKEY_FIELD(ControlIpCandidate, "IP", ip),
      LATCHKEY_FIELD(ControlIpCandidate, "ACEHost", ace_host),
      LATCHKEY_FIELD(ControlIpCandidate, "DialStartDelaySec", dial_start_delay_sec),
      LATCHKEY_FIELD(ControlIpCandidate, "DialTimeoutSec", dial_timeout_sec),
      LATCHKEY_FIELD(ControlIpCandidate, "Priority", priority),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, ControlDialPlan& out, DecodeContext& c) {
  static const FieldReader<ControlDialPlan> kFields[] = {
      LATCHKEY_FIELD(ControlDialPlan, "Candidates", candidates),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, Debug& out, DecodeContext& c) {
  static const FieldReader<Debug> kFields[] = {
      LATCHKEY_FIELD(Debug, "SleepSeconds", sleep_seconds),
      LATCHKEY_FIELD(Debug, "DisableLogTail", disable_log_tail),
      LATCHKEY_FIELD(Debug, "Exit", exit),
  };
  return read_struct(v, out, c, kFields);
}

namespace {

// *SSHPolicy: an object kept as raw JSON, or null.
Status read_ssh_policy(const JsonValue& v, std::optional<RawJson>& out, DecodeContext& c) {
  if (v.IsNull()) {
    out.reset();
    return {};
  }
  if (!v.IsObject()) return c.type_error("object", v);
  out.emplace();
  return read_value(v, *out, c);
}

}  // namespace

Status read_value(const JsonValue& v, MapResponse& out, DecodeContext& c) {
  static const FieldReader<MapResponse> kFields[] = {
      LATCHKEY_FIELD(MapResponse, "MapSessionHandle", map_session_handle),
      LATCHKEY_FIELD(MapResponse, "Seq", seq),
      LATCHKEY_FIELD(MapResponse, "KeepAlive", keep_alive),
      LATCHKEY_FIELD(MapResponse, "PingRequest", ping_request),
      LATCHKEY_FIELD(MapResponse, "PopBrowserURL", pop_browser_url),
      LATCHKEY_FIELD(MapResponse, "Node", node),
      LATCHKEY_FIELD(MapResponse, "DERPMap", derp_map),
      LATCHKEY_FIELD_WITH(MapResponse, "Peers", read_pointer_slice(jv, obj.peers, ctx)),
      LATCHKEY_FIELD_WITH(MapResponse, "PeersChanged", read_pointer_slice(jv, obj.peers_changed, ctx)),
      LATCHKEY_FIELD(MapResponse, "PeersRemoved", peers_removed),
      LATCHKEY_FIELD_WITH(MapResponse, "PeersChangedPatch", read_pointer_slice(jv, obj.peers_changed_patch, ctx)),
      LATCHKEY_FIELD(MapResponse, "PeerSeenChange", peer_seen_change),
      LATCHKEY_FIELD(MapResponse, "OnlineChange", online_change),
      LATCHKEY_FIELD(MapResponse, "DNSConfig", dns_config),
      LATCHKEY_FIELD(MapResponse, "Domain", domain),
      LATCHKEY_FIELD(MapResponse, "CollectServices", collect_services),
      LATCHKEY_FIELD(MapResponse, "PacketFilter", packet_filter),
      LATCHKEY_FIELD(MapResponse, "PacketFilters", packet_filters),
      LATCHKEY_FIELD(MapResponse, "UserProfiles", user_profiles),
      LATCHKEY_FIELD(MapResponse, "Health", health),
      LATCHKEY_FIELD(MapResponse, "DisplayMessages", display_messages),
      LATCHKEY_FIELD_WITH(MapResponse, "SSHPolicy", read_ssh_policy(jv, obj.ssh_policy, ctx)),
      LATCHKEY_FIELD(MapResponse, "ControlTime", control_time),
      LATCHKEY_FIELD(MapResponse, "TKAInfo", tka_info),
      LATCHKEY_FIELD(MapResponse, "DomainDataPlaneAuditLogID", domain_data_plane_audit_log_id),
      LATCHKEY_FIELD(MapResponse, "Debug", debug),
      LATCHKEY_FIELD(MapResponse, "ControlDialPlan", control_dial_plan),
      LATCHKEY_FIELD(MapResponse, "ClientVersion", client_version),
      LATCHKEY_FIELD(MapResponse, "DefaultAutoUpdate", default_auto_update),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
