// The BMI2/ADX X25519 ladder (x25519_adx.h): its field arithmetic against an
// independent multi-precision reference, including the rare carry and
// borrow folds random inputs never reach, and the whole ladder against
// libsodium's for random and edge-case scalars and u coordinates.
#include "crypto/x25519_adx.h"

#include <sodium.h>

#include <vector>

#include "crypto/random.h"
#include "crypto/test_support.h"
#include "crypto/x25519.h"

namespace latchkey::crypto {
namespace {

#if defined(__x86_64__)

using x25519_adx::detail::Fe;
using Limbs = std::vector<std::uint64_t>;
__extension__ typedef unsigned __int128 U128;

constexpr Fe kP{0xffffffffffffffedULL, ~0ULL, ~0ULL, 0x7fffffffffffffffULL};

// Reference: a number of any length reduced to its residue mod p, by folding
// 2^256 = 38 until it fits four limbs, then subtracting p while it is >= p.
Fe reference_reduce(Limbs v) {
  while (v.size() > 4) {
    Limbs folded(v.begin(), v.begin() + 4);
    folded.resize(v.size() - 4 + 5, 0);
    U128 carry = 0;
    for (std::size_t i = 0; i < folded.size(); ++i) {
      U128 t = carry + folded[i];
      if (i + 4 < v.size()) t += static_cast<U128>(v[i + 4]) * 38;
      folded[i] = static_cast<std::uint64_t>(t);
      carry = t >> 64;
    }
    while (folded.size() > 4 && folded.back() == 0) folded.pop_back();
    v = folded;
  }
  v.resize(4, 0);
  Fe f{v[0], v[1], v[2], v[3]};
  auto at_least_p = [&] {
    for (int i = 3; i >= 0; --i) {
      if (f[i] != kP[i]) return f[i] > kP[i];
    }
    return true;
  };
  while (at_least_p()) {
    std::uint64_t borrow = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const U128 t = static_cast<U128>(f[i]) - kP[i] - borrow;
      f[i] = static_cast<std::uint64_t>(t);
      borrow = static_cast<std::uint64_t>(t >> 64) & 1;
    }
  }
  return f;
}

Limbs product(const Fe& a, const Fe& b) {
  Limbs w(8, 0);
  for (std::size_t i = 0; i < 4; ++i) {
    U128 carry = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const U128 t = static_cast<U128>(a[i]) * b[j] + w[i + j] + carry;
      w[i + j] = static_cast<std::uint64_t>(t);
      carry = t >> 64;
    }
    w[i + 4] = static_cast<std::uint64_t>(carry);
  }
  return w;
}

// x + y + z as five limbs.
Limbs sum(const Fe& x, const Fe& y, const Limbs& z = Limbs(5, 0)) {
  Limbs w(5, 0);
  U128 carry = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    U128 t = carry + z[i];
    if (i < 4) t += static_cast<U128>(x[i]) + y[i];
    w[i] = static_cast<std::uint64_t>(t);
    carry = t >> 64;
  }
  return w;
}

std::array<std::uint8_t, 32> bytes_of(const Fe& canonical) {
  std::array<std::uint8_t, 32> out;
  for (std::size_t i = 0; i < 32; ++i) out[i] = static_cast<std::uint8_t>(canonical[i / 8] >> (8 * (i % 8)));
  return out;
}

std::vector<Fe> edge_values() {
  const std::uint64_t m = ~0ULL;
  std::vector<Fe> v = {
      {0, 0, 0, 0},
      {1, 0, 0, 0},
      {19, 0, 0, 0},
      {38, 0, 0, 0},
      {0xffffffffffffffecULL, m, m, 0x7fffffffffffffffULL},  // p - 1
      kP,                                                    // p
      {0xffffffffffffffeeULL, m, m, 0x7fffffffffffffffULL},  // p + 1
      {m, m, m, 0x7fffffffffffffffULL},                      // 2^255 - 1
      {0, 0, 0, 0x8000000000000000ULL},                      // 2^255
      {0xffffffffffffffdaULL, m, m, m},                      // 2^256 - 38
      {0xffffffffffffffd9ULL, m, m, m},                      // 2^256 - 39
      {0xffffffffffffffedULL, m, m, m},                      // 2^256 - 19
      {m, m, m, m},                                          // 2^256 - 1
      {0, 0, 0, m},
      {m, 0, m, 0},
      {0, m, 0, m},
  };
  for (int i = 0; i < 200; ++i) {
    Fe f;
    random_bytes(std::span(reinterpret_cast<std::uint8_t*>(f.data()), 32));
    if (i % 4 == 1) f[3] |= 0xffffffff00000000ULL;  // near 2^256: exercises the folds
    if (i % 4 == 2) f[0] |= 0xffffffffffff0000ULL;
    v.push_back(f);
  }
  return v;
}

