// Arithmetic in GF(2^255 - 19), the field under edwards25519, for the exact
// (non-libsodium) Ed25519 verification rules. Mirrors the role of
// filippo.io/edwards25519/field (which Go's crypto/ed25519 and
// ed25519consensus use); our own code.
//
// Representation: five unsigned 64-bit limbs, value = sum l[i] * 2^(51 i),
// never fully reduced except by fe_to_bytes. Two bounds matter:
//  - tight: every limb < 2^51 + 2^17. Results of fe_mul, fe_sq, fe_sub,
//    fe_neg, fe_carry and fe_from_bytes are tight.
//  - loose: every limb < 2^54. fe_add does not carry, so the sum of two
//    tight elements (< 2^52.01) or of a tight and such a sum (< 2^53) is
//    loose.
// fe_mul and fe_sq accept loose inputs; fe_sub accepts a loose minuend and a
// tight subtrahend; fe_neg needs a tight input. Skipping the carry in fe_add
// saves work in the point formulas, where most sums feed a multiplication.
// Products use unsigned __int128. Nothing here is constant-time: the
// verifiers only handle public data (keys, signatures, messages).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace latchkey::crypto::edwards25519 {

__extension__ typedef unsigned __int128 uint128;

struct FieldElement {
  std::uint64_t l[5];
};

inline constexpr std::uint64_t kMask51 = (std::uint64_t{1} << 51) - 1;

// Loads 32 little-endian bytes. Bit 255 is ignored; a value >= p is kept as
// is and so taken mod p, which is how filippo.io/edwards25519's
// Element.SetBytes treats non-canonical y coordinates.
constexpr FieldElement fe_from_bytes(const std::uint8_t* in) {
  auto load64 = [in](int at) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | in[at + i];
    return v;
  };
  return FieldElement{{load64(0) & kMask51, (load64(6) >> 3) & kMask51, (load64(12) >> 6) & kMask51,
                       (load64(19) >> 1) & kMask51, (load64(24) >> 12) & kMask51}};
}

// The unique encoding of the value mod p (32 bytes, bit 255 clear).
std::array<std::uint8_t, 32> fe_to_bytes(const FieldElement& a);

// The same value with fully reduced limbs (each < 2^51, value < p): the
// canonical form that comparisons and the sign test use.
FieldElement fe_canonical(const FieldElement& a);

inline constexpr FieldElement kFeZero{{0, 0, 0, 0, 0}};
inline constexpr FieldElement kFeOne{{1, 0, 0, 0, 0}};

// Spreads the bits above 51 of each limb into the next limb (the top limb's
// overflow wraps around times 19, since 2^255 = 19 mod p). Any limbs below
// 2^63 come out tight.
inline FieldElement fe_carry(const FieldElement& a) {
  const std::uint64_t c0 = a.l[0] >> 51, c1 = a.l[1] >> 51, c2 = a.l[2] >> 51, c3 = a.l[3] >> 51,
                      c4 = a.l[4] >> 51;
  return FieldElement{{(a.l[0] & kMask51) + c4 * 19, (a.l[1] & kMask51) + c0, (a.l[2] & kMask51) + c1,
                       (a.l[3] & kMask51) + c2, (a.l[4] & kMask51) + c3}};
}

// No carry: the result is loose (see the top of this file).
inline FieldElement fe_add(const FieldElement& a, const FieldElement& b) {
  return FieldElement{{a.l[0] + b.l[0], a.l[1] + b.l[1], a.l[2] + b.l[2], a.l[3] + b.l[3], a.l[4] + b.l[4]}};
}

// a - b computed as a + 2p - b so that no limb goes negative: b must be
// tight (its limbs are then below 2p's, 2^52 - 38 and 2^52 - 2); a may be
// loose. The result is carried, so tight.
inline FieldElement fe_sub(const FieldElement& a, const FieldElement& b) {
  constexpr std::uint64_t k2p0 = 0xfffffffffffdaULL, k2pi = 0xffffffffffffeULL;
  return fe_carry(FieldElement{{a.l[0] + k2p0 - b.l[0], a.l[1] + k2pi - b.l[1], a.l[2] + k2pi - b.l[2],
                                a.l[3] + k2pi - b.l[3], a.l[4] + k2pi - b.l[4]}});
}

