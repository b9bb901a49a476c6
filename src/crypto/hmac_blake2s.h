// HMAC-BLAKE2s (RFC 2104 over BLAKE2s-256, 64-byte block) and the HKDF that
// the Noise framework (section 4.3) builds on it.
#pragma once

#include <utility>

#include "base/bytes.h"
#include "crypto/blake2s.h"

namespace latchkey::crypto {

Blake2sDigest hmac_blake2s(ByteView key, ByteView data);

// Noise HKDF(chaining_key, input_key_material) with two or three outputs.
std::pair<Blake2sDigest, Blake2sDigest> noise_hkdf2(const Blake2sDigest& chaining_key, ByteView ikm);
std::array<Blake2sDigest, 3> noise_hkdf3(const Blake2sDigest& chaining_key, ByteView ikm);

}  // namespace latchkey::crypto
