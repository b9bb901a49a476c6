// Node registration over Noise, POST /machine/register (upstream tailcfg.go:
// RegisterRequest, RegisterResponse, RegisterResponseAuth, Oauth2Token,
// SignatureType).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "key/nl_key.h"
#include "key/node_key.h"
#include "tailcfg/go_time.h"
#include "tailcfg/hostinfo.h"
#include "tailcfg/types.h"
#include "tailcfg/user.h"

namespace latchkey::tailcfg {

class JsonWriter;

// tailcfg.SignatureType: an int on the Go side, text on the wire
// ("signature-none", "signature-v2", ...).
enum class SignatureType : std::int64_t { None = 0, Unknown = 1, V1 = 2, V2 = 3 };
std::string signature_type_text(SignatureType t);

struct Oauth2Token {
  std::string access_token;   // JSON "access_token"
  std::string token_type;     // "token_type", omitempty
  std::string refresh_token;  // "refresh_token", omitempty
  GoTime expiry;              // "expiry", omitzero
  friend bool operator==(const Oauth2Token&, const Oauth2Token&) = default;
};

struct RegisterResponseAuth {
  std::optional<Oauth2Token> oauth2_token;  // omitempty (pre-1.66 Android only)
  std::string auth_key;                     // omitempty
  friend bool operator==(const RegisterResponseAuth&, const RegisterResponseAuth&) = default;
};

struct RegisterRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  key::NodePublic old_node_key;  // zero unless rotating the node key
  key::NLPublic nl_key;
  std::optional<RegisterResponseAuth> auth;  // omitempty
  GoTime expiry;              // requested key expiry; zero = server default; past = logout
  std::string followup;       // AuthURL being waited on
  std::optional<Hostinfo> hostinfo;  // null when nil
  bool ephemeral = false;     // omitempty
  std::optional<Bytes> node_key_signature;  // tkatype.MarshaledSignature, null when nil
  SignatureType signature_type = SignatureType::None;  // omitempty
  std::optional<GoTime> timestamp;  // omitempty
  Bytes device_cert;          // omitempty
  Bytes signature;            // omitempty
  std::string tailnet;        // omitempty
  friend bool operator==(const RegisterRequest&, const RegisterRequest&) = default;
};

struct RegisterResponse {
  User user;
  Login login;
  bool node_key_expired = false;
  bool machine_authorized = false;
  std::string auth_url;
  std::optional<Bytes> node_key_signature;  // null when nil
  std::string error;
  friend bool operator==(const RegisterResponse&, const RegisterResponse&) = default;
};

void write_value(JsonWriter& w, const Oauth2Token& v);
void write_value(JsonWriter& w, const RegisterResponseAuth& v);
void write_value(JsonWriter& w, const RegisterRequest& v);
void write_value(JsonWriter& w, const RegisterResponse& v);

}  // namespace latchkey::tailcfg