inline FieldElement fe_neg(const FieldElement& a) { return fe_sub(kFeZero, a); }

namespace field_detail {
inline std::uint64_t lo(uint128 v) { return static_cast<std::uint64_t>(v); }
// Turns five 128-bit column sums into a tight element. All five carries
// are taken at once and then spread by one more 64-bit pass (g++ compiles
// this much better than a sequential 128-bit carry chain). For loose inputs
// (limbs < 2^54) columns r0..r3 stay below 2^115 and r4 (which has no
// factor 19) below 2^111, so each carry fits in 64 bits, c4 * 19 < 2^64,
// and every intermediate limb stays below 2^64.
inline FieldElement reduce_columns(uint128 r0, uint128 r1, uint128 r2, uint128 r3, uint128 r4) {
  const std::uint64_t c0 = lo(r0 >> 51), c1 = lo(r1 >> 51), c2 = lo(r2 >> 51), c3 = lo(r3 >> 51), c4 = lo(r4 >> 51);
  return fe_carry(FieldElement{{(lo(r0) & kMask51) + c4 * 19, (lo(r1) & kMask51) + c0, (lo(r2) & kMask51) + c1,
                                (lo(r3) & kMask51) + c2, (lo(r4) & kMask51) + c3}});
}
inline uint128 mul64(std::uint64_t a, std::uint64_t b) { return static_cast<uint128>(a) * b; }
}  // namespace field_detail

[[gnu::always_inline]] inline FieldElement fe_mul(const FieldElement& a, const FieldElement& b) {
  using field_detail::mul64;
  const std::uint64_t a0 = a.l[0], a1 = a.l[1], a2 = a.l[2], a3 = a.l[3], a4 = a.l[4];
  const std::uint64_t b0 = b.l[0], b1 = b.l[1], b2 = b.l[2], b3 = b.l[3], b4 = b.l[4];
  const std::uint64_t b1_19 = b1 * 19, b2_19 = b2 * 19, b3_19 = b3 * 19, b4_19 = b4 * 19;
  const uint128 r0 = mul64(a0, b0) + mul64(a1, b4_19) + mul64(a2, b3_19) + mul64(a3, b2_19) + mul64(a4, b1_19);
  const uint128 r1 = mul64(a0, b1) + mul64(a1, b0) + mul64(a2, b4_19) + mul64(a3, b3_19) + mul64(a4, b2_19);
  const uint128 r2 = mul64(a0, b2) + mul64(a1, b1) + mul64(a2, b0) + mul64(a3, b4_19) + mul64(a4, b3_19);
  const uint128 r3 = mul64(a0, b3) + mul64(a1, b2) + mul64(a2, b1) + mul64(a3, b0) + mul64(a4, b4_19);
  const uint128 r4 = mul64(a0, b4) + mul64(a1, b3) + mul64(a2, b2) + mul64(a3, b1) + mul64(a4, b0);
  return field_detail::reduce_columns(r0, r1, r2, r3, r4);
}

[[gnu::always_inline]] inline FieldElement fe_sq(const FieldElement& a) {
  using field_detail::mul64;
  const std::uint64_t a0 = a.l[0], a1 = a.l[1], a2 = a.l[2], a3 = a.l[3], a4 = a.l[4];
  const std::uint64_t d0 = a0 * 2, d1 = a1 * 2, d2 = a2 * 2, d3 = a3 * 2;
  const std::uint64_t a3_19 = a3 * 19, a4_19 = a4 * 19;
  const uint128 r0 = mul64(a0, a0) + mul64(d1, a4_19) + mul64(d2, a3_19);
  const uint128 r1 = mul64(d0, a1) + mul64(d2, a4_19) + mul64(a3, a3_19);
  const uint128 r2 = mul64(d0, a2) + mul64(a1, a1) + mul64(d3, a4_19);
  const uint128 r3 = mul64(d0, a3) + mul64(d1, a2) + mul64(a4, a4_19);
  const uint128 r4 = mul64(d0, a4) + mul64(d1, a3) + mul64(a2, a2);
  return field_detail::reduce_columns(r0, r1, r2, r3, r4);
}

