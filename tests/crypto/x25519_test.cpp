// X25519 (x25519.h) against RFC 7748: section 5.2 scalar-multiplication
// vectors and iteration results, section 6.1 Diffie-Hellman, and rejection
// of an all-zero shared secret (small-order peer points).
#include <sodium.h>

#include <string>

#include "crypto/random.h"
#include "crypto/x25519.h"
#include "crypto/test_support.h"

namespace latchkey::crypto {
namespace {

using testing::unhex_array;

X25519Point shared_ok(const X25519Scalar& k, const X25519Point& u) {
  Result<X25519Point> r = x25519_shared(k, u);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.message());
  return r.ok() ? *r : X25519Point{};
}

TEST(X25519, Rfc7748Section52Vectors) {
  EXPECT_EQ(hex_encode(shared_ok(unhex_array<32>("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                                 unhex_array<32>("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))),
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
  // The second vector's u has bit 255 set, which X25519 must ignore.
  EXPECT_EQ(hex_encode(shared_ok(unhex_array<32>("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                                 unhex_array<32>("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"))),
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

// k = u = 9; repeatedly (k, u) = (X25519(k, u), k).
TEST(X25519, Rfc7748Section52Iterations) {
  X25519Point k{}, u{};
  k[0] = 9;
  u[0] = 9;
  for (int i = 1; i <= 1000; ++i) {
    const X25519Point next = shared_ok(k, u);
    u = k;
    k = next;
    if (i == 1) {
      EXPECT_EQ(hex_encode(k), "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    }
  }
  EXPECT_EQ(hex_encode(k), "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

TEST(X25519, Rfc7748Section61DiffieHellman) {
  const X25519Scalar alice = unhex_array<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const X25519Scalar bob = unhex_array<32>("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const X25519Point alice_pub = x25519_public(alice), bob_pub = x25519_public(bob);
  EXPECT_EQ(hex_encode(alice_pub), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(hex_encode(bob_pub), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const char* shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  EXPECT_EQ(hex_encode(shared_ok(alice, bob_pub)), shared);
  EXPECT_EQ(hex_encode(shared_ok(bob, alice_pub)), shared);
}

// Points of small order on the curve or its twist (and non-canonical
// encodings of them) make every shared secret zero; x25519_shared refuses.
TEST(X25519, SmallOrderPeerPointsAreRejected) {
  const char* small_order[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",  // 0
      "0100000000000000000000000000000000000000000000000000000000000000",  // 1
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  // order 8
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",  // order 8
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p - 1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p (= 0)
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p + 1 (= 1)
  };
  const X25519Scalar k = x25519_generate();
  for (const char* h : small_order) {
    Result<X25519Point> r = x25519_shared(k, unhex_array<32>(h));
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_NE(r.message().find("small order"), std::string::npos);
  }
}

// x25519_public goes through the Edwards fixed-base multiplication; it must
// equal libsodium's Montgomery ladder for any scalar, clamped or not.
TEST(X25519, PublicKeyMatchesTheMontgomeryLadder) {
  for (int i = 0; i < 300; ++i) {
    X25519Scalar k;
    random_bytes(k);
    if (i == 0) k.fill(0);
    if (i == 1) k.fill(0xff);
    X25519Point want;
    crypto_scalarmult_curve25519_base(want.data(), k.data());
    EXPECT_EQ(x25519_public(k), want) << hex_encode(k);
  }
}

TEST(X25519, GeneratedKeysAgreeAndAreClamped) {
  for (int i = 0; i < 20; ++i) {
    const X25519Scalar a = x25519_generate(), b = x25519_generate();
    EXPECT_EQ(a[0] & 7, 0);
    EXPECT_EQ(a[31] & 0xc0, 0x40);
    EXPECT_EQ(shared_ok(a, x25519_public(b)), shared_ok(b, x25519_public(a)));
  }
  X25519Scalar s;
  s.fill(0xff);
  x25519_clamp(s);
  EXPECT_EQ(s[0], 0xf8);
  EXPECT_EQ(s[31], 0x7f);
}

}  // namespace
}  // namespace latchkey::crypto
