// The single verifiers' fast path (key cache + double-base multiplication,
// ed25519_double_base.h, ed25519_key_cache.h) against the exact-rule
// reference functions (ed25519_verify_exact / _zip215_exact, which decode
// A afresh and use the generic double_scalar_mult_base_vartime): the same
// verdicts over many random valid and corrupted signatures and over the
// edge-case encodings (small- and mixed-order A and R, non-canonical y,
// S >= L); the base-point table and the multiplication against libsodium;
// and the key cache under concurrent use, eviction and near-identical keys.
#include <sodium.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/ed25519_double_base.h"
#include "crypto/ed25519_key_cache.h"
#include "crypto/random.h"
#include "crypto/test_support.h"

namespace latchkey::crypto {
namespace {

namespace ed = edwards25519;
using testing::unhex_array;

// Fast and exact agree for both rules; returns the two verdicts (Go, ZIP-215).
std::pair<bool, bool> expect_agreement(ByteView pub, ByteView msg, ByteView sig, const std::string& what) {
  const bool go = ed25519_verify(pub, msg, sig);
  const bool zip = ed25519_verify_zip215(pub, msg, sig);
  EXPECT_EQ(go, ed25519_verify_exact(pub, msg, sig)) << what << " (Go rule)";
  EXPECT_EQ(zip, ed25519_verify_zip215_exact(pub, msg, sig)) << what << " (ZIP-215)";
  EXPECT_TRUE(!go || zip) << what << ": Go accepted what ZIP-215 rejects";
  return {go, zip};
}

// The 8 torsion points (canonical) via libsodium, jT for T of order 8.
std::vector<ByteArray<32>> torsion() {
  ensure_sodium();
  const ByteArray<32> t = unhex_array<32>("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05");
  std::vector<ByteArray<32>> m(8);
  m[0] = unhex_array<32>("0100000000000000000000000000000000000000000000000000000000000000");
  m[1] = t;
  for (std::size_t j = 2; j < 8; ++j) EXPECT_EQ(crypto_core_ed25519_add(m[j].data(), m[j - 1].data(), t.data()), 0);
  return m;
}

// Encodings the lenient decoder accepts but libsodium would not: the 14
// small-order encodings (canonical and not) and y + p for small y with
// either sign bit (only those with a curve point decode; the rest are
// rejected by both paths, which is also compared).
std::vector<ByteArray<32>> edge_encodings() {
  std::vector<ByteArray<32>> out = torsion();
  for (unsigned y = 0; y < 19; ++y) {
    // p + y = 2^255 - 19 + y: low byte 0xed + y, then 0xff..., top 0x7f.
    ByteArray<32> e;
    e.fill(0xff);
    e[0] = static_cast<std::uint8_t>(0xed + y);
    e[31] = 0x7f;
    out.push_back(e);
    e[31] = 0xff;
    out.push_back(e);
    ByteArray<32> small{};
    small[0] = static_cast<std::uint8_t>(y);
    small[31] = 0x80;  // x = 0 with the sign bit set when y = +-1
    out.push_back(small);
  }
  return out;
}

struct Signed {
  ByteArray<32> pub;
  Bytes msg;
  ByteArray<64> sig;
};

// A signature made by hand so A and R can carry torsion: A = aB + T_a,
// R = rB + T_r, k = H(R || A || M), S = r + k a. [S]B - [k]A = rB - [k]T_a,
// so ZIP-215 always accepts, Go only when rB - [k]T_a encodes to R.
Signed torsioned(const std::vector<ByteArray<32>>& t, std::size_t ta, std::size_t tr, std::size_t msg_len) {
  std::uint8_t a[32], r[32], ab[32], rb[32];
  crypto_core_ed25519_scalar_random(a);
  crypto_core_ed25519_scalar_random(r);
  EXPECT_EQ(crypto_scalarmult_ed25519_base_noclamp(ab, a), 0);
  EXPECT_EQ(crypto_scalarmult_ed25519_base_noclamp(rb, r), 0);
  Signed s;
  s.msg.resize(msg_len);
  random_bytes(s.msg);
  EXPECT_EQ(crypto_core_ed25519_add(s.pub.data(), ab, t[ta].data()), 0);
  EXPECT_EQ(crypto_core_ed25519_add(s.sig.data(), rb, t[tr].data()), 0);
  crypto_hash_sha512_state st;
  std::uint8_t digest[64], k[32], ka[32];
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, s.sig.data(), 32);
  crypto_hash_sha512_update(&st, s.pub.data(), 32);
  crypto_hash_sha512_update(&st, s.msg.data(), s.msg.size());
  crypto_hash_sha512_final(&st, digest);
  crypto_core_ed25519_scalar_reduce(k, digest);
  crypto_core_ed25519_scalar_mul(ka, k, a);
  crypto_core_ed25519_scalar_add(s.sig.data() + 32, r, ka);
  return s;
}

TEST(Ed25519FastPath, RandomValidAndCorruptedSignaturesAgreeWithExact) {
  for (int i = 0; i < 300; ++i) {
    const Ed25519Private priv = ed25519_generate();
    Bytes msg(static_cast<std::size_t>(i % 97));
    random_bytes(msg);
    const Ed25519Public pub = ed25519_public(priv);
    const Ed25519Signature sig = ed25519_sign(priv, msg);
    const std::string what = "random " + std::to_string(i);
    EXPECT_EQ(expect_agreement(pub, msg, sig, what), std::make_pair(true, true)) << what;

    std::uint8_t pick[4];
    random_bytes(pick);
    Ed25519Signature bad_sig = sig;
    bad_sig[pick[0] % 64] ^= static_cast<std::uint8_t>(1u << (pick[1] % 8));
    EXPECT_EQ(expect_agreement(pub, msg, bad_sig, what + " sig bit"), std::make_pair(false, false));
    Ed25519Public bad_pub = pub;
    bad_pub[pick[2] % 32] ^= static_cast<std::uint8_t>(1u << (pick[3] % 8));
    expect_agreement(bad_pub, msg, sig, what + " key bit");  // a flipped key may decode to any point
    Bytes bad_msg = msg;
    bad_msg.push_back(pick[0]);
    EXPECT_EQ(expect_agreement(pub, bad_msg, sig, what + " message"), std::make_pair(false, false));
    Ed25519Signature random_sig;
    random_bytes(random_sig);
    random_sig[63] &= 0x0f;
    expect_agreement(pub, msg, random_sig, what + " random signature");
  }
}

TEST(Ed25519FastPath, TorsionedKeysAndNoncesAgreeWithExact) {
  const std::vector<ByteArray<32>> t = torsion();
  int go_accepts = 0, go_rejects = 0;
  for (std::size_t ta = 0; ta < 8; ++ta) {
    for (std::size_t tr = 0; tr < 8; ++tr) {
      for (int rep = 0; rep < 3; ++rep) {
        const Signed s = torsioned(t, ta, tr, 32);
        const std::string what = "A+" + std::to_string(ta) + "T, R+" + std::to_string(tr) + "T #" + std::to_string(rep);
        const auto [go, zip] = expect_agreement(s.pub, s.msg, s.sig, what);
        EXPECT_TRUE(zip) << what;
        (go ? go_accepts : go_rejects)++;
        if (ta == 0) {
          EXPECT_EQ(go, tr == 0) << what;  // torsion only on R: R' = rB differs from R
        }
      }
    }
  }
  // Both outcomes of the Go rule occur (k T_a vanishes for some k only).
  EXPECT_GT(go_accepts, 0);
  EXPECT_GT(go_rejects, 0);
}

TEST(Ed25519FastPath, EdgeEncodingsOfAAndRAgreeWithExact) {
  const std::vector<ByteArray<32>> edges = edge_encodings();
  const Ed25519Private priv = ed25519_generate();
  const Ed25519Public real_pub = ed25519_public(priv);
  Bytes msg(32);
  random_bytes(msg);
  const Ed25519Signature real_sig = ed25519_sign(priv, msg);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    for (std::size_t j = 0; j < edges.size(); j += 3) {
      ByteArray<64> sig{};
      std::memcpy(sig.data(), edges[j].data(), 32);
      // S = 0, a random canonical S, and the real signature's S.
      expect_agreement(edges[i], msg, sig, "edge A/R, S = 0: " + std::to_string(i) + "/" + std::to_string(j));
      crypto_core_ed25519_scalar_random(sig.data() + 32);
      expect_agreement(edges[i], msg, sig, "edge A/R, random S: " + std::to_string(i) + "/" + std::to_string(j));
    }
    ByteArray<64> sig;
    std::memcpy(sig.data(), real_sig.data(), 64);
    expect_agreement(edges[i], msg, sig, "edge A, real signature " + std::to_string(i));
    std::memcpy(sig.data(), edges[i].data(), 32);
    expect_agreement(real_pub, msg, sig, "real key, edge R " + std::to_string(i));
  }
}

