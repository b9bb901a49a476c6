// The TS2021 early payload: what a server may send over Noise right after the
// handshake, before HTTP/2 begins — the 5-byte magic "\xff\xff\xffTS", a
// 4-byte big-endian length, and that many bytes of JSON tailcfg.EarlyNoise
// ({"nodeKeyChallenge":"chalpub:…"}). The 9-byte header is the size of an
// HTTP/2 frame header and can never be mistaken for one. Mirrors
// control/ts2021/conn.go (client) and headscale's noise.go earlyNoise
// (server). Pure: no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "key/challenge_key.h"

namespace latchkey::transport {

inline constexpr std::string_view kEarlyPayloadMagic{"\xff\xff\xffTS", 5};
inline constexpr std::size_t kEarlyPayloadHeaderSize = 9;
// Upstream's client refuses a longer payload.
inline constexpr std::uint32_t kMaxEarlyPayload = 10u << 20;

struct EarlyNoise {
  key::ChallengePublic node_key_challenge;
};

// Magic, length and the JSON, ready to be written to the Noise stream.
Bytes encode_early_payload(const EarlyNoise& early);

// Looks at the first 9 plaintext bytes from the server: nullopt when they are
// not the magic (they are the start of HTTP/2 and must be fed to it), else
// the announced JSON length (an error if over kMaxEarlyPayload).
std::optional<Result<std::uint32_t>> parse_early_payload_header(ByteView first9);

// The JSON body, decoded as Go's encoding/json would into tailcfg.EarlyNoise
// (field names matched case-insensitively, unknown fields ignored).
Result<EarlyNoise> parse_early_payload_json(ByteView json);

}  // namespace latchkey::transport
