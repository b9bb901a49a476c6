#include "tailcfg/tka.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const TkaInfo& v) {
  w.begin_object();
  field_omitempty(w, "Head", v.head);
  field_omitempty(w, "Disabled", v.disabled);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaInitBeginRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field_bytes(w, "GenesisAUM", v.genesis_aum);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaSignInfo& v) {
  w.begin_object();
  field(w, "NodeID", v.node_id);
  field(w, "NodePublic", v.node_public);
  field_bytes(w, "RotationPubkey", v.rotation_pubkey);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaInitBeginResponse& v) {
  w.begin_object();
  field(w, "NeedSignatures", v.need_signatures);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaInitFinishRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field(w, "Signatures", v.signatures);
  field_bytes_omitempty(w, "SupportDisablement", v.support_disablement);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaInitFinishResponse&) {
  w.begin_object();
  w.end_object();
}

void write_value(JsonWriter& w, const TkaBootstrapRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field(w, "Head", v.head);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaBootstrapResponse& v) {
  w.begin_object();
  field_bytes_omitempty(w, "GenesisAUM", v.genesis_aum);
  field_bytes_omitempty(w, "DisablementSecret", v.disablement_secret);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaSyncOfferRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field(w, "Head", v.head);
  field(w, "Ancestors", v.ancestors);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaSyncOfferResponse& v) {
  w.begin_object();
  field(w, "Head", v.head);
  field(w, "Ancestors", v.ancestors);
  field(w, "MissingAUMs", v.missing_aums);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaSyncSendRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field(w, "Head", v.head);
  field(w, "MissingAUMs", v.missing_aums);
  field(w, "Interactive", v.interactive);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaSyncSendResponse& v) {
  w.begin_object();
  field(w, "Head", v.head);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaDisableRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field(w, "Head", v.head);
  field_bytes(w, "DisablementSecret", v.disablement_secret);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaDisableResponse&) {
  w.begin_object();
  w.end_object();
}

void write_value(JsonWriter& w, const TkaSubmitSignatureRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field_bytes(w, "Signature", v.signature);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaSubmitSignatureResponse&) {
  w.begin_object();
  w.end_object();
}

void write_value(JsonWriter& w, const TkaSignaturesUsingKeyRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field_bytes(w, "KeyID", v.key_id);
  w.end_object();
}

void write_value(JsonWriter& w, const TkaSignaturesUsingKeyResponse& v) {
  w.begin_object();
  field(w, "Signatures", v.signatures);
  w.end_object();
}

#define NODE_KEY_FIELD(S) LATCHKEY_FIELD_WITH(S, "NodeKey", read_key(jv, obj.node_key, ctx))
#define BYTES_FIELD(S, name, member) LATCHKEY_FIELD_WITH(S, name, read_bytes(jv, obj.member, ctx))

