// Variable-time multiscalar multiplication sum([s_i] P_i) on edwards25519,
// the core of Ed25519 batch verification. Two algorithms:
//  - Straus (interleaved width-5 NAF, one shared doubling chain): best for a
//    few dozen points;
//  - Pippenger's bucket method with signed digits: cost per point falls as
//    the number of points grows, best from a few hundred points up.
// multiscalar_mult_vartime picks between them with a cost estimate counted
// in field multiplications. Our own code (cf. curve25519-dalek's and
// filippo.io/edwards25519's VarTimeMultiScalarMult).
#pragma once

#include <span>

#include "crypto/ed25519_point.h"
#include "crypto/ed25519_scalar.h"

namespace latchkey::crypto::edwards25519 {

// Every scalar must be below 2^255 (reduced scalars and 128-bit weights
// are); scalars.size() must equal points.size().
Point multiscalar_mult_vartime(std::span<const Scalar> scalars, std::span<const AffinePoint> points);
Point straus_vartime(std::span<const Scalar> scalars, std::span<const AffinePoint> points);
// window_bits 0 chooses the window from the cost estimate.
Point pippenger_vartime(std::span<const Scalar> scalars, std::span<const AffinePoint> points, int window_bits = 0);

}  // namespace latchkey::crypto::edwards25519
