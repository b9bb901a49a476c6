#include "crypto/ed25519_point.h"

#include <algorithm>

namespace latchkey::crypto::edwards25519 {

Point point_identity() { return Point{kFeZero, kFeOne, kFeOne, kFeZero}; }

const AffinePoint& basepoint() {
  static const AffinePoint b = [] {
    constexpr std::array<std::uint8_t, 32> enc =
        field_constants::bytes_from_hex("5866666666666666666666666666666666666666666666666666666666666666");
    return *decode_point(enc.data());
  }();
  return b;
}

namespace {

// Decodes N encodings side by side (see fe_sqrt_ratio_lanes).
template <std::size_t N>
void decode_lanes(const std::uint8_t* const (&in)[N], AffinePoint (&out)[N], bool (&ok)[N]) {
  // From -x^2 + y^2 = 1 + d x^2 y^2: x^2 = (y^2 - 1) / (d y^2 + 1). The
  // denominator is never zero (-1/d is not a square mod p).
  FieldElement y[N], u[N], v[N], x[N];
  for (std::size_t i = 0; i < N; ++i) {
    y[i] = fe_from_bytes(in[i]);
    const FieldElement y2 = fe_sq(y[i]);
    u[i] = fe_sub(y2, kFeOne);
    v[i] = fe_add(fe_mul(y2, kFeD), kFeOne);
  }
  fe_sqrt_ratio_lanes(u, v, x, ok);
  for (std::size_t i = 0; i < N; ++i) {
    // x is the non-negative root; bit 255 asks for the other one. For x = 0
    // both are 0, and the set bit is accepted as Go does.
    if ((in[i][31] >> 7) != 0) x[i] = fe_neg(x[i]);
    out[i] = AffinePoint{x[i], y[i]};
  }
}

}  // namespace

std::optional<AffinePoint> decode_point(const std::uint8_t* in) {
  const std::uint8_t* const encodings[1] = {in};
  AffinePoint out[1];
  bool ok[1];
  decode_lanes(encodings, out, ok);
  if (!ok[0]) return std::nullopt;
  return out[0];
}

bool decode_points(std::span<const std::uint8_t* const> encodings, std::span<AffinePoint> out) {
  constexpr std::size_t kLanes = 4;
  const std::size_t n = encodings.size();
  for (std::size_t base = 0; base < n; base += kLanes) {
    // A short last group repeats its final encoding in the spare lanes.
    const std::uint8_t* group[kLanes];
    for (std::size_t i = 0; i < kLanes; ++i) group[i] = encodings[std::min(base + i, n - 1)];
    AffinePoint points[kLanes];
    bool ok[kLanes];
    decode_lanes(group, points, ok);
    for (std::size_t i = 0; i < kLanes && base + i < n; ++i) {
      if (!ok[i]) return false;
      out[base + i] = points[i];
    }
  }
  return true;
}

std::array<std::uint8_t, 32> encode_point(const Point& p) {
  const FieldElement zinv = fe_invert(p.Z);
  const FieldElement x = fe_mul(p.X, zinv);
  const FieldElement y = fe_mul(p.Y, zinv);
  std::array<std::uint8_t, 32> out = fe_to_bytes(y);
  out[31] = static_cast<std::uint8_t>(out[31] | (fe_is_negative(x) ? 0x80 : 0));
  return out;
}

Point to_extended(const AffinePoint& a) { return Point{a.x, a.y, kFeOne, fe_mul(a.x, a.y)}; }

CachedPoint to_cached(const Point& p) {
  return CachedPoint{fe_add(p.Y, p.X), fe_sub(p.Y, p.X), fe_add(p.Z, p.Z), fe_mul(p.T, kFeD2)};
}

AffineCachedPoint to_affine_cached(const AffinePoint& a) {
  return AffineCachedPoint{fe_add(a.y, a.x), fe_sub(a.y, a.x), fe_mul(fe_mul(a.x, a.y), kFeD2)};
}

// Doubling: dbl-2008-hwcd (double_completed, ed25519_point.h).
Point point_double(const Point& p) { return to_extended(double_completed(ProjectivePoint{p.X, p.Y, p.Z})); }

Point point_negate(const Point& p) { return Point{fe_neg(p.X), p.Y, p.Z, fe_neg(p.T)}; }

Point mul_by_cofactor(const Point& p) { return point_double(point_double(point_double(p))); }

bool is_identity(const Point& p) { return fe_is_zero(p.X) && fe_equal(p.Y, p.Z); }

bool point_equal(const Point& p, const Point& q) {
  return fe_equal(fe_mul(p.X, q.Z), fe_mul(q.X, p.Z)) && fe_equal(fe_mul(p.Y, q.Z), fe_mul(q.Y, p.Z));
}

namespace {

constexpr int kNafWidth = 5;
constexpr std::size_t kNafTableSize = 1 << (kNafWidth - 2);  // odd multiples 1P, 3P, ..., 15P

std::array<CachedPoint, kNafTableSize> odd_multiples(const Point& p) {
  std::array<CachedPoint, kNafTableSize> table;
  const CachedPoint twice = to_cached(point_double(p));
  Point acc = p;
  table[0] = to_cached(acc);
  for (std::size_t i = 1; i < kNafTableSize; ++i) {
    acc = point_add(acc, twice);
    table[i] = to_cached(acc);
  }
  return table;
}

}  // namespace

Point double_scalar_mult_base_vartime(const Scalar& a, const Point& A, const Scalar& b) {
  const std::array<std::int8_t, 256> a_naf = scalar_naf(a, kNafWidth);
  const std::array<std::int8_t, 256> b_naf = scalar_naf(b, kNafWidth);
  const std::array<CachedPoint, kNafTableSize> a_table = odd_multiples(A);
  const std::array<CachedPoint, kNafTableSize> b_table = odd_multiples(to_extended(basepoint()));

  int top = 255;
  while (top >= 0 && a_naf[static_cast<std::size_t>(top)] == 0 && b_naf[static_cast<std::size_t>(top)] == 0) --top;
  Point r = point_identity();
  for (int i = top; i >= 0; --i) {
    r = point_double(r);
    const int da = a_naf[static_cast<std::size_t>(i)], db = b_naf[static_cast<std::size_t>(i)];
    if (da > 0) r = point_add(r, a_table[static_cast<std::size_t>(da / 2)]);
    if (da < 0) r = point_sub(r, a_table[static_cast<std::size_t>(-da / 2)]);
    if (db > 0) r = point_add(r, b_table[static_cast<std::size_t>(db / 2)]);
    if (db < 0) r = point_sub(r, b_table[static_cast<std::size_t>(-db / 2)]);
  }
  return r;
}

Point scalar_mult_reference(const Scalar& s, const Point& p) {
  const CachedPoint pc = to_cached(p);
  Point r = point_identity();
  for (int i = 255; i >= 0; --i) {
    r = point_double(r);
    if ((s.limb[i / 64] >> (i % 64)) & 1) r = point_add(r, pc);
  }
  return r;
}

}  // namespace latchkey::crypto::edwards25519
