// The group code under the exact Ed25519 verifiers (ed25519_field,
// ed25519_scalar, ed25519_point, ed25519_msm), checked against independent
// implementations: OpenSSL's BIGNUM for field and scalar arithmetic and
// libsodium's crypto_core_ed25519 / crypto_scalarmult_ed25519 for points.
#include <openssl/bn.h>
#include <sodium.h>

#include <memory>
#include <random>
#include <vector>

#include "crypto/ed25519_field.h"
#include "crypto/ed25519_msm.h"
#include "crypto/ed25519_point.h"
#include "crypto/ed25519_scalar.h"
#include "crypto/random.h"
#include "crypto/test_support.h"

namespace latchkey::crypto::edwards25519 {
namespace {

using testing::unhex_array;
using Bytes32 = std::array<std::uint8_t, 32>;

// ---------------------------------------------------------------- BIGNUM glue

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

struct BnCtx {
  BN_CTX* ctx = BN_CTX_new();
  ~BnCtx() { BN_CTX_free(ctx); }
};

Bn bn_le(const std::uint8_t* bytes, int len) { return Bn(BN_lebin2bn(bytes, len, nullptr)); }
Bn bn_word(unsigned long w) {
  Bn b(BN_new());
  BN_set_word(b.get(), w);
  return b;
}
Bytes32 bn_to_le32(const BIGNUM* b) {
  Bytes32 out{};
  EXPECT_EQ(BN_bn2lebinpad(b, out.data(), 32), 32);
  return out;
}

const BIGNUM* field_p() {
  static const Bn p = [] {
    Bn v(BN_new());
    BN_set_bit(v.get(), 255);
    BN_sub_word(v.get(), 19);
    return v;
  }();
  return p.get();
}

const BIGNUM* group_l() {
  static const Bn l = [] {
    const Bytes32 b = scalar_to_bytes(kScalarL);
    return bn_le(b.data(), 32);
  }();
  return l.get();
}

Bn bn_of(const FieldElement& a) {
  const Bytes32 b = fe_to_bytes(a);
  return bn_le(b.data(), 32);
}

Bytes32 random_bytes32() {
  Bytes32 b;
  random_bytes(b);
  return b;
}

// Field elements with random limbs, plus edge values (0, 1, p-1, 2^255-1).
std::vector<FieldElement> sample_elements() {
  std::vector<FieldElement> out;
  const char* edges[] = {"0000000000000000000000000000000000000000000000000000000000000000",
                         "0100000000000000000000000000000000000000000000000000000000000000",
                         "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                         "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                         "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"};
  for (const char* h : edges) out.push_back(fe_from_bytes(unhex_array<32>(h).data()));
  for (int i = 0; i < 200; ++i) out.push_back(fe_from_bytes(random_bytes32().data()));
  // Weakly reduced but not fully reduced: limbs at the top of their range.
  out.push_back(fe_carry(FieldElement{{kMask51 + 1000, kMask51 + 77, kMask51, kMask51 + 5000, kMask51 + 9}}));
  return out;
}

// -------------------------------------------------------------------- field

TEST(Ed25519Field, ConstantsSatisfyTheirDefinitions) {
  // d * 121666 = -121665
  EXPECT_TRUE(fe_equal(fe_mul(kFeD, FieldElement{{121666, 0, 0, 0, 0}}), fe_neg(FieldElement{{121665, 0, 0, 0, 0}})));
  EXPECT_TRUE(fe_equal(kFeD2, fe_add(kFeD, kFeD)));
  EXPECT_TRUE(fe_equal(fe_sq(kFeSqrtM1), fe_neg(kFeOne)));
  EXPECT_FALSE(fe_is_negative(kFeSqrtM1));
}

TEST(Ed25519Field, BytesRoundTripAndReduceModP) {
  for (int i = 0; i < 100; ++i) {
    Bytes32 b = random_bytes32();
    b[31] &= 0x7f;
    b[31] = static_cast<std::uint8_t>(b[31] & 0x3f);  // < 2^254 < p: canonical
    EXPECT_EQ(fe_to_bytes(fe_from_bytes(b.data())), b);
  }
  // p -> 0, p + 1 -> 1, 2^255 - 1 -> 18; bit 255 is ignored.
  EXPECT_EQ(fe_to_bytes(fe_from_bytes(unhex_array<32>("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").data())),
            unhex_array<32>("0000000000000000000000000000000000000000000000000000000000000000"));
  EXPECT_EQ(fe_to_bytes(fe_from_bytes(unhex_array<32>("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").data())),
            unhex_array<32>("0100000000000000000000000000000000000000000000000000000000000000"));
  EXPECT_EQ(fe_to_bytes(fe_from_bytes(unhex_array<32>("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").data())),
            unhex_array<32>("1200000000000000000000000000000000000000000000000000000000000000"));
  EXPECT_EQ(fe_to_bytes(fe_from_bytes(unhex_array<32>("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff").data())),
            unhex_array<32>("1200000000000000000000000000000000000000000000000000000000000000"));
}

TEST(Ed25519Field, ArithmeticMatchesBignum) {
  BnCtx bc;
  const std::vector<FieldElement> xs = sample_elements();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const FieldElement& a = xs[i];
    const FieldElement& b = xs[(i * 7 + 3) % xs.size()];
    Bn ba = bn_of(a), bb = bn_of(b), r(BN_new());
    BN_mod_mul(r.get(), ba.get(), bb.get(), field_p(), bc.ctx);
    EXPECT_EQ(fe_to_bytes(fe_mul(a, b)), bn_to_le32(r.get())) << "mul " << i;
    BN_mod_sqr(r.get(), ba.get(), field_p(), bc.ctx);
    EXPECT_EQ(fe_to_bytes(fe_sq(a)), bn_to_le32(r.get())) << "sq " << i;
    BN_mod_add(r.get(), ba.get(), bb.get(), field_p(), bc.ctx);
    EXPECT_EQ(fe_to_bytes(fe_add(a, b)), bn_to_le32(r.get())) << "add " << i;
    BN_mod_sub(r.get(), ba.get(), bb.get(), field_p(), bc.ctx);
    EXPECT_EQ(fe_to_bytes(fe_sub(a, b)), bn_to_le32(r.get())) << "sub " << i;
    if (!BN_is_zero(ba.get())) {
      BN_mod_inverse(r.get(), ba.get(), field_p(), bc.ctx);
      EXPECT_EQ(fe_to_bytes(fe_invert(a)), bn_to_le32(r.get())) << "invert " << i;
    }
    Bn e(BN_dup(field_p()));
    BN_sub_word(e.get(), 5);
    BN_rshift(e.get(), e.get(), 3);
    BN_mod_exp(r.get(), ba.get(), e.get(), field_p(), bc.ctx);
    EXPECT_EQ(fe_to_bytes(fe_pow_p58(a)), bn_to_le32(r.get())) << "pow_p58 " << i;
  }
  EXPECT_TRUE(fe_is_zero(fe_invert(kFeZero)));
}

// BIGNUM value of an element whose limbs may exceed 51 bits.
Bn bn_of_limbs(const FieldElement& a) {
  Bn r = bn_word(0), limb(BN_new());
  for (int i = 4; i >= 0; --i) {
    BN_lshift(r.get(), r.get(), 51);
    BN_set_word(limb.get(), a.l[i]);
    BN_add(r.get(), r.get(), limb.get());
  }
  return r;
}

// The documented input bounds: fe_mul and fe_sq take loose inputs (limbs up
// to 2^54 - 1), fe_sub a loose minuend and a tight subtrahend (limbs up to
// 2^51 + 2^17 - 1); the results must still be exact.
TEST(Ed25519Field, ExtremeLimbsWithinTheDocumentedBounds) {
  BnCtx bc;
  const std::uint64_t loose_max = (std::uint64_t{1} << 54) - 1;
  const std::uint64_t tight_max = (std::uint64_t{1} << 51) + (std::uint64_t{1} << 17) - 1;
  const FieldElement loose{{loose_max, loose_max, loose_max, loose_max, loose_max}};
  const FieldElement tight{{tight_max, tight_max, tight_max, tight_max, tight_max}};
  const FieldElement mixed{{loose_max, 3, loose_max, 0, loose_max}};
  const FieldElement zero_ish{{0, 0, 0, 0, 0}};
  for (const FieldElement& a : {loose, tight, mixed, zero_ish}) {
    for (const FieldElement& b : {loose, tight, mixed, zero_ish}) {
      Bn r(BN_new());
      BN_mod_mul(r.get(), bn_of_limbs(a).get(), bn_of_limbs(b).get(), field_p(), bc.ctx);
      EXPECT_EQ(fe_to_bytes(fe_mul(a, b)), bn_to_le32(r.get()));
      const FieldElement m = fe_mul(a, b);
      for (std::uint64_t limb : m.l) EXPECT_LT(limb, tight_max + 1) << "fe_mul output is tight";
    }
    Bn r(BN_new());
    BN_mod_sqr(r.get(), bn_of_limbs(a).get(), field_p(), bc.ctx);
    EXPECT_EQ(fe_to_bytes(fe_sq(a)), bn_to_le32(r.get()));
    BN_mod_sub(r.get(), bn_of_limbs(a).get(), bn_of_limbs(tight).get(), field_p(), bc.ctx);
    EXPECT_EQ(fe_to_bytes(fe_sub(a, tight)), bn_to_le32(r.get()));
    for (std::uint64_t limb : fe_sub(a, tight).l) EXPECT_LT(limb, tight_max + 1) << "fe_sub output is tight";
  }
}

// Euler's criterion with BIGNUM: is a a square mod p (zero counts as one)?
bool is_square_mod_p(const FieldElement& a, BN_CTX* ctx) {
  Bn ba = bn_of(a);
  if (BN_is_zero(ba.get())) return true;
  Bn e(BN_dup(field_p())), r(BN_new());
  BN_sub_word(e.get(), 1);
  BN_rshift1(e.get(), e.get());
  BN_mod_exp(r.get(), ba.get(), e.get(), field_p(), ctx);
  return BN_is_one(r.get());
}

TEST(Ed25519Field, SqrtRatioFindsExactlyTheSquares) {
  BnCtx bc;
  int squares = 0, non_squares = 0;
  const std::vector<FieldElement> xs = sample_elements();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const FieldElement& u = xs[i];
    FieldElement v = xs[(i * 13 + 1) % xs.size()];
    if (fe_is_zero(v)) v = kFeOne;
    FieldElement r;
    const bool ok = fe_sqrt_ratio(u, v, r);
    EXPECT_EQ(ok, is_square_mod_p(fe_mul(u, fe_invert(v)), bc.ctx)) << i;
    if (ok) {
      ++squares;
      EXPECT_TRUE(fe_equal(fe_mul(v, fe_sq(r)), u)) << i;
      EXPECT_FALSE(fe_is_negative(r)) << i;
    } else {
      ++non_squares;
    }
  }
  EXPECT_GT(squares, 50);
  EXPECT_GT(non_squares, 50);
}

