// R' = [s]B - [k]A, the one scalar multiplication of a single Ed25519
// verification, done faster than the generic double_scalar_mult_base_vartime
// (ed25519_point.h): Straus's method with one shared doubling chain, the
// base point's digits in width-8 NAF looked up in a static table of its odd
// multiples 1B..127B in affine cached form (built once, thread-safe), A's
// digits in width-5 NAF over a table of 1A..15A, or in width-7 NAF over an
// affine table of 1A..63A, tables that callers may keep across calls (see
// ed25519_key_cache.h). Between doublings the running
// point stays in projective form and the T coordinate is computed only
// where an addition needs it (one multiplication saved per plain doubling).
// Same formulas as ed25519_point.h (complete on this curve), so any decoded
// A, small-order and mixed-order included, gives the exact group result.
// Our own code (cf. filippo.io/edwards25519's VarTimeDoubleScalarBaseMult,
// whose result Go's crypto/ed25519 and ed25519consensus compare with R).
#pragma once

#include <array>

#include "crypto/ed25519_point.h"
#include "crypto/ed25519_scalar.h"

namespace latchkey::crypto::edwards25519 {

// Odd multiples A, 3A, ..., 15A of one point (the width-5 NAF table),
// cheap to build: what a key seen once gets.
struct OddMultiples {
  std::array<CachedPoint, 8> p;
};

// Odd multiples A, 3A, ..., 63A in affine cached form (the width-7 NAF
// table): about 8 us to build (one shared inversion for the 32 points),
// then ~10 fewer additions, each one multiplication cheaper, per
// verification; worth it for a key verified repeatedly.
struct WideOddMultiples {
  std::array<AffineCachedPoint, 32> p;
};

OddMultiples odd_multiples_of(const AffinePoint& a);
WideOddMultiples wide_odd_multiples_of(const AffinePoint& a);

// 1B, 3B, ..., 127B in affine cached form; built on first use.
const std::array<AffineCachedPoint, 64>& basepoint_odd_multiples();

// [s]B - [k]A where a holds A's odd multiples; s and k below 2^255.
Point base_mult_minus_vartime(const Scalar& s, const Scalar& k, const OddMultiples& a);
Point base_mult_minus_vartime(const Scalar& s, const Scalar& k, const WideOddMultiples& a);

}  // namespace latchkey::crypto::edwards25519
