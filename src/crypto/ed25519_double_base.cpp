#include "crypto/ed25519_double_base.h"

#include <tuple>

namespace latchkey::crypto::edwards25519 {
namespace {

[[gnu::always_inline]] inline CompletedPoint add_completed(const Point& p, const CachedPoint& q, bool subtract) {
  const FieldElement ypx = fe_add(p.Y, p.X), ymx = fe_sub(p.Y, p.X);
  return finish_add_completed(fe_mul(ymx, subtract ? q.y_plus_x : q.y_minus_x),
                              fe_mul(ypx, subtract ? q.y_minus_x : q.y_plus_x), fe_mul(p.T, q.t2d), fe_mul(p.Z, q.z2),
                              subtract);
}

[[gnu::always_inline]] inline CompletedPoint add_completed(const Point& p, const AffineCachedPoint& q,
                                                           bool subtract) {
  const FieldElement ypx = fe_add(p.Y, p.X), ymx = fe_sub(p.Y, p.X);
  return finish_add_completed(fe_mul(ymx, subtract ? q.y_plus_x : q.y_minus_x),
                              fe_mul(ypx, subtract ? q.y_minus_x : q.y_plus_x), fe_mul(p.T, q.t2d), fe_add(p.Z, p.Z),
                              subtract);
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

WideOddMultiples wide_odd_multiples_of(const AffinePoint& a) {
  constexpr std::size_t n = std::tuple_size_v<decltype(WideOddMultiples::p)>;
  std::array<Point, n> points;
  const Point p = edwards25519::to_extended(a);
  const CachedPoint twice = to_cached(point_double(p));
  points[0] = p;
  for (std::size_t i = 1; i < n; ++i) points[i] = point_add(points[i - 1], twice);
  // One inversion for all Z (Montgomery's trick): prefix[i] = Z0 ... Zi.
  // Z is never zero: the addition formulas are complete on this curve.
  std::array<FieldElement, n> prefix;
  prefix[0] = points[0].Z;
  for (std::size_t i = 1; i < n; ++i) prefix[i] = fe_mul(prefix[i - 1], points[i].Z);
  FieldElement inv = fe_invert(prefix[n - 1]);  // 1 / (Z0 ... Z(n-1))
  WideOddMultiples out;
  for (std::size_t i = n; i-- > 0;) {
    const FieldElement zinv = i > 0 ? fe_mul(inv, prefix[i - 1]) : inv;
    if (i > 0) inv = fe_mul(inv, points[i].Z);
    out.p[i] = to_affine_cached(AffinePoint{fe_mul(points[i].X, zinv), fe_mul(points[i].Y, zinv)});
  }
  return out;
}

const std::array<AffineCachedPoint, 64>& basepoint_odd_multiples() {
  static const std::array<AffineCachedPoint, 64> table = build_basepoint_table();
  return table;
}

namespace {

template <int kWidth, typename Table>
Point base_mult_minus(const Scalar& s, const Scalar& k, const Table& a) {
  const std::array<std::int8_t, 256> s_naf = scalar_naf(s, 8);
  const std::array<std::int8_t, 256> k_naf = scalar_naf(k, kWidth);
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

}  // namespace

Point base_mult_minus_vartime(const Scalar& s, const Scalar& k, const OddMultiples& a) {
  return base_mult_minus<5>(s, k, a);
}

Point base_mult_minus_vartime(const Scalar& s, const Scalar& k, const WideOddMultiples& a) {
  return base_mult_minus<7>(s, k, a);
}

}  // namespace latchkey::crypto::edwards25519