// ------------------------------------------------------------------- scalar

Bn bn_of(const Scalar& s) {
  const Bytes32 b = scalar_to_bytes(s);
  return bn_le(b.data(), 32);
}

Scalar random_scalar() {
  std::uint8_t wide[64];
  random_bytes(wide);
  return scalar_reduce_wide(wide);
}

TEST(Ed25519Scalar, CanonicalMeansBelowL) {
  Bytes32 l = scalar_to_bytes(kScalarL);
  EXPECT_EQ(l, unhex_array<32>("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"));
  EXPECT_FALSE(scalar_bytes_are_canonical(l.data()));
  Bytes32 below = l;
  below[0] = static_cast<std::uint8_t>(below[0] - 1);
  EXPECT_TRUE(scalar_bytes_are_canonical(below.data()));
  Bytes32 above = l;
  above[0] = static_cast<std::uint8_t>(above[0] + 1);
  EXPECT_FALSE(scalar_bytes_are_canonical(above.data()));
  Bytes32 zero{};
  EXPECT_TRUE(scalar_bytes_are_canonical(zero.data()));
  Bytes32 top{};
  top[31] = 0x20;  // 2^253: passes the sig[63] & 0xe0 check's complement but is >= L
  EXPECT_FALSE(scalar_bytes_are_canonical(top.data()));
}