TEST(Ed25519FastPath, NonCanonicalSIsRejectedByBoth) {
  const std::vector<ByteArray<32>> t = torsion();
  const Signed s = torsioned(t, 0, 0, 32);
  const ByteArray<32> l = unhex_array<32>("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  // S + L (the same value mod L), S = L, S = 2^253 - 1 (passes the top-bit
  // check, >= L), and S with a high bit set.
  ByteArray<64> plus_l = s.sig;
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned v = plus_l[32 + i] + l[i] + carry;
    plus_l[32 + i] = static_cast<std::uint8_t>(v);
    carry = v >> 8;
  }
  ASSERT_EQ(carry, 0u);
  EXPECT_EQ(expect_agreement(s.pub, s.msg, plus_l, "S + L"), std::make_pair(false, false));
  ByteArray<64> equal_l = s.sig;
  std::memcpy(equal_l.data() + 32, l.data(), 32);
  EXPECT_EQ(expect_agreement(s.pub, s.msg, equal_l, "S = L"), std::make_pair(false, false));
  ByteArray<64> big = s.sig;
  std::memset(big.data() + 32, 0xff, 32);
  big[63] = 0x1f;
  EXPECT_EQ(expect_agreement(s.pub, s.msg, big, "S = 2^253 - 1"), std::make_pair(false, false));
  ByteArray<64> high = s.sig;
  high[63] |= 0x80;
  EXPECT_EQ(expect_agreement(s.pub, s.msg, high, "S with bit 255"), std::make_pair(false, false));
}

