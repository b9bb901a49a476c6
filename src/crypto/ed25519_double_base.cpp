#include "crypto/ed25519_double_base.h"

namespace latchkey::crypto::edwards25519 {
namespace {

// A point between two formulas: x = e/g, y = h/f (the four products the
// doubling and addition formulas end with, before the final multiplications).
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

// dbl-2008-hwcd with the signs of point_double (ed25519_point.cpp).
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

// add-2008-hwcd-3 as in point_add/point_sub (ed25519_point.h), stopping
// before the last four multiplications.
[[gnu::always_inline]] inline CompletedPoint finish(const FieldElement& a, const FieldElement& b,
                                                    const FieldElement& c, const FieldElement& d, bool subtract) {
  return CompletedPoint{fe_sub(b, a), subtract ? fe_add(d, c) : fe_sub(d, c), subtract ? fe_sub(d, c) : fe_add(d, c),
                        fe_add(b, a)};
}

[[gnu::always_inline]] inline CompletedPoint add_completed(const Point& p, const CachedPoint& q, bool subtract) {
  const FieldElement ypx = fe_add(p.Y, p.X), ymx = fe_sub(p.Y, p.X);
  return finish(fe_mul(ymx, subtract ? q.y_plus_x : q.y_minus_x), fe_mul(ypx, subtract ? q.y_minus_x : q.y_plus_x),
                fe_mul(p.T, q.t2d), fe_mul(p.Z, q.z2), subtract);
}

[[gnu::always_inline]] inline CompletedPoint add_completed(const Point& p, const AffineCachedPoint& q,
                                                           bool subtract) {
  const FieldElement ypx = fe_add(p.Y, p.X), ymx = fe_sub(p.Y, p.X);
  return finish(fe_mul(ymx, subtract ? q.y_plus_x : q.y_minus_x), fe_mul(ypx, subtract ? q.y_minus_x : q.y_plus_x),
                fe_mul(p.T, q.t2d), fe_add(p.Z, p.Z), subtract);
}

std::array<AffineCachedPoint, 64> build_basepoint_table() {
  std::array<AffineCachedPoint, 64> table;
  const Point b = edwards25519::to_extended(basepoint());
  const CachedPoint twice = to_cached(point_double(b));
  Point acc = b;
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (i > 0) acc = point_add(acc, twice);
    const FieldElement zinv = fe_invert(acc.Z);
    table[i] = to_affine_cached(AffinePoint{fe_mul(acc.X, zinv), fe_mul(acc.Y, zinv)});
  }
  return table;
}

}  // namespace

OddMultiples odd_multiples_of(const AffinePoint& a) {
  OddMultiples out;
  const Point p = edwards25519::to_extended(a);
  const CachedPoint twice = to_cached(point_double(p));
  Point acc = p;
  out.p[0] = to_cached(acc);
  for (std::size_t i = 1; i < out.p.size(); ++i) {
    acc = point_add(acc, twice);
    out.p[i] = to_cached(acc);
  }
  return out;
}

const std::array<AffineCachedPoint, 64>& basepoint_odd_multiples() {
  static const std::array<AffineCachedPoint, 64> table = build_basepoint_table();
  return table;
}

Point base_mult_minus_vartime(const Scalar& s, const Scalar& k, const OddMultiples& a) {
  const std::array<std::int8_t, 256> s_naf = scalar_naf(s, 8);
  const std::array<std::int8_t, 256> k_naf = scalar_naf(k, 5);
  const std::array<AffineCachedPoint, 64>& b_table = basepoint_odd_multiples();

  int top = 255;
  while (top >= 0 && s_naf[static_cast<std::size_t>(top)] == 0 && k_naf[static_cast<std::size_t>(top)] == 0) --top;
  if (top < 0) return point_identity();

  ProjectivePoint r{kFeZero, kFeOne, kFeOne};
  CompletedPoint c{};
  for (int i = top; i >= 0; --i) {
    c = double_completed(r);
    const int dk = k_naf[static_cast<std::size_t>(i)], ds = s_naf[static_cast<std::size_t>(i)];
    // -[k]A: a positive digit subtracts its multiple of A, a negative one adds.
    if (dk != 0) c = add_completed(to_extended(c), a.p[static_cast<std::size_t>((dk > 0 ? dk : -dk) / 2)], dk > 0);
    if (ds != 0) c = add_completed(to_extended(c), b_table[static_cast<std::size_t>((ds > 0 ? ds : -ds) / 2)], ds < 0);
    if (i > 0) r = to_projective(c);
  }
  return to_extended(c);
}

}  // namespace latchkey::crypto::edwards25519