TEST(Ed25519Scalar, ReduceNegateAndAccumulateMatchBignum) {
  BnCtx bc;
  for (int i = 0; i < 50; ++i) {
    std::uint8_t wide[64];
    random_bytes(wide);
    Bn w = bn_le(wide, 64), r(BN_new());
    BN_nnmod(r.get(), w.get(), group_l(), bc.ctx);
    const Scalar s = scalar_reduce_wide(wide);
    EXPECT_EQ(scalar_to_bytes(s), bn_to_le32(r.get()));
    Bn sum(BN_new());
    BN_mod_add(sum.get(), bn_of(s).get(), bn_of(scalar_negate(s)).get(), group_l(), bc.ctx);
    EXPECT_TRUE(BN_is_zero(sum.get()));
  }
  EXPECT_TRUE(scalar_is_zero(scalar_negate(Scalar{{0, 0, 0, 0}})));

  ScalarAccumulator acc;
  Bn expected = bn_word(0);
  for (int i = 0; i < 300; ++i) {
    ShortScalar z;
    random_bytes({reinterpret_cast<std::uint8_t*>(&z), sizeof z});
    Scalar s;
    random_bytes({reinterpret_cast<std::uint8_t*>(&s), sizeof s});  // full 256-bit values
    acc.add_product(z, s);
    const Scalar zs{{z.lo, z.hi, 0, 0}};
    Bn prod(BN_new());
    BN_mul(prod.get(), bn_of(zs).get(), bn_of(s).get(), bc.ctx);
    BN_add(expected.get(), expected.get(), prod.get());
  }
  BN_nnmod(expected.get(), expected.get(), group_l(), bc.ctx);
  EXPECT_EQ(scalar_to_bytes(acc.reduce()), bn_to_le32(expected.get()));
}

