// The early payload the server may send right after the Noise handshake
// (upstream tailcfg.go EarlyNoise), carrying a per-connection challenge key.
// On the wire it is preceded by a 5-byte magic and 4-byte length (transport
// layer); this is only the JSON body.
#pragma once

#include "key/challenge_key.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct EarlyNoise {
  key::ChallengePublic node_key_challenge;  // JSON "nodeKeyChallenge"
  friend bool operator==(const EarlyNoise&, const EarlyNoise&) = default;
};

void write_value(JsonWriter& w, const EarlyNoise& v);

}  // namespace latchkey::tailcfg
