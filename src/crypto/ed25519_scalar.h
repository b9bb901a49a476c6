// Scalars of the edwards25519 group (integers mod the prime group order
// L = 2^252 + 27742317777372353535851937790883648493) as the exact Ed25519
// verifiers and the batch verifier need them: the canonical-S check,
// reduction of a SHA-512 digest, signed-digit recodings for scalar
// multiplication, and a wide accumulator for sums of products.
//
// Reduction of 512-bit values uses libsodium's
// crypto_core_ed25519_scalar_reduce (a well-tested routine; only the
// surrounding checks need to be exact and are written here).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace latchkey::crypto::edwards25519 {

// A 256-bit little-endian integer; as a scalar it is normally < L.
struct Scalar {
  std::uint64_t limb[4];
};

// A 128-bit coefficient (the random weights of batch verification).
struct ShortScalar {
  std::uint64_t lo, hi;
};

// The group order L.
inline constexpr Scalar kScalarL{{0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL}};

Scalar scalar_from_bytes(const std::uint8_t* in32);  // no reduction
std::array<std::uint8_t, 32> scalar_to_bytes(const Scalar& s);

// True iff the 32 little-endian bytes encode an integer < L (RFC 8032's
// requirement on S; Go's Scalar.SetCanonicalBytes).
bool scalar_bytes_are_canonical(const std::uint8_t* in32);

// A 64-byte little-endian integer (a SHA-512 digest) mod L, as Go's
// Scalar.SetUniformBytes.
Scalar scalar_reduce_wide(const std::uint8_t* in64);

// (L - s) mod L for s < L.
Scalar scalar_negate(const Scalar& s);

bool scalar_is_zero(const Scalar& s);
// Position of the highest set bit plus one (0 for zero).
int scalar_bit_length(const Scalar& s);

// Width-w non-adjacent form of s (s < 2^255, 2 <= w <= 8): digits are zero
// or odd in (-2^(w-1), 2^(w-1)), any w consecutive digits hold at most one
// non-zero, and s = sum naf[i] * 2^i.
std::array<std::int8_t, 256> scalar_naf(const Scalar& s, int w);

// Signed radix-2^c digits (1 <= c <= 15): s = sum digits[j] * 2^(c j) with
// digits in [-2^(c-1), 2^(c-1)]. count must be at least
// scalar_signed_digit_count(bits, c) where s < 2^bits <= 2^255.
int scalar_signed_digit_count(int bits, int c);
void scalar_signed_digits(const Scalar& s, int c, int count, std::int16_t* digits);

// Sum of products z_i * s_i (z_i < 2^128, s_i < 2^256) kept exactly in 512
// bits (room for 2^128 terms) and reduced mod L once at the end.
class ScalarAccumulator {
 public:
  void add_product(const ShortScalar& z, const Scalar& s);
  Scalar reduce() const;

 private:
  std::uint64_t acc_[8] = {};
};

}  // namespace latchkey::crypto::edwards25519