TEST(Ed25519Scalar, NafAndSignedDigitsReconstructTheScalar) {
  BnCtx bc;
  std::vector<Scalar> samples = {Scalar{{0, 0, 0, 0}}, Scalar{{1, 0, 0, 0}}, scalar_negate(Scalar{{1, 0, 0, 0}}),
                                 Scalar{{~0ULL, ~0ULL, ~0ULL, 0x7fffffffffffffffULL}}};
  for (int i = 0; i < 40; ++i) samples.push_back(random_scalar());
  for (const Scalar& s : samples) {
    const Bn want = bn_of(s);
    for (int w = 2; w <= 8; ++w) {
      const std::array<std::int8_t, 256> naf = scalar_naf(s, w);
      Bn acc = bn_word(0), term(BN_new());
      int last_nonzero = 1000;  // index of the previous (higher) non-zero digit
      for (int i = 255; i >= 0; --i) {
        BN_lshift1(acc.get(), acc.get());
        const int d = naf[static_cast<std::size_t>(i)];
        if (d == 0) continue;
        EXPECT_EQ(d & 1, 1) << "naf digits are odd";
        EXPECT_LT(d < 0 ? -d : d, 1 << (w - 1));
        EXPECT_GE(last_nonzero - i, w) << "at most one non-zero digit per window";
        last_nonzero = i;
        BN_set_word(term.get(), static_cast<unsigned long>(d < 0 ? -d : d));
        if (d > 0) BN_add(acc.get(), acc.get(), term.get());
        if (d < 0) BN_sub(acc.get(), acc.get(), term.get());
      }
      EXPECT_EQ(BN_cmp(acc.get(), want.get()), 0) << "naf width " << w;
    }
    for (int c = 1; c <= 15; ++c) {
      const int count = scalar_signed_digit_count(255, c);
      std::vector<std::int16_t> digits(static_cast<std::size_t>(count));
      scalar_signed_digits(s, c, count, digits.data());
      Bn acc = bn_word(0), term(BN_new());
      for (int j = count - 1; j >= 0; --j) {
        BN_lshift(acc.get(), acc.get(), c);
        const int d = digits[static_cast<std::size_t>(j)];
        EXPECT_LE(d < 0 ? -d : d, 1 << (c - 1));
        BN_set_word(term.get(), static_cast<unsigned long>(d < 0 ? -d : d));
        if (d > 0) BN_add(acc.get(), acc.get(), term.get());
        if (d < 0) BN_sub(acc.get(), acc.get(), term.get());
      }
      EXPECT_EQ(BN_cmp(acc.get(), want.get()), 0) << "radix 2^" << c;
    }
  }
}

// -------------------------------------------------------------------- points

