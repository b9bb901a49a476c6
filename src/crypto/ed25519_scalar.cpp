#include "crypto/ed25519_scalar.h"

#include <sodium.h>

#include <cassert>

#include "crypto/ed25519_field.h"  // uint128

namespace latchkey::crypto::edwards25519 {

Scalar scalar_from_bytes(const std::uint8_t* in32) {
  Scalar s{};
  for (int w = 0; w < 4; ++w) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | in32[8 * w + i];
    s.limb[w] = v;
  }
  return s;
}

std::array<std::uint8_t, 32> scalar_to_bytes(const Scalar& s) {
  std::array<std::uint8_t, 32> out{};
  for (std::size_t w = 0; w < 4; ++w) {
    for (std::size_t i = 0; i < 8; ++i) out[8 * w + i] = static_cast<std::uint8_t>(s.limb[w] >> (8 * i));
  }
  return out;
}

bool scalar_bytes_are_canonical(const std::uint8_t* in32) {
  const Scalar s = scalar_from_bytes(in32);
  for (int w = 3; w >= 0; --w) {
    if (s.limb[w] != kScalarL.limb[w]) return s.limb[w] < kScalarL.limb[w];
  }
  return false;  // equal to L
}

Scalar scalar_reduce_wide(const std::uint8_t* in64) {
  std::uint8_t reduced[crypto_core_ed25519_SCALARBYTES];
  crypto_core_ed25519_scalar_reduce(reduced, in64);
  return scalar_from_bytes(reduced);
}

Scalar scalar_negate(const Scalar& s) {
  if (scalar_is_zero(s)) return s;
  Scalar r{};
  std::uint64_t borrow = 0;
  for (int w = 0; w < 4; ++w) {
    const uint128 diff = static_cast<uint128>(kScalarL.limb[w]) - s.limb[w] - borrow;
    r.limb[w] = static_cast<std::uint64_t>(diff);
    borrow = static_cast<std::uint64_t>(diff >> 64) & 1;
  }
  return r;
}

bool scalar_is_zero(const Scalar& s) { return (s.limb[0] | s.limb[1] | s.limb[2] | s.limb[3]) == 0; }

int scalar_bit_length(const Scalar& s) {
  for (int w = 3; w >= 0; --w) {
    if (s.limb[w] != 0) return 64 * w + 64 - __builtin_clzll(s.limb[w]);
  }
  return 0;
}

namespace {

// Bits [pos, pos + n) of s (n <= 16); bits past 255 read as zero.
std::uint64_t bits_at(const Scalar& s, int pos, int n) {
  if (pos >= 256) return 0;
  const int idx = pos / 64, off = pos % 64;
  std::uint64_t v = s.limb[idx] >> off;
  if (off + n > 64 && idx + 1 < 4) v |= s.limb[idx + 1] << (64 - off);
  return v & ((std::uint64_t{1} << n) - 1);
}

}  // namespace

std::array<std::int8_t, 256> scalar_naf(const Scalar& s, int w) {
  assert(w >= 2 && w <= 8 && (s.limb[3] >> 63) == 0);
  std::array<std::int8_t, 256> naf{};
  const std::uint64_t width = std::uint64_t{1} << w;
  std::uint64_t carry = 0;
  int pos = 0;
  while (pos < 256) {
    // Remaining value to recode: (s >> pos) + carry.
    const std::uint64_t window = carry + bits_at(s, pos, w);
    if ((window & 1) == 0) {
      // Bit pos plus carry is 0 or 2: the digit here is 0 and the carry
      // moves up one position unchanged.
      ++pos;
      continue;
    }
    // Odd window (< 2^w): take it as a digit, or its negative complement
    // window - 2^w and carry one into position pos + w.
    if (window < width / 2) {
      naf[static_cast<std::size_t>(pos)] = static_cast<std::int8_t>(window);
      carry = 0;
    } else {
      naf[static_cast<std::size_t>(pos)] =
          static_cast<std::int8_t>(static_cast<std::int64_t>(window) - static_cast<std::int64_t>(width));
      carry = 1;
    }
    pos += w;
  }
  // s < 2^255 leaves no carry past bit 255 (a window reaching bit 255 holds
  // at most 2^(w-1), which is even or below the negative threshold).
  assert(carry == 0);
  return naf;
}

int scalar_signed_digit_count(int bits, int c) { return bits / c + 1; }

void scalar_signed_digits(const Scalar& s, int c, int count, std::int16_t* digits) {
  assert(c >= 1 && c <= 15);  // digits up to 2^(c-1) must fit in int16
  const std::int64_t half = std::int64_t{1} << (c - 1);
  const std::int64_t full = std::int64_t{1} << c;
  std::int64_t carry = 0;
  for (int j = 0; j < count; ++j) {
    std::int64_t v = static_cast<std::int64_t>(bits_at(s, j * c, c)) + carry;
    if (v > half) {
      v -= full;
      carry = 1;
    } else {
      carry = 0;
    }
    digits[j] = static_cast<std::int16_t>(v);
  }
  assert(carry == 0);
}

void ScalarAccumulator::add_product(const ShortScalar& z, const Scalar& s) {
  // (z.lo + z.hi 2^64) * (s0 + s1 2^64 + s2 2^128 + s3 2^192): six-limb
  // product added into the 512-bit accumulator.
  std::uint64_t prod[6] = {};
  for (int i = 0; i < 2; ++i) {
    const std::uint64_t zi = i == 0 ? z.lo : z.hi;
    std::uint64_t carry = 0;
    for (int j = 0; j < 4; ++j) {
      const uint128 t = static_cast<uint128>(zi) * s.limb[j] + prod[i + j] + carry;
      prod[i + j] = static_cast<std::uint64_t>(t);
      carry = static_cast<std::uint64_t>(t >> 64);
    }
    prod[i + 4] = carry;
  }
  std::uint64_t carry = 0;
  for (int k = 0; k < 8; ++k) {
    const uint128 t = static_cast<uint128>(acc_[k]) + (k < 6 ? prod[k] : 0) + carry;
    acc_[k] = static_cast<std::uint64_t>(t);
    carry = static_cast<std::uint64_t>(t >> 64);
  }
}

Scalar ScalarAccumulator::reduce() const {
  std::uint8_t bytes[64];
  for (int w = 0; w < 8; ++w) {
    for (int i = 0; i < 8; ++i) bytes[8 * w + i] = static_cast<std::uint8_t>(acc_[w] >> (8 * i));
  }
  return scalar_reduce_wide(bytes);
}

}  // namespace latchkey::crypto::edwards25519