TEST(X25519Adx, FieldArithmeticMatchesTheReference) {
  if (!x25519_adx::available()) GTEST_FAIL() << "this CPU has no BMI2/ADX; the ladder is not used here";
  namespace d = x25519_adx::detail;
  const std::vector<Fe> values = edge_values();
  const Limbs four_p{0xffffffffffffffb4ULL, ~0ULL, ~0ULL, ~0ULL, 1};
  for (const Fe& a : values) {
    EXPECT_EQ(d::canonical_bytes(a), bytes_of(reference_reduce(Limbs(a.begin(), a.end()))));
    EXPECT_EQ(d::canonical_bytes(d::sqr(a)), bytes_of(reference_reduce(product(a, a))));
    Fe k{121665, 0, 0, 0};
    EXPECT_EQ(d::canonical_bytes(d::mul_small(a, 121665)), bytes_of(reference_reduce(product(a, k))));
    for (const Fe& b : values) {
      ASSERT_EQ(d::canonical_bytes(d::mul(a, b)), bytes_of(reference_reduce(product(a, b))));
      ASSERT_EQ(d::canonical_bytes(d::add(a, b)), bytes_of(reference_reduce(sum(a, b))));
      // a - b = a + (4p - b) mod p, and 4p > 2^256 > b.
      Limbs four_p_minus_b(5, 0);
      std::uint64_t borrow = 0;
      for (std::size_t i = 0; i < 5; ++i) {
        const U128 t = static_cast<U128>(four_p[i]) - (i < 4 ? b[i] : 0) - borrow;
        four_p_minus_b[i] = static_cast<std::uint64_t>(t);
        borrow = static_cast<std::uint64_t>(t >> 64) & 1;
      }
      ASSERT_EQ(d::canonical_bytes(d::sub(a, b)), bytes_of(reference_reduce(sum(a, Fe{0, 0, 0, 0}, four_p_minus_b))));
    }
  }
}

TEST(X25519Adx, InverseTimesValueIsOne) {
  if (!x25519_adx::available()) GTEST_FAIL() << "this CPU has no BMI2/ADX";
  namespace d = x25519_adx::detail;
  const Fe one{1, 0, 0, 0};
  for (const Fe& a : edge_values()) {
    const bool zero = reference_reduce(Limbs(a.begin(), a.end())) == Fe{0, 0, 0, 0};
    const Fe inv = d::invert(a);
    if (zero) {
      EXPECT_EQ(d::canonical_bytes(inv), bytes_of(Fe{0, 0, 0, 0}));
    } else {
      EXPECT_EQ(d::canonical_bytes(d::mul(a, inv)), bytes_of(one));
    }
  }
}

X25519Point sodium_x25519(const std::uint8_t* k, const std::uint8_t* u) {
  X25519Point out;
  // -1 only for an all-zero result, whose bytes are compared like any other.
  if (crypto_scalarmult_curve25519(out.data(), k, u) != 0) out.fill(0);
  return out;
}

TEST(X25519Adx, LadderMatchesLibsodium) {
  if (!x25519_adx::available()) GTEST_FAIL() << "this CPU has no BMI2/ADX";
  ensure_sodium();
  std::vector<X25519Point> us;
  for (const Fe& f : edge_values()) {
    X25519Point u;
    for (std::size_t i = 0; i < 32; ++i) u[i] = static_cast<std::uint8_t>(f[i / 8] >> (8 * (i % 8)));
    us.push_back(u);
  }
  std::vector<X25519Scalar> scalars(3);
  scalars[0].fill(0);
  scalars[1].fill(0xff);
  random_bytes(scalars[2]);
  for (const X25519Point& u : us) {
    for (const X25519Scalar& k : scalars) {
      X25519Point ours;
      x25519_adx::scalarmult(ours.data(), k.data(), u.data());
      ASSERT_EQ(ours, sodium_x25519(k.data(), u.data())) << hex_encode(k) << " " << hex_encode(u);
    }
  }
  for (int i = 0; i < 2000; ++i) {
    X25519Scalar k;
    X25519Point u;
    random_bytes(k);
    random_bytes(u);
    X25519Point ours;
    x25519_adx::scalarmult(ours.data(), k.data(), u.data());
    ASSERT_EQ(ours, sodium_x25519(k.data(), u.data())) << hex_encode(k) << " " << hex_encode(u);
  }
}

// x25519_shared takes this ladder on this machine: the RFC 7748 vectors in
// x25519_test.cpp run through it, and the public keys it agrees on must be
// libsodium's.
TEST(X25519Adx, SharedSecretUsesTheLadderAndAgreesWithLibsodium) {
  if (!x25519_adx::available()) GTEST_FAIL() << "this CPU has no BMI2/ADX";
  for (int i = 0; i < 50; ++i) {
    const X25519Scalar a = x25519_generate(), b = x25519_generate();
    const X25519Point pb = x25519_public(b);
    Result<X25519Point> s = x25519_shared(a, pb);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*s, sodium_x25519(a.data(), pb.data()));
  }
}

#endif

}  // namespace
}  // namespace latchkey::crypto