// The eight points of order dividing 8 (canonical encodings) and six
// non-canonical encodings of some of them, each with the canonical encoding
// it stands for.
const char* kSmallOrderCanonical[] = {
    "0100000000000000000000000000000000000000000000000000000000000000",  // identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // (0, -1), order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  // order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  // order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
};
struct NonCanonical {
  const char* encoding;
  const char* canonical;
};
const NonCanonical kNonCanonical[] = {
    {"0100000000000000000000000000000000000000000000000000000000000080",
     "0100000000000000000000000000000000000000000000000000000000000000"},  // x = 0, sign set
    {"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},  // x = 0, sign set
    {"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
     "0000000000000000000000000000000000000000000000000000000000000000"},  // y = p
    {"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0000000000000000000000000000000000000000000000000000000000000080"},  // y = p, sign set
    {"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
     "0100000000000000000000000000000000000000000000000000000000000000"},  // y = p + 1
    {"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0100000000000000000000000000000000000000000000000000000000000000"},  // y = p + 1, sign set
};

Bytes32 encode_affine(const AffinePoint& a) { return encode_point(to_extended(a)); }

Point decode_ok(const Bytes32& b) {
  const std::optional<AffinePoint> p = decode_point(b.data());
  EXPECT_TRUE(p.has_value());
  return p ? to_extended(*p) : point_identity();
}

// A random point of the prime-order subgroup, via libsodium.
Bytes32 random_prime_order_point() {
  Bytes32 pk;
  std::uint8_t sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk.data(), sk);
  return pk;
}

TEST(Ed25519Point, BasepointEncodesAndHasOrderL) {
  ensure_sodium();
  const Point b = to_extended(basepoint());
  EXPECT_EQ(encode_point(b), unhex_array<32>("5866666666666666666666666666666666666666666666666666666666666666"));
  EXPECT_TRUE(is_identity(scalar_mult_reference(kScalarL, b)));
  const Scalar l_minus_1 = scalar_negate(Scalar{{1, 0, 0, 0}});
  EXPECT_TRUE(point_equal(scalar_mult_reference(l_minus_1, b), point_negate(b)));
  EXPECT_FALSE(is_identity(b));
}

TEST(Ed25519Point, SmallOrderPointsDecodeAndVanishUnderTheCofactor) {
  for (const char* h : kSmallOrderCanonical) {
    const Bytes32 enc = unhex_array<32>(h);
    const Point p = decode_ok(enc);
    EXPECT_EQ(encode_point(p), enc) << h;
    EXPECT_TRUE(is_identity(mul_by_cofactor(p))) << h;
  }
  // Exactly one identity, one point of order 2, two of order 4, four of order 8.
  int orders[9] = {};
  for (const char* h : kSmallOrderCanonical) {
    Point p = decode_ok(unhex_array<32>(h));
    int order = 1;
    while (!is_identity(p)) {
      p = point_add(p, to_cached(decode_ok(unhex_array<32>(h))));
      ++order;
    }
    ++orders[order];
  }
  EXPECT_EQ(orders[1], 1);
  EXPECT_EQ(orders[2], 1);
  EXPECT_EQ(orders[4], 2);
  EXPECT_EQ(orders[8], 4);
}

TEST(Ed25519Point, NonCanonicalEncodingsDecodeToTheirCanonicalPoint) {
  for (const NonCanonical& c : kNonCanonical) {
    const Point p = decode_ok(unhex_array<32>(c.encoding));
    EXPECT_EQ(encode_point(p), unhex_array<32>(c.canonical)) << c.encoding;
  }
}

TEST(Ed25519Point, DecodingRejectsExactlyTheNonSquares) {
  BnCtx bc;
  int rejected = 0;
  for (int i = 0; i < 300; ++i) {
    const Bytes32 enc = random_bytes32();
    const FieldElement y = fe_from_bytes(enc.data());
    const FieldElement u = fe_sub(fe_sq(y), kFeOne);
    const FieldElement v = fe_add(fe_mul(fe_sq(y), kFeD), kFeOne);
    const bool on_curve = is_square_mod_p(fe_mul(u, fe_invert(v)), bc.ctx);
    const std::optional<AffinePoint> p = decode_point(enc.data());
    EXPECT_EQ(p.has_value(), on_curve) << hex_encode(enc);
    if (!p) {
      ++rejected;
      continue;
    }
    // On the curve: -x^2 + y^2 = 1 + d x^2 y^2.
    const FieldElement x2 = fe_sq(p->x), y2 = fe_sq(p->y);
    EXPECT_TRUE(fe_equal(fe_sub(y2, x2), fe_add(kFeOne, fe_mul(kFeD, fe_mul(x2, y2)))));
    // Re-encoding gives back the input unless y >= p (not the case for random
    // input but for 2^-250) or x = 0.
    EXPECT_EQ(encode_affine(*p), enc);
  }
  EXPECT_GT(rejected, 100);
}