// The double-base result against libsodium's own scalar multiplications.
TEST(Ed25519FastPath, BaseMultMinusMatchesLibsodium) {
  ensure_sodium();
  for (int i = 0; i < 50; ++i) {
    std::uint8_t s[32], k[32], a_scalar[32], a_enc[32], sb[32], ka[32], expected[32];
    crypto_core_ed25519_scalar_random(s);
    crypto_core_ed25519_scalar_random(k);
    crypto_core_ed25519_scalar_random(a_scalar);
    if (i == 0) std::memset(s, 0, 32);
    if (i == 1) std::memset(k, 0, 32);
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(a_enc, a_scalar), 0);
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(sb, s), i == 0 ? -1 : 0);  // [0]B is refused
    if (i == 0) std::memcpy(sb, unhex_array<32>("01" + std::string(62, '0')).data(), 32);
    std::uint8_t kk[32];
    crypto_core_ed25519_scalar_mul(kk, k, a_scalar);
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(ka, kk), i == 1 ? -1 : 0);
    if (i == 1) {
      std::memcpy(expected, sb, 32);
    } else {
      ASSERT_EQ(crypto_core_ed25519_sub(expected, sb, ka), 0);
    }
    const std::optional<ed::AffinePoint> a = ed::decode_point(a_enc);
    ASSERT_TRUE(a);
    const ed::Point narrow = ed::base_mult_minus_vartime(ed::scalar_from_bytes(s), ed::scalar_from_bytes(k),
                                                         ed::odd_multiples_of(*a));
    const ed::Point wide = ed::base_mult_minus_vartime(ed::scalar_from_bytes(s), ed::scalar_from_bytes(k),
                                                       ed::wide_odd_multiples_of(*a));
    EXPECT_EQ(0, std::memcmp(ed::encode_point(narrow).data(), expected, 32)) << "case " << i << " (width 5)";
    EXPECT_EQ(0, std::memcmp(ed::encode_point(wide).data(), expected, 32)) << "case " << i << " (width 7)";
  }
}

