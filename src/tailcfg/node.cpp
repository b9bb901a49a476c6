#include "tailcfg/node.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const Node& v) {
  w.begin_object();
  field(w, "ID", v.id);
  field(w, "StableID", v.stable_id);
  field(w, "Name", v.name);
  field(w, "User", v.user);
  field_omitzero(w, "Sharer", v.sharer);
  field(w, "Key", v.key);
  field_omitzero(w, "KeyExpiry", v.key_expiry);
  field_bytes_omitempty(w, "KeySignature", v.key_signature);
  field_omitzero(w, "Machine", v.machine);
  field_omitzero(w, "DiscoKey", v.disco_key);
  field(w, "Addresses", v.addresses);
  field_omitzero(w, "AllowedIPs", v.allowed_ips);
  field_omitempty(w, "Endpoints", v.endpoints);
  field_omitzero(w, "DERP", v.legacy_derp_string);
  field_omitzero(w, "HomeDERP", v.home_derp);
  field_omitzero(w, "Hostinfo", v.hostinfo);
  field_omitzero(w, "Created", v.created);
  field_omitzero(w, "Cap", v.cap);
  field_omitempty(w, "Tags", v.tags);
  field_omitempty(w, "PrimaryRoutes", v.primary_routes);
  field_omitempty(w, "LastSeen", v.last_seen);
  field_omitempty(w, "Online", v.online);
  field_omitempty(w, "MachineAuthorized", v.machine_authorized);
  field_omitempty(w, "Capabilities", v.capabilities);
  field_omitempty(w, "CapMap", v.cap_map);
  field_omitzero(w, "UnsignedPeerAPIOnly", v.unsigned_peer_api_only);
  field_omitzero(w, "ComputedName", v.computed_name);
  field_omitzero(w, "ComputedNameWithHost", v.computed_name_with_host);
  field_omitzero(w, "DataPlaneAuditLogID", v.data_plane_audit_log_id);
  field_omitzero(w, "Expired", v.expired);
  field_omitzero(w, "SelfNodeV4MasqAddrForThisPeer", v.self_node_v4_masq_addr_for_this_peer);
  field_omitzero(w, "SelfNodeV6MasqAddrForThisPeer", v.self_node_v6_masq_addr_for_this_peer);
  field_omitzero(w, "IsWireGuardOnly", v.is_wireguard_only);
  field_omitzero(w, "IsJailed", v.is_jailed);
  field_omitempty(w, "ExitNodeDNSResolvers", v.exit_node_dns_resolvers);
  w.end_object();
}

namespace {
// HostinfoView.UnmarshalJSON: any value (null included) yields a non-nil
// Hostinfo, and a second Hostinfo member is an error.
Status read_hostinfo_view(const JsonValue& v, std::optional<Hostinfo>& out, DecodeContext& c) {
  if (out) return c.error("already initialized");
  Hostinfo h;
  if (auto st = read_value(v, h, c); !st) return st;
  out = std::move(h);
  return {};
}
}  // namespace

Status read_value(const JsonValue& v, Node& out, DecodeContext& c) {
  static const FieldReader<Node> kFields[] = {
      LATCHKEY_FIELD(Node, "ID", id),
      LATCHKEY_FIELD(Node, "StableID", stable_id),
      LATCHKEY_FIELD(Node, "Name", name),
      LATCHKEY_FIELD(Node, "User", user),
      LATCHKEY_FIELD(Node, "Sharer", sharer),
      LATCHKEY_FIELD_WITH(Node, "Key", read_key(jv, obj.key, ctx)),
      LATCHKEY_FIELD(Node, "KeyExpiry", key_expiry),
      LATCHKEY_FIELD(Node, "KeySignature", key_signature),
      LATCHKEY_FIELD_WITH(Node, "Machine", read_key(jv, obj.machine, ctx)),
      LATCHKEY_FIELD_WITH(Node, "DiscoKey", read_key(jv, obj.disco_key, ctx)),
      LATCHKEY_FIELD(Node, "Addresses", addresses),
      LATCHKEY_FIELD(Node, "AllowedIPs", allowed_ips),
      LATCHKEY_FIELD(Node, "Endpoints", endpoints),
      LATCHKEY_FIELD(Node, "DERP", legacy_derp_string),
      LATCHKEY_FIELD(Node, "HomeDERP", home_derp),
      LATCHKEY_FIELD_WITH(Node, "Hostinfo", read_hostinfo_view(jv, obj.hostinfo, ctx)),
      LATCHKEY_FIELD(Node, "Created", created),
      LATCHKEY_FIELD(Node, "Cap", cap),
      LATCHKEY_FIELD(Node, "Tags", tags),
      LATCHKEY_FIELD(Node, "PrimaryRoutes", primary_routes),
      LATCHKEY_FIELD(Node, "LastSeen", last_seen),
      LATCHKEY_FIELD(Node, "Online", online),
      LATCHKEY_FIELD(Node, "MachineAuthorized", machine_authorized),
      LATCHKEY_FIELD(Node, "Capabilities", capabilities),
      LATCHKEY_FIELD(Node, "CapMap", cap_map),
      LATCHKEY_FIELD(Node, "UnsignedPeerAPIOnly", unsigned_peer_api_only),
      LATCHKEY_FIELD(Node, "ComputedName", computed_name),
      LATCHKEY_FIELD(Node, "ComputedNameWithHost", computed_name_with_host),
      LATCHKEY_FIELD(Node, "DataPlaneAuditLogID", data_plane_audit_log_id),
      LATCHKEY_FIELD(Node, "Expired", expired),
      LATCHKEY_FIELD(Node, "SelfNodeV4MasqAddrForThisPeer", self_node_v4_masq_addr_for_this_peer),
      LATCHKEY_FIELD(Node, "SelfNodeV6MasqAddrForThisPeer", self_node_v6_masq_addr_for_this_peer),
      LATCHKEY_FIELD(Node, "IsWireGuardOnly", is_wireguard_only),
      LATCHKEY_FIELD(Node, "IsJailed", is_jailed),
      LATCHKEY_FIELD_WITH(Node, "ExitNodeDNSResolvers", read_pointer_slice(jv, obj.exit_node_dns_resolvers, ctx)),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