// decode_points works four at a time; every count (full groups and a short
// last one) must match decode_point, and one undecodable encoding anywhere
// makes it fail.
TEST(Ed25519Point, DecodePointsMatchesDecodePoint) {
  ensure_sodium();
  std::vector<Bytes32> encodings;
  for (int i = 0; i < 11; ++i) encodings.push_back(random_prime_order_point());
  for (const NonCanonical& c : kNonCanonical) encodings.push_back(unhex_array<32>(c.encoding));
  Bytes32 invalid = unhex_array<32>("0200000000000000000000000000000000000000000000000000000000000000");
  while (decode_point(invalid.data())) ++invalid[0];
  for (std::size_t n = 0; n <= encodings.size(); ++n) {
    std::vector<const std::uint8_t*> ptrs;
    for (std::size_t i = 0; i < n; ++i) ptrs.push_back(encodings[i].data());
    std::vector<AffinePoint> out(n);
    ASSERT_TRUE(decode_points(ptrs, out)) << n;
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(encode_affine(out[i]), encode_affine(*decode_point(ptrs[i]))) << n << " " << i;
    }
    for (std::size_t bad = 0; bad < n; ++bad) {
      std::vector<const std::uint8_t*> with_bad = ptrs;
      with_bad[bad] = invalid.data();
      EXPECT_FALSE(decode_points(with_bad, out)) << n << " bad at " << bad;
    }
  }
}

TEST(Ed25519Point, AdditionAndDoublingMatchLibsodium) {
  ensure_sodium();
  for (int i = 0; i < 50; ++i) {
    const Bytes32 pa = random_prime_order_point(), pb = random_prime_order_point();
    const Point a = decode_ok(pa), b = decode_ok(pb);
    Bytes32 want;
    ASSERT_EQ(crypto_core_ed25519_add(want.data(), pa.data(), pb.data()), 0);
    EXPECT_EQ(encode_point(point_add(a, to_cached(b))), want);
    const AffinePoint b_affine = *decode_point(pb.data());
    EXPECT_EQ(encode_point(point_add(a, to_affine_cached(b_affine))), want);
    ASSERT_EQ(crypto_core_ed25519_sub(want.data(), pa.data(), pb.data()), 0);
    EXPECT_EQ(encode_point(point_sub(a, to_cached(b))), want);
    EXPECT_EQ(encode_point(point_sub(a, to_affine_cached(b_affine))), want);
    ASSERT_EQ(crypto_core_ed25519_add(want.data(), pa.data(), pa.data()), 0);
    EXPECT_EQ(encode_point(point_double(a)), want);
    EXPECT_TRUE(point_equal(point_double(a), point_add(a, to_cached(a))));
    EXPECT_TRUE(is_identity(point_add(a, to_cached(point_negate(a)))));
  }
}

TEST(Ed25519Point, DoubleScalarMultMatchesLibsodium) {
  ensure_sodium();
  for (int i = 0; i < 20; ++i) {
    const Bytes32 pa = random_prime_order_point();
    const Scalar a = random_scalar(), b = random_scalar();
    const Bytes32 ab = scalar_to_bytes(a), bb = scalar_to_bytes(b);
    Bytes32 aA, bB, want;
    ASSERT_EQ(crypto_scalarmult_ed25519_noclamp(aA.data(), ab.data(), pa.data()), 0);
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(bB.data(), bb.data()), 0);
    ASSERT_EQ(crypto_core_ed25519_add(want.data(), aA.data(), bB.data()), 0);
    EXPECT_EQ(encode_point(double_scalar_mult_base_vartime(a, decode_ok(pa), b)), want);
    EXPECT_EQ(encode_point(scalar_mult_reference(a, decode_ok(pa))), aA);
  }
}

