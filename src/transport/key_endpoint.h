// GET /key?v=N: how a client learns the server's Noise public key before
// dialing /ts2021. The answer is tailcfg.OverTLSPublicKeyResponse as JSON,
// {"legacyPublicKey":"mkey:…","publicKey":"mkey:…"} plus a newline (Go's
// json.Encoder); without `v`, the legacy key alone in untyped hex
// (testcontrol's serveKey). The Noise control key and the legacy key are two
// different key pairs — one key pair must never serve both protocols.
// The client half parses the answer as controlclient's loadServerPubKeys
// does.
#pragma once

#include "base/result.h"
#include "key/machine_key.h"
#include "transport/http1_response.h"
#include "transport/upgrade_request.h"

namespace latchkey::transport {

struct ServerKeys {
  key::MachinePublic legacy;  // zero when the server has none
  key::MachinePublic noise;   // the Noise static key (/ts2021)
};

Http1Response key_response(const KeyRequest& request, const ServerKeys& keys);

// Accepts the JSON form, or the bare hex form of old servers (legacy key
// only). The largest body read is 64 KiB, as upstream.
inline constexpr std::size_t kMaxKeyResponseBody = 64 << 10;
Result<ServerKeys> parse_key_response(std::string_view body);

}  // namespace latchkey::transport
