// Tailnet Lock RPC bodies (upstream tailcfg/tka.go), sent as JSON in
// HTTP/2 GET requests over Noise to /machine/tka/*, and TKAInfo inside
// MapResponse. AUMs and node-key signatures travel as base64 CBOR
// ([]byte); AUM hashes as their base32 text.
//
// []byte fields without omitempty are std::optional<Bytes> (nil encodes as
// null, empty as ""). Elements of [][]byte lists and values of the
// Signatures map are plain Bytes: a null element decodes as empty and
// re-encodes as "" (never produced by upstream).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "key/node_key.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct TkaInfo {
  std::string head;       // omitempty; AUMHash text
  bool disabled = false;  // omitempty
  friend bool operator==(const TkaInfo&, const TkaInfo&) = default;
};

struct TkaInitBeginRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  std::optional<Bytes> genesis_aum;
  friend bool operator==(const TkaInitBeginRequest&, const TkaInitBeginRequest&) = default;
};

struct TkaSignInfo {
  NodeId node_id = 0;
  key::NodePublic node_public;
  std::optional<Bytes> rotation_pubkey;
  friend bool operator==(const TkaSignInfo&, const TkaSignInfo&) = default;
};

struct TkaInitBeginResponse {
  NilableVector<TkaSignInfo> need_signatures;
  friend bool operator==(const TkaInitBeginResponse&, const TkaInitBeginResponse&) = default;
};

struct TkaInitFinishRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  std::optional<std::map<NodeId, Bytes>> signatures;  // null when nil
  Bytes support_disablement;                          // omitempty
  friend bool operator==(const TkaInitFinishRequest&, const TkaInitFinishRequest&) = default;
};

struct TkaInitFinishResponse {
  friend bool operator==(const TkaInitFinishResponse&, const TkaInitFinishResponse&) = default;
};

struct TkaBootstrapRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  std::string head;
  friend bool operator==(const TkaBootstrapRequest&, const TkaBootstrapRequest&) = default;
};

struct TkaBootstrapResponse {
  Bytes genesis_aum;         // omitempty
  Bytes disablement_secret;  // omitempty
  friend bool operator==(const TkaBootstrapResponse&, const TkaBootstrapResponse&) = default;
};

struct TkaSyncOfferRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  std::string head;
  NilableVector<std::string> ancestors;
  friend bool operator==(const TkaSyncOfferRequest&, const TkaSyncOfferRequest&) = default;
};

struct TkaSyncOfferResponse {
  std::string head;
  NilableVector<std::string> ancestors;
  NilableVector<Bytes> missing_aums;
  friend bool operator==(const TkaSyncOfferResponse&, const TkaSyncOfferResponse&) = default;
};

struct TkaSyncSendRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  std::string head;
  NilableVector<Bytes> missing_aums;
  bool interactive = false;
  friend bool operator==(const TkaSyncSendRequest&, const TkaSyncSendRequest&) = default;
};

struct TkaSyncSendResponse {
  std::string head;
  friend bool operator==(const TkaSyncSendResponse&, const TkaSyncSendResponse&) = default;
};

struct TkaDisableRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  std::string head;
  std::optional<Bytes> disablement_secret;
  friend bool operator==(const TkaDisableRequest&, const TkaDisableRequest&) = default;
};

struct TkaDisableResponse {
  friend bool operator==(const TkaDisableResponse&, const TkaDisableResponse&) = default;
};

struct TkaSubmitSignatureRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  std::optional<Bytes> signature;
  friend bool operator==(const TkaSubmitSignatureRequest&, const TkaSubmitSignatureRequest&) = default;
};

struct TkaSubmitSignatureResponse {
  friend bool operator==(const TkaSubmitSignatureResponse&, const TkaSubmitSignatureResponse&) = default;
};

struct TkaSignaturesUsingKeyRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  std::optional<Bytes> key_id;
  friend bool operator==(const TkaSignaturesUsingKeyRequest&, const TkaSignaturesUsingKeyRequest&) = default;
};

struct TkaSignaturesUsingKeyResponse {
  NilableVector<Bytes> signatures;
  friend bool operator==(const TkaSignaturesUsingKeyResponse&, const TkaSignaturesUsingKeyResponse&) = default;
};

void write_value(JsonWriter& w, const TkaInfo& v);
void write_value(JsonWriter& w, const TkaInitBeginRequest& v);
void write_value(JsonWriter& w, const TkaSignInfo& v);
void write_value(JsonWriter& w, const TkaInitBeginResponse& v);
void write_value(JsonWriter& w, const TkaInitFinishRequest& v);
void write_value(JsonWriter& w, const TkaInitFinishResponse& v);
void write_value(JsonWriter& w, const TkaBootstrapRequest& v);
void write_value(JsonWriter& w, const TkaBootstrapResponse& v);
void write_value(JsonWriter& w, const TkaSyncOfferRequest& v);
void write_value(JsonWriter& w, const TkaSyncOfferResponse& v);
void write_value(JsonWriter& w, const TkaSyncSendRequest& v);
void write_value(JsonWriter& w, const TkaSyncSendResponse& v);
void write_value(JsonWriter& w, const TkaDisableRequest& v);
void write_value(JsonWriter& w, const TkaDisableResponse& v);
void write_value(JsonWriter& w, const TkaSubmitSignatureRequest& v);
void write_value(JsonWriter& w, const TkaSubmitSignatureResponse& v);
void write_value(JsonWriter& w, const TkaSignaturesUsingKeyRequest& v);
void write_value(JsonWriter& w, const TkaSignaturesUsingKeyResponse& v);

}  // namespace latchkey::tailcfg