TEST(Ed25519Point, DoubleScalarMultHandlesTorsion) {
  // A mixed-order point: prime-order part plus an order-8 point.
  const Point t8 = decode_ok(unhex_array<32>(kSmallOrderCanonical[4]));
  const Point mixed = point_add(decode_ok(random_prime_order_point()), to_cached(t8));
  for (int i = 0; i < 10; ++i) {
    const Scalar a = random_scalar(), b = random_scalar();
    const Point want = point_add(scalar_mult_reference(a, mixed), to_cached(scalar_mult_reference(b, to_extended(basepoint()))));
    EXPECT_TRUE(point_equal(double_scalar_mult_base_vartime(a, mixed, b), want));
  }
  const Point zero = double_scalar_mult_base_vartime(Scalar{{0, 0, 0, 0}}, mixed, Scalar{{0, 0, 0, 0}});
  EXPECT_TRUE(is_identity(zero));
}

// ------------------------------------------------------------------- MSM

Point naive_msm(std::span<const Scalar> s, std::span<const AffinePoint> p) {
  Point r = point_identity();
  for (std::size_t i = 0; i < s.size(); ++i) r = point_add(r, to_cached(scalar_mult_reference(s[i], to_extended(p[i]))));
  return r;
}

struct MsmInput {
  std::vector<Scalar> scalars;
  std::vector<AffinePoint> points;
};

MsmInput random_msm_input(std::size_t n, bool short_scalars, bool with_torsion) {
  MsmInput in;
  std::mt19937_64 rng(n * 31 + (short_scalars ? 1 : 0));
  for (std::size_t i = 0; i < n; ++i) {
    Scalar s = random_scalar();
    if (short_scalars) s = Scalar{{rng(), rng(), 0, 0}};
    if (i % 17 == 5) s = Scalar{{0, 0, 0, 0}};
    in.scalars.push_back(s);
    Bytes32 enc = random_prime_order_point();
    if (with_torsion && i % 3 == 0) enc = unhex_array<32>(kSmallOrderCanonical[i % 8]);
    if (with_torsion && i % 3 == 1) enc = unhex_array<32>(kNonCanonical[i % 6].encoding);
    in.points.push_back(*decode_point(enc.data()));
  }
  return in;
}

TEST(Ed25519Msm, StrausAndPippengerAgreeWithNaive) {
  ensure_sodium();
  for (std::size_t n : {1u, 2u, 5u, 33u}) {
    for (bool short_scalars : {false, true}) {
      for (bool torsion : {false, true}) {
        const MsmInput in = random_msm_input(n, short_scalars, torsion);
        const Point want = naive_msm(in.scalars, in.points);
        EXPECT_TRUE(point_equal(straus_vartime(in.scalars, in.points), want)) << n;
        EXPECT_TRUE(point_equal(multiscalar_mult_vartime(in.scalars, in.points), want)) << n;
        for (int c = 1; c <= 12; ++c) {
          EXPECT_TRUE(point_equal(pippenger_vartime(in.scalars, in.points, c), want)) << n << " window " << c;
        }
      }
    }
  }
}

TEST(Ed25519Msm, LargeInputsAgree) {
  ensure_sodium();
  const MsmInput in = random_msm_input(700, true, true);
  const Point straus = straus_vartime(in.scalars, in.points);
  EXPECT_TRUE(point_equal(pippenger_vartime(in.scalars, in.points), straus));
  EXPECT_TRUE(point_equal(multiscalar_mult_vartime(in.scalars, in.points), straus));
}

TEST(Ed25519Msm, EmptyAndZeroGiveIdentity) {
  EXPECT_TRUE(is_identity(multiscalar_mult_vartime({}, {})));
  const std::vector<Scalar> zeros(3, Scalar{{0, 0, 0, 0}});
  const std::vector<AffinePoint> pts(3, basepoint());
  EXPECT_TRUE(is_identity(multiscalar_mult_vartime(zeros, pts)));
  EXPECT_TRUE(is_identity(pippenger_vartime(zeros, pts)));
  EXPECT_TRUE(is_identity(straus_vartime(zeros, pts)));
}

}  // namespace
}  // namespace latchkey::crypto::edwards25519
