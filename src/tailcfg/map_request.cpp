#include "tailcfg/map_request.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const MapRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field_omitzero(w, "Compress", v.compress);
  field_omitzero(w, "KeepAlive", v.keep_alive);
  field(w, "NodeKey", v.node_key);
  field(w, "DiscoKey", v.disco_key);
  if (!v.hardware_attestation_key.is_zero()) {
    w.key("HardwareAttestationKey");
    w.string(v.hardware_attestation_key.to_string());
  }
  field_bytes_omitempty(w, "HardwareAttestationKeySignature", v.hardware_attestation_key_signature);
  field_omitzero(w, "HardwareAttestationKeySignatureTimestamp", v.hardware_attestation_key_signature_timestamp);
  field_omitzero(w, "Stream", v.stream);
  field(w, "Hostinfo", v.hostinfo);
  field_omitzero(w, "MapSessionHandle", v.map_session_handle);
  field_omitzero(w, "MapSessionSeq", v.map_session_seq);
  field_omitempty(w, "Endpoints", v.endpoints);
  field_omitempty(w, "EndpointTypes", v.endpoint_types);
  field_omitzero(w, "TKAHead", v.tka_head);
  field_omitzero(w, "ReadOnly", v.read_only);
  field_omitzero(w, "OmitPeers", v.omit_peers);
  field_omitempty(w, "DebugFlags", v.debug_flags);
  field_omitzero(w, "ConnectionHandleForTest", v.connection_handle_for_test);
  w.end_object();
}

namespace {
// HardwareAttestationPublic.UnmarshalText: "" is the zero key.
Status read_hw_key(const JsonValue& v, HardwareAttestationPublic& out, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsString()) return c.type_error("string", v);
  auto k = HardwareAttestationPublic::parse(std::string_view(v.GetString(), v.GetStringLength()));
  if (!k) return c.error(k.message());
  out = *k;
  return {};
}
}  // namespace

Status read_value(const JsonValue& v, MapRequest& out, DecodeContext& c) {
  static const FieldReader<MapRequest> kFields[] = {
      LATCHKEY_FIELD(MapRequest, "Version", version),
      LATCHKEY_FIELD(MapRequest, "Compress", compress),
      LATCHKEY_FIELD(MapRequest, "KeepAlive", keep_alive),
      LATCHKEY_FIELD_WITH(MapRequest, "NodeKey", read_key(jv, obj.node_key, ctx)),
      LATCHKEY_FIELD_WITH(MapRequest, "DiscoKey", read_key(jv, obj.disco_key, ctx)),
      LATCHKEY_FIELD_WITH(MapRequest, "HardwareAttestationKey", read_hw_key(jv, obj.hardware_attestation_key, ctx)),
      LATCHKEY_FIELD(MapRequest, "HardwareAttestationKeySignature", hardware_attestation_key_signature),
      LATCHKEY_FIELD(MapRequest, "HardwareAttestationKeySignatureTimestamp",
                     hardware_attestation_key_signature_timestamp),
      LATCHKEY_FIELD(MapRequest, "Stream", stream),
      LATCHKEY_FIELD(MapRequest, "Hostinfo", hostinfo),
      LATCHKEY_FIELD(MapRequest, "MapSessionHandle", map_session_handle),
      LATCHKEY_FIELD(MapRequest, "MapSessionSeq", map_session_seq),
      LATCHKEY_FIELD(MapRequest, "Endpoints", endpoints),
      LATCHKEY_FIELD(MapRequest, "EndpointTypes", endpoint_types),
      LATCHKEY_FIELD(MapRequest, "TKAHead", tka_head),
      LATCHKEY_FIELD(MapRequest, "ReadOnly", read_only),
      LATCHKEY_FIELD(MapRequest, "OmitPeers", omit_peers),
      LATCHKEY_FIELD(MapRequest, "DebugFlags", debug_flags),
      LATCHKEY_FIELD(MapRequest, "ConnectionHandleForTest", connection_handle_for_test),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
