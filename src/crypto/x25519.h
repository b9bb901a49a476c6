// X25519 Diffie-Hellman (RFC 7748), used by the Noise IK handshake and by
// machine/node/disco keys.
#pragma once

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey::crypto {

using X25519Scalar = ByteArray<32>;
using X25519Point = ByteArray<32>;

// A fresh private scalar, clamped as RFC 7748 (and upstream's key package) do.
X25519Scalar x25519_generate();

// Clamps a 32-byte scalar in place (clear bits 0-2 and 255, set bit 254).
void x25519_clamp(X25519Scalar& scalar);

// The public point for a private scalar (scalar * basepoint).
X25519Point x25519_public(const X25519Scalar& scalar);

// scalar * point. Rejects an all-zero result (a small-order peer point), as
// Noise and upstream's controlbase require.
Result<X25519Point> x25519_shared(const X25519Scalar& scalar, const X25519Point& point);

}  // namespace latchkey::crypto