TEST(Ed25519FastPath, BasepointTableHoldsTheOddMultiples) {
  const auto& table = ed::basepoint_odd_multiples();
  const ed::Point b = ed::to_extended(ed::basepoint());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const ed::Scalar m{{2 * i + 1, 0, 0, 0}};
    const ed::Point expected = ed::scalar_mult_reference(m, b);
    const ed::Point got = ed::point_add(ed::point_identity(), table[i]);
    EXPECT_TRUE(ed::point_equal(got, expected)) << (2 * i + 1) << "B";
  }
}

// ------------------------------------------------------------------ cache

Signed fresh_signed(std::size_t msg_len = 32) {
  const Ed25519Private priv = ed25519_generate();
  Signed s;
  const Ed25519Public pub = ed25519_public(priv);
  std::memcpy(s.pub.data(), pub.data(), 32);
  s.msg.resize(msg_len);
  random_bytes(s.msg);
  const Ed25519Signature sig = ed25519_sign(priv, s.msg);
  std::memcpy(s.sig.data(), sig.data(), 64);
  return s;
}

TEST(Ed25519KeyCache, EvictsTheLeastRecentlyUsedKey) {
  ed::DecodedKeyCache cache(4);
  std::vector<Signed> keys;
  for (int i = 0; i < 5; ++i) keys.push_back(fresh_signed());
  for (int i = 0; i < 4; ++i) ASSERT_NE(cache.get(keys[static_cast<std::size_t>(i)].pub.data()), nullptr);
  EXPECT_EQ(cache.size(), 4u);
  ASSERT_NE(cache.get(keys[0].pub.data()), nullptr);  // key 0 is now the most recent; key 1 the least
  ASSERT_NE(cache.get(keys[4].pub.data()), nullptr);
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_TRUE(cache.contains(keys[0].pub.data()));
  EXPECT_FALSE(cache.contains(keys[1].pub.data()));
  EXPECT_TRUE(cache.contains(keys[2].pub.data()));
  EXPECT_TRUE(cache.contains(keys[4].pub.data()));
  // An evicted key is decoded again, equal in value.
  const auto again = cache.get(keys[1].pub.data());
  ASSERT_NE(again, nullptr);
  const auto direct = ed::decode_point(keys[1].pub.data());
  EXPECT_TRUE(ed::point_equal(ed::to_extended(again->point), ed::to_extended(*direct)));
  EXPECT_EQ(cache.size(), 4u);
}

TEST(Ed25519KeyCache, TheSecondUseBuildsTheWideTable) {
  ed::DecodedKeyCache cache(4);
  const Signed s = fresh_signed();
  const auto once = cache.get(s.pub.data());
  ASSERT_NE(once, nullptr);
  EXPECT_FALSE(once->wide);
  const auto twice = cache.get(s.pub.data());
  ASSERT_NE(twice, nullptr);
  ASSERT_TRUE(twice->wide);
  EXPECT_EQ(cache.get(s.pub.data()), twice);  // from now on the same entry
  EXPECT_EQ(cache.size(), 1u);
  // Both tables hold A's odd multiples: 1A..15A and 1A..63A.
  const ed::Point a = ed::to_extended(twice->point);
  for (std::size_t i = 0; i < twice->wide->p.size(); ++i) {
    const ed::Point expected = ed::scalar_mult_reference(ed::Scalar{{2 * i + 1, 0, 0, 0}}, a);
    EXPECT_TRUE(ed::point_equal(ed::point_add(ed::point_identity(), twice->wide->p[i]), expected)) << i;
    if (i < twice->multiples.p.size()) {
      EXPECT_TRUE(ed::point_equal(ed::point_add(ed::point_identity(), twice->multiples.p[i]), expected)) << i;
    }
  }
}

