#include "crypto/ed25519_field.h"

namespace latchkey::crypto::edwards25519 {

std::array<std::uint8_t, 32> fe_to_bytes(const FieldElement& a) {
  FieldElement t = fe_carry(fe_carry(a));  // now every limb is below 2^51 + 1, value < 2p
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

  std::array<std::uint8_t, 32> out{};
  // Pack the 255 bits little-endian.
  const std::uint64_t words[4] = {t.l[0] | (t.l[1] << 51), (t.l[1] >> 13) | (t.l[2] << 38),
                                  (t.l[2] >> 26) | (t.l[3] << 25), (t.l[3] >> 39) | (t.l[4] << 12)};
  for (std::size_t w = 0; w < 4; ++w) {
    for (std::size_t i = 0; i < 8; ++i) out[8 * w + i] = static_cast<std::uint8_t>(words[w] >> (8 * i));
  }
  return out;
}

namespace {

// z^(2^250 - 1) and z^11, the shared prefix of the inversion and
// (p-5)/8 exponent chains (the classic curve25519 addition chain).
struct ChainPrefix {
  FieldElement z11;
  FieldElement z2_250_0;
};

ChainPrefix chain_prefix(const FieldElement& z) {
  const FieldElement z2 = fe_sq(z);                       // 2
  const FieldElement z9 = fe_mul(fe_sq_n(z2, 2), z);      // 9
  const FieldElement z11 = fe_mul(z9, z2);                // 11
  const FieldElement z2_5_0 = fe_mul(fe_sq(z11), z9);     // 2^5 - 1
  const FieldElement z2_10_0 = fe_mul(fe_sq_n(z2_5_0, 5), z2_5_0);
  const FieldElement z2_20_0 = fe_mul(fe_sq_n(z2_10_0, 10), z2_10_0);
  const FieldElement z2_40_0 = fe_mul(fe_sq_n(z2_20_0, 20), z2_20_0);
  const FieldElement z2_50_0 = fe_mul(fe_sq_n(z2_40_0, 10), z2_10_0);
  const FieldElement z2_100_0 = fe_mul(fe_sq_n(z2_50_0, 50), z2_50_0);
  const FieldElement z2_200_0 = fe_mul(fe_sq_n(z2_100_0, 100), z2_100_0);
  const FieldElement z2_250_0 = fe_mul(fe_sq_n(z2_200_0, 50), z2_50_0);
  return {z11, z2_250_0};
}

}  // namespace

FieldElement fe_invert(const FieldElement& a) {
  const ChainPrefix c = chain_prefix(a);
  return fe_mul(fe_sq_n(c.z2_250_0, 5), c.z11);  // 2^255 - 32 + 11 = p - 2
}

FieldElement fe_pow_p58(const FieldElement& a) {
  const ChainPrefix c = chain_prefix(a);
  return fe_mul(fe_sq_n(c.z2_250_0, 2), a);  // 2^252 - 4 + 1 = (p - 5) / 8
}

bool fe_is_zero(const FieldElement& a) {
  const std::array<std::uint8_t, 32> b = fe_to_bytes(a);
  std::uint8_t acc = 0;
  for (std::uint8_t x : b) acc = static_cast<std::uint8_t>(acc | x);
  return acc == 0;
}

bool fe_equal(const FieldElement& a, const FieldElement& b) { return fe_to_bytes(a) == fe_to_bytes(b); }

bool fe_is_negative(const FieldElement& a) { return (fe_to_bytes(a)[0] & 1) != 0; }

bool fe_sqrt_ratio(const FieldElement& u, const FieldElement& v, FieldElement& r) {
  // Candidate root r = u v^3 (u v^7)^((p-5)/8); then v r^2 is one of u, -u,
  // u*sqrt(-1) or -u*sqrt(-1), and the last two mean u/v is not a square.
  const FieldElement v3 = fe_mul(fe_sq(v), v);
  const FieldElement v7 = fe_mul(fe_sq(v3), v);
  FieldElement root = fe_mul(fe_mul(u, v3), fe_pow_p58(fe_mul(u, v7)));
  const FieldElement check = fe_mul(v, fe_sq(root));
  const FieldElement neg_u = fe_neg(u);
  const bool correct_sign = fe_equal(check, u);
  const bool flipped_sign = fe_equal(check, neg_u);
  const bool flipped_sign_i = fe_equal(check, fe_mul(neg_u, kFeSqrtM1));
  if (flipped_sign || flipped_sign_i) root = fe_mul(root, kFeSqrtM1);
  if (fe_is_negative(root)) root = fe_neg(root);
  r = root;
  return correct_sign || flipped_sign;
}

}  // namespace latchkey::crypto::edwards25519
