#include "crypto/ed25519_field.h"

namespace latchkey::crypto::edwards25519 {

FieldElement fe_canonical(const FieldElement& a) {
  FieldElement t = fe_carry(fe_carry(a));  // now every limb is below 2^51 + 19, value < 2p
  // q = 1 exactly when t >= p, i.e. when t + 19 reaches 2^255.
  std::uint64_t q = (t.l[0] + 19) >> 51;
  q = (t.l[1] + q) >> 51;
  q = (t.l[2] + q) >> 51;
  q = (t.l[3] + q) >> 51;
  q = (t.l[4] + q) >> 51;
  // Subtract q*p: add 19q and drop bit 255 while carrying through.
  t.l[0] += 19 * q;
  t.l[1] += t.l[0] >> 51;
  t.l[0] &= kMask51;
  t.l[2] += t.l[1] >> 51;
  t.l[1] &= kMask51;
  t.l[3] += t.l[2] >> 51;
  t.l[2] &= kMask51;
  t.l[4] += t.l[3] >> 51;
  t.l[3] &= kMask51;
  t.l[4] &= kMask51;
  return t;
}

std::array<std::uint8_t, 32> fe_to_bytes(const FieldElement& a) {
  const FieldElement t = fe_canonical(a);
  std::array<std::uint8_t, 32> out{};
  // Pack the 255 bits little-endian.
  const std::uint64_t words[4] = {t.l[0] | (t.l[1] << 51), (t.l[1] >> 13) | (t.l[2] << 38),
                                  (t.l[2] >> 26) | (t.l[3] << 25), (t.l[3] >> 39) | (t.l[4] << 12)};
  for (std::size_t w = 0; w < 4; ++w) {
    for (std::size_t i = 0; i < 8; ++i) out[8 * w + i] = static_cast<std::uint8_t>(words[w] >> (8 * i));
  }
  return out;
}

FieldElement fe_invert(const FieldElement& a) {
  FieldElement z[1] = {a};
  fe_invert_lanes(z);
  return z[0];
}

FieldElement fe_pow_p58(const FieldElement& a) {
  FieldElement z[1] = {a};
  fe_pow_p58_lanes(z);
  return z[0];
}

bool fe_is_zero(const FieldElement& a) {
  const FieldElement t = fe_canonical(a);
  return (t.l[0] | t.l[1] | t.l[2] | t.l[3] | t.l[4]) == 0;
}

bool fe_equal(const FieldElement& a, const FieldElement& b) {
  const FieldElement x = fe_canonical(a), y = fe_canonical(b);
  return ((x.l[0] ^ y.l[0]) | (x.l[1] ^ y.l[1]) | (x.l[2] ^ y.l[2]) | (x.l[3] ^ y.l[3]) | (x.l[4] ^ y.l[4])) == 0;
}

bool fe_is_negative(const FieldElement& a) { return (fe_canonical(a).l[0] & 1) != 0; }

bool fe_sqrt_ratio(const FieldElement& u, const FieldElement& v, FieldElement& r) {
  const FieldElement us[1] = {u}, vs[1] = {v};
  FieldElement rs[1];
  bool ok[1];
  fe_sqrt_ratio_lanes(us, vs, rs, ok);
  r = rs[0];
  return ok[0];
}

}  // namespace latchkey::crypto::edwards25519
