#include "tailcfg/register.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

std::string signature_type_text(SignatureType t) {
  switch (t) {
    case SignatureType::None:
      return "signature-none";
    case SignatureType::Unknown:
      return "signature-unknown";
    case SignatureType::V1:
      return "signature-v1";
    case SignatureType::V2:
      return "signature-v2";
  }
  return "signature-unknown(" + std::to_string(static_cast<std::int64_t>(t)) + ")";
}

namespace {

// SignatureType.UnmarshalText, including its quirk: it scans unknown text
// with Sscanf("signature-unknown(%d)") and keeps the scanned number only
// when the scan fails after reading it (no closing parenthesis); a complete
// match gives SignatureUnknown and anything else SignatureNone.
Status read_signature_type(const JsonValue& v, SignatureType& out, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsString()) return c.type_error("string", v);
  const std::string_view s(v.GetString(), v.GetStringLength());
  if (s == "signature-none") {
    out = SignatureType::None;
  } else if (s == "signature-v1") {
    out = SignatureType::V1;
  } else if (s == "signature-v2") {
    out = SignatureType::V2;
  } else {
    constexpr std::string_view kUnknown = "signature-unknown(";
    std::int64_t value = 0;
    bool have_number = false;
    bool complete = false;
    if (s.substr(0, kUnknown.size()) == kUnknown) {
      std::size_t i = kUnknown.size();
      bool negative = false;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
      const std::size_t digits = i;
      std::uint64_t mag = 0;
      bool overflow = false;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (mag > (std::uint64_t{1} << 62)) overflow = true;
        mag = mag * 10 + static_cast<std::uint64_t>(s[i] - '0');
        ++i;
      }
      have_number = i > digits && !overflow;
      if (have_number) {
        value = negative ? -static_cast<std::int64_t>(mag) : static_cast<std::int64_t>(mag);
        complete = i < s.size() && s[i] == ')';
      }
    }
    if (complete) {
      out = SignatureType::Unknown;
    } else if (have_number) {
      out = static_cast<SignatureType>(value);
    } else {
      out = SignatureType::None;
    }
  }
  return {};
}

void write_signature_type(JsonWriter& w, SignatureType t) { w.string(signature_type_text(t)); }

}  // namespace

void write_value(JsonWriter& w, const Oauth2Token& v) {
  w.begin_object();
  field(w, "access_token", v.access_token);
  field_omitempty(w, "token_type", v.token_type);
  field_omitempty(w, "refresh_token", v.refresh_token);
  field_omitzero(w, "expiry", v.expiry);
  w.end_object();
}

void write_value(JsonWriter& w, const RegisterResponseAuth& v) {
  w.begin_object();
  field_omitempty(w, "Oauth2Token", v.oauth2_token);
  field_omitempty(w, "AuthKey", v.auth_key);
  w.end_object();
}

void write_value(JsonWriter& w, const RegisterRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field(w, "OldNodeKey", v.old_node_key);
  field(w, "NLKey", v.nl_key);
  field_omitempty(w, "Auth", v.auth);
  field(w, "Expiry", v.expiry);
  field(w, "Followup", v.followup);
  field(w, "Hostinfo", v.hostinfo);
  field_omitempty(w, "Ephemeral", v.ephemeral);
  field_bytes(w, "NodeKeySignature", v.node_key_signature);
  if (v.signature_type != SignatureType::None) {
    w.key("SignatureType");
    write_signature_type(w, v.signature_type);
  }
  field_omitempty(w, "Timestamp", v.timestamp);
  field_bytes_omitempty(w, "DeviceCert", v.device_cert);
  field_bytes_omitempty(w, "Signature", v.signature);
  field_omitempty(w, "Tailnet", v.tailnet);
  w.end_object();
}

void write_value(JsonWriter& w, const RegisterResponse& v) {
  w.begin_object();
  field(w, "User", v.user);
  field(w, "Login", v.login);
  field(w, "NodeKeyExpired", v.node_key_expired);
  field(w, "MachineAuthorized", v.machine_authorized);
  field(w, "AuthURL", v.auth_url);
  field_bytes(w, "NodeKeySignature", v.node_key_signature);
  field(w, "Error", v.error);
  w.end_object();
}

Status read_value(const JsonValue& v, Oauth2Token& out, DecodeContext& c) {
  static const FieldReader<Oauth2Token> kFields[] = {
      LATCHKEY_FIELD(Oauth2Token, "access_token", access_token),
      LATCHKEY_FIELD(Oauth2Token, "token_type", token_type),
      LATCHKEY_FIELD(Oauth2Token, "refresh_token", refresh_token),
      LATCHKEY_FIELD(Oauth2Token, "expiry", expiry),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, RegisterResponseAuth& out, DecodeContext& c) {
  static const FieldReader<RegisterResponseAuth> kFields[] = {
      LATCHKEY_FIELD(RegisterResponseAuth, "Oauth2Token", oauth2_token),
      LATCHKEY_FIELD(RegisterResponseAuth, "AuthKey", auth_key),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, RegisterRequest& out, DecodeContext& c) {
  static const FieldReader<RegisterRequest> kFields[] = {
      LATCHKEY_FIELD(RegisterRequest, "Version", version),
      LATCHKEY_FIELD_WITH(RegisterRequest, "NodeKey", read_key(jv, obj.node_key, ctx)),
      LATCHKEY_FIELD_WITH(RegisterRequest, "OldNodeKey", read_key(jv, obj.old_node_key, ctx)),
      LATCHKEY_FIELD_WITH(RegisterRequest, "NLKey", read_key(jv, obj.nl_key, ctx)),
      LATCHKEY_FIELD(RegisterRequest, "Auth", auth),
      LATCHKEY_FIELD(RegisterRequest, "Expiry", expiry),
      LATCHKEY_FIELD(RegisterRequest, "Followup", followup),
      LATCHKEY_FIELD(RegisterRequest, "Hostinfo", hostinfo),
      LATCHKEY_FIELD(RegisterRequest, "Ephemeral", ephemeral),
      LATCHKEY_FIELD_WITH(RegisterRequest, "NodeKeySignature", read_bytes(jv, obj.node_key_signature, ctx)),
      LATCHKEY_FIELD_WITH(RegisterRequest, "SignatureType", read_signature_type(jv, obj.signature_type, ctx)),
      LATCHKEY_FIELD(RegisterRequest, "Timestamp", timestamp),
      LATCHKEY_FIELD(RegisterRequest, "DeviceCert", device_cert),
      LATCHKEY_FIELD(RegisterRequest, "Signature", signature),
      LATCHKEY_FIELD(RegisterRequest, "Tailnet", tailnet),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, RegisterResponse& out, DecodeContext& c) {
  static const FieldReader<RegisterResponse> kFields[] = {
      LATCHKEY_FIELD(RegisterResponse, "User", user),
      LATCHKEY_FIELD(RegisterResponse, "Login", login),
      LATCHKEY_FIELD(RegisterResponse, "NodeKeyExpired", node_key_expired),
      LATCHKEY_FIELD(RegisterResponse, "MachineAuthorized", machine_authorized),
      LATCHKEY_FIELD(RegisterResponse, "AuthURL", auth_url),
      LATCHKEY_FIELD_WITH(RegisterResponse, "NodeKeySignature", read_bytes(jv, obj.node_key_signature, ctx)),
      LATCHKEY_FIELD(RegisterResponse, "Error", error),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
