// Arithmetic in GF(2^255 - 19), the field under edwards25519, for the exact
// (non-libsodium) Ed25519 verification rules. Mirrors the role of
// filippo.io/edwards25519/field (which Go's crypto/ed25519 and
// ed25519consensus use); our own code.
//
// Representation: five unsigned 51-bit limbs, value = sum l[i] * 2^(51 i).
// Every function returns a "weakly reduced" element (each limb below
// 2^51 + 2^18) and accepts weakly reduced inputs; the value itself may still
// be >= p, only fe_to_bytes produces the unique canonical form. Products use
// unsigned __int128. Nothing here is constant-time: the verifiers only handle
// public data (keys, signatures, messages).
#pragma once

#include <array>
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

inline constexpr FieldElement kFeZero{{0, 0, 0, 0, 0}};
inline constexpr FieldElement kFeOne{{1, 0, 0, 0, 0}};

// Spreads the bits above 51 of each limb into the next limb (the top limb's
// overflow wraps around times 19, since 2^255 = 19 mod p).
inline FieldElement fe_carry(const FieldElement& a) {
  const std::uint64_t c0 = a.l[0] >> 51, c1 = a.l[1] >> 51, c2 = a.l[2] >> 51, c3 = a.l[3] >> 51,
                      c4 = a.l[4] >> 51;
  return FieldElement{{(a.l[0] & kMask51) + c4 * 19, (a.l[1] & kMask51) + c0, (a.l[2] & kMask51) + c1,
                       (a.l[3] & kMask51) + c2, (a.l[4] & kMask51) + c3}};
}

inline FieldElement fe_add(const FieldElement& a, const FieldElement& b) {
  return fe_carry(FieldElement{{a.l[0] + b.l[0], a.l[1] + b.l[1], a.l[2] + b.l[2], a.l[3] + b.l[3], a.l[4] + b.l[4]}});
}

// a - b computed as a + 2p - b so that no limb goes negative (b's limbs are
// below 2^51 + 2^18, less than 2p's limbs).
inline FieldElement fe_sub(const FieldElement& a, const FieldElement& b) {
  constexpr std::uint64_t k2p0 = 0xfffffffffffdaULL, k2pi = 0xffffffffffffeULL;
  return fe_carry(FieldElement{{a.l[0] + k2p0 - b.l[0], a.l[1] + k2pi - b.l[1], a.l[2] + k2pi - b.l[2],
                                a.l[3] + k2pi - b.l[3], a.l[4] + k2pi - b.l[4]}});
}

inline FieldElement fe_neg(const FieldElement& a) { return fe_sub(kFeZero, a); }

namespace field_detail {
inline std::uint64_t lo(uint128 v) { return static_cast<std::uint64_t>(v); }
// Turns five 128-bit column sums into a weakly reduced element.
inline FieldElement reduce_columns(uint128 r0, uint128 r1, uint128 r2, uint128 r3, uint128 r4) {
  const std::uint64_t c0 = static_cast<std::uint64_t>(r0 >> 51), c1 = static_cast<std::uint64_t>(r1 >> 51),
                      c2 = static_cast<std::uint64_t>(r2 >> 51), c3 = static_cast<std::uint64_t>(r3 >> 51),
                      c4 = static_cast<std::uint64_t>(r4 >> 51);
  // Column sums stay below 2^110, so every carry is below 2^59 and c4 * 19
  // fits in 64 bits; one more carry pass brings limbs back to ~51 bits.
  return fe_carry(FieldElement{{(lo(r0) & kMask51) + c4 * 19, (lo(r1) & kMask51) + c0, (lo(r2) & kMask51) + c1,
                                (lo(r3) & kMask51) + c2, (lo(r4) & kMask51) + c3}});
}
inline uint128 mul64(std::uint64_t a, std::uint64_t b) { return static_cast<uint128>(a) * b; }
}  // namespace field_detail

inline FieldElement fe_mul(const FieldElement& a, const FieldElement& b) {
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

inline FieldElement fe_sq(const FieldElement& a) {
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

}  // namespace latchkey::crypto::edwards25519