TEST(Ed25519KeyCache, BytesThatAreNoPointAreNotCached) {
  ed::DecodedKeyCache cache(4);
  // y = 2 has no x on the curve (checked against the decoder).
  ByteArray<32> bad{};
  bad[0] = 2;
  ASSERT_FALSE(ed::decode_point(bad.data()));
  EXPECT_EQ(cache.get(bad.data()), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.contains(bad.data()));
}

TEST(Ed25519KeyCache, KeysDifferingInOneBitAreSeparateEntries) {
  const Signed s = fresh_signed();
  EXPECT_TRUE(ed25519_verify_zip215(s.pub, s.msg, s.sig));  // now cached
  int decodable = 0;
  for (std::size_t bit = 0; bit < 256; ++bit) {
    ByteArray<32> other = s.pub;
    other[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const auto [go, zip] = expect_agreement(other, s.msg, s.sig, "key bit " + std::to_string(bit));
    if (bit == 255) continue;  // the sign bit: -A, still a valid point, still wrong
    EXPECT_FALSE(zip) << bit;
    EXPECT_FALSE(go) << bit;
    decodable += ed::decode_point(other.data()) ? 1 : 0;
  }
  EXPECT_GT(decodable, 50);
  // The original key still verifies after its neighbours went through the cache.
  EXPECT_TRUE(ed25519_verify(s.pub, s.msg, s.sig));
  EXPECT_TRUE(ed25519_verify_zip215(s.pub, s.msg, s.sig));
}

TEST(Ed25519KeyCache, ManyKeysThroughTheProcessCacheStayCorrect) {
  // More keys than the process-wide cache holds, verified twice in order,
  // so the second pass evicts and re-decodes.
  const std::size_t n = ed::verifier_key_cache().capacity() + 20;
  std::vector<Signed> all;
  for (std::size_t i = 0; i < n; ++i) all.push_back(fresh_signed(i % 50));
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_TRUE(ed25519_verify(all[i].pub, all[i].msg, all[i].sig)) << i;
      EXPECT_TRUE(ed25519_verify_zip215(all[i].pub, all[i].msg, all[i].sig)) << i;
      // Another key's signature must not verify under this key.
      const Signed& other = all[(i + 1) % n];
      EXPECT_FALSE(ed25519_verify_zip215(all[i].pub, other.msg, other.sig)) << i;
    }
  }
  EXPECT_LE(ed::verifier_key_cache().size(), ed::verifier_key_cache().capacity());
}

TEST(Ed25519KeyCache, ConcurrentUseOfOneKeyAndOfManyKeys) {
  const Signed shared = fresh_signed();
  std::vector<Signed> own;
  for (int i = 0; i < 80; ++i) own.push_back(fresh_signed());
  ed::DecodedKeyCache small(8);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        const Signed& mine = own[static_cast<std::size_t>((t * 13 + i) % 80)];
        if (!ed25519_verify_zip215(shared.pub, shared.msg, shared.sig)) ++wrong;
        if (!ed25519_verify(mine.pub, mine.msg, mine.sig)) ++wrong;
        if (ed25519_verify(shared.pub, mine.msg, mine.sig)) ++wrong;
        const auto entry = small.get(i % 2 == 0 ? shared.pub.data() : mine.pub.data());
        if (entry == nullptr || small.size() > small.capacity()) ++wrong;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(small.size(), 8u);
}

}  // namespace
}  // namespace latchkey::crypto
