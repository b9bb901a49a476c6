// The body of GET /key?v=N (upstream tailcfg.go OverTLSPublicKeyResponse):
// the server's Noise static key, and the legacy key older clients used.
// The HTTP handler writes it followed by a newline.
#pragma once

#include "key/machine_key.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct OverTlsPublicKeyResponse {
  key::MachinePublic legacy_public_key;  // JSON "legacyPublicKey"
  key::MachinePublic public_key;         // JSON "publicKey"
  friend bool operator==(const OverTlsPublicKeyResponse&, const OverTlsPublicKeyResponse&) = default;
};

void write_value(JsonWriter& w, const OverTlsPublicKeyResponse& v);

}  // namespace latchkey::tailcfg