// a^(2^n): n successive squarings.
inline FieldElement fe_sq_n(FieldElement a, int n) {
  for (int i = 0; i < n; ++i) a = fe_sq(a);
  return a;
}

// Multiplicative inverse (a^(p-2)); the inverse of zero is zero.
FieldElement fe_invert(const FieldElement& a);

// a^((p-5)/8), the exponentiation inside the square-root computation.
FieldElement fe_pow_p58(const FieldElement& a);

bool fe_is_zero(const FieldElement& a);
bool fe_equal(const FieldElement& a, const FieldElement& b);
// "Negative" = the canonical encoding is odd (RFC 8032's sign of x).
bool fe_is_negative(const FieldElement& a);

// Square root of a ratio, as filippo.io/edwards25519's SqrtRatio: if u/v is
// a square, sets r to its non-negative root and returns true (u = 0 gives
// r = 0); otherwise returns false and r is unspecified. v must be non-zero.
bool fe_sqrt_ratio(const FieldElement& u, const FieldElement& v, FieldElement& r);

// Lane-parallel forms: the same computation on N independent elements in
// lockstep. A square-root exponentiation is a chain of ~250 dependent
// squarings, so one alone leaves the multiplier waiting on latency; running
// several side by side lets the CPU overlap them (decoding many points in a
// batch verification is dominated by this).
namespace field_detail {
template <std::size_t N>
inline void sq_n_lanes(FieldElement (&a)[N], int n) {
  for (int k = 0; k < n; ++k) {
    for (std::size_t i = 0; i < N; ++i) a[i] = fe_sq(a[i]);
  }
}
template <std::size_t N>
inline void mul_lanes(FieldElement (&r)[N], const FieldElement (&a)[N], const FieldElement (&b)[N]) {
  for (std::size_t i = 0; i < N; ++i) r[i] = fe_mul(a[i], b[i]);
}
// z^(2^250 - 1) and z^11, the shared prefix of the inversion and (p-5)/8
// exponent chains (the classic curve25519 addition chain).
template <std::size_t N>
inline void chain_prefix_lanes(const FieldElement (&z)[N], FieldElement (&z11)[N], FieldElement (&z2_250_0)[N]) {
  FieldElement z2[N], z9[N], t[N], z2_5_0[N], z2_10_0[N], z2_20_0[N], z2_50_0[N], z2_100_0[N];
  for (std::size_t i = 0; i < N; ++i) z2[i] = fe_sq(z[i]);                      // 2
  for (std::size_t i = 0; i < N; ++i) t[i] = z2[i];
  sq_n_lanes(t, 2);                                                              // 8
  mul_lanes(z9, t, z);                                                           // 9
  mul_lanes(z11, z9, z2);                                                        // 11
  for (std::size_t i = 0; i < N; ++i) t[i] = fe_sq(z11[i]);                     // 22
  mul_lanes(z2_5_0, t, z9);                                                      // 2^5 - 1
  for (std::size_t i = 0; i < N; ++i) t[i] = z2_5_0[i];
  sq_n_lanes(t, 5);
  mul_lanes(z2_10_0, t, z2_5_0);                                                 // 2^10 - 1
  for (std::size_t i = 0; i < N; ++i) t[i] = z2_10_0[i];
  sq_n_lanes(t, 10);
  mul_lanes(z2_20_0, t, z2_10_0);                                                // 2^20 - 1
  for (std::size_t i = 0; i < N; ++i) t[i] = z2_20_0[i];
  sq_n_lanes(t, 20);
  mul_lanes(t, t, z2_20_0);                                                      // 2^40 - 1
  sq_n_lanes(t, 10);
  mul_lanes(z2_50_0, t, z2_10_0);                                                // 2^50 - 1
  for (std::size_t i = 0; i < N; ++i) t[i] = z2_50_0[i];
  sq_n_lanes(t, 50);
  mul_lanes(z2_100_0, t, z2_50_0);                                               // 2^100 - 1
  for (std::size_t i = 0; i < N; ++i) t[i] = z2_100_0[i];
  sq_n_lanes(t, 100);
  mul_lanes(t, t, z2_100_0);                                                     // 2^200 - 1
  sq_n_lanes(t, 50);
  mul_lanes(z2_250_0, t, z2_50_0);                                               // 2^250 - 1
}
}  // namespace field_detail

