// Points of the edwards25519 group (-x^2 + y^2 = 1 + d x^2 y^2 over
// GF(2^255 - 19)) for the exact Ed25519 verification rules: lenient point
// decoding as filippo.io/edwards25519's Point.SetBytes (used by Go's
// crypto/ed25519 and by ed25519consensus), canonical encoding, addition,
// doubling, cofactor multiplication and a variable-time double-scalar
// multiplication. Our own code; formulas from Hisil-Wong-Carter-Dawson 2008
// (extended coordinates, a = -1), which are complete on this curve, so they
// hold for the small-order and mixed-order points the lenient rules admit.
//
// Variable time throughout: only public values (keys, signatures) pass here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "crypto/ed25519_field.h"
#include "crypto/ed25519_scalar.h"

namespace latchkey::crypto::edwards25519 {

// An affine point (x, y), as decoding produces it.
struct AffinePoint {
  FieldElement x, y;
};

// Extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z.
struct Point {
  FieldElement X, Y, Z, T;
};

// A point prepared for being added many times: (Y+X, Y-X, 2Z, 2dT).
struct CachedPoint {
  FieldElement y_plus_x, y_minus_x, z2, t2d;
};

// The same with Z = 1: (y+x, y-x, 2dxy). Adding it saves one multiplication.
struct AffineCachedPoint {
  FieldElement y_plus_x, y_minus_x, t2d;
};

Point point_identity();
// The standard base point B (y = 4/5, x positive).
const AffinePoint& basepoint();

// Decodes 32 bytes with filippo.io/edwards25519 Point.SetBytes rules: y is
// the low 255 bits taken mod p (so y >= p is accepted), x is recovered from
// the curve equation and negated when bit 255 is set (x = 0 with bit 255 set
// is accepted and gives x = 0). Fails only when no x exists (the encoding is
// not on the curve). Small-order and mixed-order points are accepted.
std::optional<AffinePoint> decode_point(const std::uint8_t* in);

// Decodes many 32-byte encodings (same rules) into out[0..n), several at a
// time for speed. Returns false if any of them is not a curve point (out is
// then partly written). out.size() must be at least encodings.size().
bool decode_points(std::span<const std::uint8_t* const> encodings, std::span<AffinePoint> out);

// Canonical 32-byte encoding: y reduced mod p, bit 255 = sign of x.
std::array<std::uint8_t, 32> encode_point(const Point& p);

Point to_extended(const AffinePoint& a);
CachedPoint to_cached(const Point& p);
AffineCachedPoint to_affine_cached(const AffinePoint& a);

// p + q and p - q (defined below, inline: they are the inner loop of the
// multiscalar multiplication).
Point point_add(const Point& p, const CachedPoint& q);
Point point_sub(const Point& p, const CachedPoint& q);
Point point_add(const Point& p, const AffineCachedPoint& q);
Point point_sub(const Point& p, const AffineCachedPoint& q);
Point point_double(const Point& p);
Point point_negate(const Point& p);

// [8]p: the multiplication by the cofactor that the ZIP-215 equation applies.
Point mul_by_cofactor(const Point& p);
bool is_identity(const Point& p);
// Group equality (the same point, whatever the projective representation).
bool point_equal(const Point& p, const Point& q);

// [a]A + [b]B for the base point B, variable time (width-5 NAF for both).
Point double_scalar_mult_base_vartime(const Scalar& a, const Point& A, const Scalar& b);

// [s]P by plain double-and-add, for tests that need an independent reference.
Point scalar_mult_reference(const Scalar& s, const Point& p);

// Addition (add-2008-hwcd-3 for a = -1). With A = (Y1-X1)(Y2-X2),
// B = (Y1+X1)(Y2+X2), C = 2d T1 T2, D = 2 Z1 Z2:
// X3 = (B-A)(D-C), Y3 = (D+C)(B+A), T3 = (B-A)(B+A), Z3 = (D-C)(D+C).
// Subtraction adds -Q = (-X2, Y2, Z2, -T2): Y+X and Y-X trade places and C
// changes sign, which swaps D-C and D+C.
// A point between two formulas: x = e/g, y = h/f (the four values the
// doubling and addition formulas end with, before the final multiplications).
// The double-base multiplication (ed25519_double_base.cpp) stops here to skip
// T when only a doubling follows.
struct CompletedPoint {
  FieldElement e, f, g, h;
};

// (X : Y : Z) without T: all a doubling needs.
struct ProjectivePoint {
  FieldElement X, Y, Z;
};

[[gnu::always_inline]] inline ProjectivePoint to_projective(const CompletedPoint& c) {
  return ProjectivePoint{fe_mul(c.e, c.f), fe_mul(c.g, c.h), fe_mul(c.f, c.g)};
}

[[gnu::always_inline]] inline Point to_extended(const CompletedPoint& c) {
  return Point{fe_mul(c.e, c.f), fe_mul(c.g, c.h), fe_mul(c.f, c.g), fe_mul(c.e, c.h)};
}

// Doubling (dbl-2008-hwcd for a = -1, signs arranged so that):
// A = X^2, B = Y^2, C = 2 Z^2, H = A + B, E = H - (X+Y)^2 = -2XY,
// G = A - B, F = C + G; X3 = E F, Y3 = G H, T3 = E H, Z3 = F G.
[[gnu::always_inline]] inline CompletedPoint double_completed(const ProjectivePoint& p) {
  const FieldElement a = fe_sq(p.X);
  const FieldElement b = fe_sq(p.Y);
  const FieldElement zz = fe_sq(p.Z);
  const FieldElement c = fe_add(zz, zz);
  const FieldElement h = fe_add(a, b);
  const FieldElement e = fe_sub(h, fe_sq(fe_add(p.X, p.Y)));
  const FieldElement g = fe_sub(a, b);
  const FieldElement f = fe_add(c, g);
  return CompletedPoint{e, f, g, h};
}

// The addition's last step from A, B, C, D (named as above).
[[gnu::always_inline]] inline CompletedPoint finish_add_completed(const FieldElement& a, const FieldElement& b,
                                                                  const FieldElement& c, const FieldElement& d,
                                                                  bool subtract) {
  return CompletedPoint{fe_sub(b, a), subtract ? fe_add(d, c) : fe_sub(d, c), subtract ? fe_sub(d, c) : fe_add(d, c),
                        fe_add(b, a)};
}

namespace point_detail {
[[gnu::always_inline]] inline Point finish_add(const FieldElement& a, const FieldElement& b, const FieldElement& c,
                                               const FieldElement& d, bool subtract) {
  return to_extended(finish_add_completed(a, b, c, d, subtract));
}
}  // namespace point_detail

inline Point point_add(const Point& p, const CachedPoint& q) {
  return point_detail::finish_add(fe_mul(fe_sub(p.Y, p.X), q.y_minus_x), fe_mul(fe_add(p.Y, p.X), q.y_plus_x),
                                  fe_mul(p.T, q.t2d), fe_mul(p.Z, q.z2), false);
}

inline Point point_sub(const Point& p, const CachedPoint& q) {
  return point_detail::finish_add(fe_mul(fe_sub(p.Y, p.X), q.y_plus_x), fe_mul(fe_add(p.Y, p.X), q.y_minus_x),
                                  fe_mul(p.T, q.t2d), fe_mul(p.Z, q.z2), true);
}

inline Point point_add(const Point& p, const AffineCachedPoint& q) {
  return point_detail::finish_add(fe_mul(fe_sub(p.Y, p.X), q.y_minus_x), fe_mul(fe_add(p.Y, p.X), q.y_plus_x),
                                  fe_mul(p.T, q.t2d), fe_add(p.Z, p.Z), false);
}

inline Point point_sub(const Point& p, const AffineCachedPoint& q) {
  return point_detail::finish_add(fe_mul(fe_sub(p.Y, p.X), q.y_plus_x), fe_mul(fe_add(p.Y, p.X), q.y_minus_x),
                                  fe_mul(p.T, q.t2d), fe_add(p.Z, p.Z), true);
}

}  // namespace latchkey::crypto::edwards25519