Status read_value(const JsonValue& v, TkaInfo& out, DecodeContext& c) {
  static const FieldReader<TkaInfo> kFields[] = {
      LATCHKEY_FIELD(TkaInfo, "Head", head),
      LATCHKEY_FIELD(TkaInfo, "Disabled", disabled),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaInitBeginRequest& out, DecodeContext& c) {
  static const FieldReader<TkaInitBeginRequest> kFields[] = {
      LATCHKEY_FIELD(TkaInitBeginRequest, "Version", version),
      NODE_KEY_FIELD(TkaInitBeginRequest),
      BYTES_FIELD(TkaInitBeginRequest, "GenesisAUM", genesis_aum),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaSignInfo& out, DecodeContext& c) {
  static const FieldReader<TkaSignInfo> kFields[] = {
      LATCHKEY_FIELD(TkaSignInfo, "NodeID", node_id),
      LATCHKEY_FIELD_WITH(TkaSignInfo, "NodePublic", read_key(jv, obj.node_public, ctx)),
      BYTES_FIELD(TkaSignInfo, "RotationPubkey", rotation_pubkey),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaInitBeginResponse& out, DecodeContext& c) {
  static const FieldReader<TkaInitBeginResponse> kFields[] = {
      LATCHKEY_FIELD(TkaInitBeginResponse, "NeedSignatures", need_signatures),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaInitFinishRequest& out, DecodeContext& c) {
  static const FieldReader<TkaInitFinishRequest> kFields[] = {
      LATCHKEY_FIELD(TkaInitFinishRequest, "Version", version),
      NODE_KEY_FIELD(TkaInitFinishRequest),
      LATCHKEY_FIELD(TkaInitFinishRequest, "Signatures", signatures),
      LATCHKEY_FIELD(TkaInitFinishRequest, "SupportDisablement", support_disablement),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaBootstrapRequest& out, DecodeContext& c) {
  static const FieldReader<TkaBootstrapRequest> kFields[] = {
      LATCHKEY_FIELD(TkaBootstrapRequest, "Version", version),
      NODE_KEY_FIELD(TkaBootstrapRequest),
      LATCHKEY_FIELD(TkaBootstrapRequest, "Head", head),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaBootstrapResponse& out, DecodeContext& c) {
  static const FieldReader<TkaBootstrapResponse> kFields[] = {
      LATCHKEY_FIELD(TkaBootstrapResponse, "GenesisAUM", genesis_aum),
      LATCHKEY_FIELD(TkaBootstrapResponse, "DisablementSecret", disablement_secret),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaSyncOfferRequest& out, DecodeContext& c) {
  static const FieldReader<TkaSyncOfferRequest> kFields[] = {
      LATCHKEY_FIELD(TkaSyncOfferRequest, "Version", version),
      NODE_KEY_FIELD(TkaSyncOfferRequest),
      LATCHKEY_FIELD(TkaSyncOfferRequest, "Head", head),
      LATCHKEY_FIELD(TkaSyncOfferRequest, "Ancestors", ancestors),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaSyncOfferResponse& out, DecodeContext& c) {
  static const FieldReader<TkaSyncOfferResponse> kFields[] = {
      LATCHKEY_FIELD(TkaSyncOfferResponse, "Head", head),
      LATCHKEY_FIELD(TkaSyncOfferResponse, "Ancestors", ancestors),
      LATCHKEY_FIELD(TkaSyncOfferResponse, "MissingAUMs", missing_aums),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaSyncSendRequest& out, DecodeContext& c) {
  static const FieldReader<TkaSyncSendRequest> kFields[] = {
      LATCHKEY_FIELD(TkaSyncSendRequest, "Version", version),
      NODE_KEY_FIELD(TkaSyncSendRequest),
      LATCHKEY_FIELD(TkaSyncSendRequest, "Head", head),
      LATCHKEY_FIELD(TkaSyncSendRequest, "MissingAUMs", missing_aums),
      LATCHKEY_FIELD(TkaSyncSendRequest, "Interactive", interactive),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaSyncSendResponse& out, DecodeContext& c) {
  static const FieldReader<TkaSyncSendResponse> kFields[] = {
      LATCHKEY_FIELD(TkaSyncSendResponse, "Head", head),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaDisableRequest& out, DecodeContext& c) {
  static const FieldReader<TkaDisableRequest> kFields[] = {
      LATCHKEY_FIELD(TkaDisableRequest, "Version", version),
      NODE_KEY_FIELD(TkaDisableRequest),
      LATCHKEY_FIELD(TkaDisableRequest, "Head", head),
      BYTES_FIELD(TkaDisableRequest, "DisablementSecret", disablement_secret),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaSubmitSignatureRequest& out, DecodeContext& c) {
  static const FieldReader<TkaSubmitSignatureRequest> kFields[] = {
      LATCHKEY_FIELD(TkaSubmitSignatureRequest, "Version", version),
      NODE_KEY_FIELD(TkaSubmitSignatureRequest),
      BYTES_FIELD(TkaSubmitSignatureRequest, "Signature", signature),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaSignaturesUsingKeyRequest& out, DecodeContext& c) {
  static const FieldReader<TkaSignaturesUsingKeyRequest> kFields[] = {
      LATCHKEY_FIELD(TkaSignaturesUsingKeyRequest, "Version", version),
      NODE_KEY_FIELD(TkaSignaturesUsingKeyRequest),
      BYTES_FIELD(TkaSignaturesUsingKeyRequest, "KeyID", key_id),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaSignaturesUsingKeyResponse& out, DecodeContext& c) {
  static const FieldReader<TkaSignaturesUsingKeyResponse> kFields[] = {
      LATCHKEY_FIELD(TkaSignaturesUsingKeyResponse, "Signatures", signatures),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TkaInitFinishResponse&, DecodeContext& c) {
  return read_empty_struct(v, c);
}
Status read_value(const JsonValue& v, TkaDisableResponse&, DecodeContext& c) {
  return read_empty_struct(v, c);
}
Status read_value(const JsonValue& v, TkaSubmitSignatureResponse&, DecodeContext& c) {
  return read_empty_struct(v, c);
}

}  // namespace latchkey::tailcfg