template <std::size_t N>
void fe_invert_lanes(FieldElement (&z)[N]) {
  FieldElement z11[N], t[N];
  field_detail::chain_prefix_lanes(z, z11, t);
  field_detail::sq_n_lanes(t, 5);
  field_detail::mul_lanes(z, t, z11);  // 2^255 - 32 + 11 = p - 2
}

template <std::size_t N>
void fe_pow_p58_lanes(FieldElement (&z)[N]) {
  FieldElement z11[N], t[N];
  field_detail::chain_prefix_lanes(z, z11, t);
  field_detail::sq_n_lanes(t, 2);
  field_detail::mul_lanes(z, t, z);  // 2^252 - 4 + 1 = (p - 5) / 8
}

template <std::size_t N>
void fe_sqrt_ratio_lanes(const FieldElement (&u)[N], const FieldElement (&v)[N], FieldElement (&r)[N], bool (&ok)[N]);

// Constants. Each is checked against its defining equation in the tests.
namespace field_constants {
constexpr std::array<std::uint8_t, 32> bytes_from_hex(const char* hex) {
  auto nibble = [](char c) {
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  };
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 32; ++i) {
    out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return out;
}
constexpr FieldElement from_hex(const char* hex) {
  const std::array<std::uint8_t, 32> b = bytes_from_hex(hex);
  return fe_from_bytes(b.data());
}
}  // namespace field_constants

// d = -121665/121666, the curve constant.
inline constexpr FieldElement kFeD =
    field_constants::from_hex("a3785913ca4deb75abd841414d0a700098e879777940c78c73fe6f2bee6c0352");
// 2d, used by the cached point forms.
inline constexpr FieldElement kFeD2 =
    field_constants::from_hex("59f1b226949bd6eb56b183829a14e00030d1f3eef2808e19e7fcdf56dcd90624");
// sqrt(-1) = 2^((p-1)/4).
inline constexpr FieldElement kFeSqrtM1 =
    field_constants::from_hex("b0a00e4a271beec478e42fad0618432fa7d7fb3d99004d2b0bdfc14f8024832b");

template <std::size_t N>
void fe_sqrt_ratio_lanes(const FieldElement (&u)[N], const FieldElement (&v)[N], FieldElement (&r)[N],
                         bool (&ok)[N]) {
  // Candidate root r = u v^3 (u v^7)^((p-5)/8); then v r^2 is one of u, -u,
  // u*sqrt(-1) or -u*sqrt(-1), and the last two mean u/v is not a square.
  FieldElement uv3[N], t[N];
  for (std::size_t i = 0; i < N; ++i) {
    const FieldElement v3 = fe_mul(fe_sq(v[i]), v[i]);
    uv3[i] = fe_mul(u[i], v3);
    t[i] = fe_mul(uv3[i], fe_sq(fe_sq(v[i])));  // u v^7
  }
  fe_pow_p58_lanes(t);
  for (std::size_t i = 0; i < N; ++i) {
    FieldElement root = fe_mul(uv3[i], t[i]);
    const FieldElement check = fe_mul(v[i], fe_sq(root));
    const FieldElement neg_u = fe_neg(u[i]);
    const bool correct_sign = fe_equal(check, u[i]);
    const bool flipped_sign = fe_equal(check, neg_u);
    const bool flipped_sign_i = fe_equal(check, fe_mul(neg_u, kFeSqrtM1));
    if (flipped_sign || flipped_sign_i) root = fe_mul(root, kFeSqrtM1);
    if (fe_is_negative(root)) root = fe_neg(root);
    r[i] = root;
    ok[i] = correct_sign || flipped_sign;
  }
}

}  // namespace latchkey::crypto::edwards25519
