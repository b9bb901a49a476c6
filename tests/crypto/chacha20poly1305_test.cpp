// ChaCha20-Poly1305 (chacha20poly1305.h) against RFC 8439: the section 2.8.2
// AEAD example and the appendix A.5 decryption vector; tampering with the
// tag, ciphertext or associated data is rejected; in-place operation works.
#include <sodium.h>

#include <string>

#include "crypto/chacha20poly1305.h"
#include "crypto/random.h"
#include "crypto/test_support.h"

namespace latchkey::crypto {
namespace {

using testing::unhex;
using testing::unhex_array;

constexpr std::string_view kSunscreen =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would "
    "be it.";

struct Rfc8439_282 {
  ChaChaKey key = unhex_array<32>("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  ChaChaNonce nonce = unhex_array<12>("070000004041424344454647");
  Bytes ad = unhex("50515253c0c1c2c3c4c5c6c7");
  Bytes sealed = unhex(
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b"
      "2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586ce"
      "c64b6116"
      "1ae10b594f09e26a7e902ecbd0600691");
};

TEST(ChaCha20Poly1305, Rfc8439Section282Seal) {
  const Rfc8439_282 v;
  EXPECT_EQ(hex_encode(chacha20poly1305_seal(v.key, v.nonce, v.ad, as_bytes(kSunscreen))), hex_encode(v.sealed));
  ChaCha20Poly1305 aead(v.key);
  Bytes out(kSunscreen.size() + kChaChaTagSize);
  aead.seal(v.nonce, v.ad, as_bytes(kSunscreen), out.data());
  EXPECT_EQ(out, v.sealed);
}

TEST(ChaCha20Poly1305, Rfc8439Section282Open) {
  const Rfc8439_282 v;
  Bytes plain;
  ASSERT_TRUE(chacha20poly1305_open(v.key, v.nonce, v.ad, v.sealed, plain));
  EXPECT_EQ(as_chars(plain), kSunscreen);
}

TEST(ChaCha20Poly1305, Rfc8439AppendixA5Decryption) {
  const ChaChaKey key = unhex_array<32>("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
  const ChaChaNonce nonce = unhex_array<12>("000000000102030405060708");
  const Bytes ad = unhex("f33388860000000000004e91");
  const Bytes ciphertext = unhex(
      "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b01"
      "00d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c8559797a06ef4f0ef61c186324e2b35"
      "06383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7f8"
      "3fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727"
      "627097a1049e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b");
  const Bytes tag = unhex("eead9d67890cbb22392336fea1851f38");
  Bytes sealed = ciphertext;
  sealed.insert(sealed.end(), tag.begin(), tag.end());
  Bytes plain;
  ASSERT_TRUE(chacha20poly1305_open(key, nonce, ad, sealed, plain));
  EXPECT_EQ(hex_encode(plain),
      "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f722061206d6178696d756d"
      "206f6620736978206d6f6e74687320616e64206d617920626520757064617465642c207265706c616365642c206f72206f62736f6c6574"
      "6564206279206f7468657220646f63756d656e747320617420616e792074696d652e20497420697320696e617070726f70726961746520"
      "746f2075736520496e7465726e65742d447261667473206173207265666572656e6365206d6174657269616c206f7220746f2063697465"
      "207468656d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67726573732e2fe2809d");
  EXPECT_EQ(as_chars(plain).substr(0, 28), "Internet-Drafts are draft do");
}

TEST(ChaCha20Poly1305, TamperingIsRejected) {
  const Rfc8439_282 v;
  Bytes plain;
  for (std::size_t i = 0; i < v.sealed.size(); ++i) {
    Bytes bad = v.sealed;
    bad[i] ^= 0x01;
    EXPECT_FALSE(chacha20poly1305_open(v.key, v.nonce, v.ad, bad, plain)) << "byte " << i;
  }
  Bytes bad_ad = v.ad;
  bad_ad[0] ^= 0x80;
  EXPECT_FALSE(chacha20poly1305_open(v.key, v.nonce, bad_ad, v.sealed, plain));
  EXPECT_FALSE(chacha20poly1305_open(v.key, v.nonce, {}, v.sealed, plain));
  ChaChaNonce bad_nonce = v.nonce;
  bad_nonce[11] ^= 1;
  EXPECT_FALSE(chacha20poly1305_open(v.key, bad_nonce, v.ad, v.sealed, plain));
  ChaChaKey bad_key = v.key;
  bad_key[0] ^= 1;
  EXPECT_FALSE(chacha20poly1305_open(bad_key, v.nonce, v.ad, v.sealed, plain));
  EXPECT_FALSE(chacha20poly1305_open(v.key, v.nonce, v.ad, ByteView(v.sealed).first(15), plain));
  EXPECT_FALSE(chacha20poly1305_open(v.key, v.nonce, v.ad, ByteView(v.sealed).first(v.sealed.size() - 1), plain));
}

TEST(ChaCha20Poly1305, InPlaceSealAndOpen) {
  const Rfc8439_282 v;
  ChaCha20Poly1305 aead(v.key);
  Bytes buf(kSunscreen.begin(), kSunscreen.end());
  buf.resize(kSunscreen.size() + kChaChaTagSize);
  aead.seal(v.nonce, v.ad, ByteView(buf).first(kSunscreen.size()), buf.data());
  EXPECT_EQ(buf, v.sealed);
  ASSERT_TRUE(aead.open(v.nonce, v.ad, buf, buf.data()));
  EXPECT_EQ(as_chars(ByteView(buf).first(kSunscreen.size())), kSunscreen);
}

TEST(ChaCha20Poly1305, ContextIsReusableAcrossNoncesAndFailures) {
  const Rfc8439_282 v;
  ChaCha20Poly1305 aead(v.key);
  Bytes out(v.sealed.size() - kChaChaTagSize);
  Bytes bad = v.sealed;
  bad.back() ^= 1;
  EXPECT_FALSE(aead.open(v.nonce, v.ad, bad, out.data()));
  EXPECT_TRUE(aead.open(v.nonce, v.ad, v.sealed, out.data()));
  // Empty plaintext and empty AD (a Noise handshake's EncryptAndHash of nothing).
  for (std::uint8_t n = 0; n < 3; ++n) {
    ChaChaNonce nonce{};
    nonce[11] = n;
    Bytes tag_only(kChaChaTagSize);
    aead.seal(nonce, {}, {}, tag_only.data());
    EXPECT_EQ(tag_only, chacha20poly1305_seal(v.key, nonce, {}, {}));
    EXPECT_TRUE(aead.open(nonce, {}, tag_only, nullptr));
  }
  ChaCha20Poly1305 moved = std::move(aead);
  EXPECT_TRUE(moved.open(v.nonce, v.ad, v.sealed, out.data()));
}

// libsodium's output for a message (the reference both backends must match).
Bytes sodium_sealed(const ChaChaKey& key, const ChaChaNonce& nonce, ByteView ad, ByteView plain) {
  Bytes out(plain.size() + kChaChaTagSize);
  unsigned long long len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &len, plain.data(), plain.size(), ad.data(), ad.size(),
                                            nullptr, nonce.data(), key.data());
  return out;
}

// release() gives the OpenSSL contexts back to the thread's pool; sealing and
// opening afterwards take them again and give the same bytes. A pooled
// context re-taken under another key must use that key, not the one it held.
TEST(ChaCha20Poly1305, ReleasedContextsAreRetakenWithTheRightKey) {
  ensure_sodium();
  ChaChaKey key_a, key_b;
  random_bytes(key_a);
  random_bytes(key_b);
  const Bytes ad = unhex("a1a2a3");
  Bytes plain(4077);
  random_bytes(plain);
  ChaChaNonce nonce{};
  nonce[11] = 7;
  const Bytes want_a = sodium_sealed(key_a, nonce, ad, plain);
  const Bytes want_b = sodium_sealed(key_b, nonce, ad, plain);

  ChaCha20Poly1305 a(key_a);
  EXPECT_FALSE(a.holds_contexts());  // nothing until a large message
  Bytes out(plain.size() + kChaChaTagSize);
  a.seal(nonce, ad, ByteView(plain).first(100), out.data());
  EXPECT_FALSE(a.holds_contexts());  // small messages use libsodium
  a.seal(nonce, ad, plain, out.data());
  EXPECT_TRUE(a.holds_contexts());
  EXPECT_EQ(out, want_a);
  Bytes opened(plain.size());
  ASSERT_TRUE(a.open(nonce, ad, want_a, opened.data()));
  EXPECT_EQ(opened, plain);

  const std::size_t pooled_seal = chacha_pooled_contexts(true);
  const std::size_t pooled_open = chacha_pooled_contexts(false);
  a.release();
  EXPECT_FALSE(a.holds_contexts());
  EXPECT_EQ(chacha_pooled_contexts(true), pooled_seal + 1);
  EXPECT_EQ(chacha_pooled_contexts(false), pooled_open + 1);
  a.release();  // releasing twice is harmless
  EXPECT_EQ(chacha_pooled_contexts(true), pooled_seal + 1);

  // Key B takes A's released contexts from the pool.
  ChaCha20Poly1305 b(key_b);
  std::fill(out.begin(), out.end(), 0);
  b.seal(nonce, ad, plain, out.data());
  EXPECT_EQ(chacha_pooled_contexts(true), pooled_seal);
  EXPECT_EQ(out, want_b);
  ASSERT_TRUE(b.open(nonce, ad, want_b, opened.data()));
  EXPECT_EQ(opened, plain);
  EXPECT_FALSE(b.open(nonce, ad, want_a, opened.data()));  // A's message under B's key

  // A, re-created after its release, still seals and opens under key A.
  std::fill(out.begin(), out.end(), 0);
  a.seal(nonce, ad, plain, out.data());
  EXPECT_EQ(out, want_a);
  ASSERT_TRUE(a.open(nonce, ad, want_a, opened.data()));
  EXPECT_EQ(opened, plain);
  Bytes bad = want_a;
  bad[2000] ^= 4;
  EXPECT_FALSE(a.open(nonce, ad, bad, opened.data()));

  // A move hands over the contexts; the moved-from object holds none.
  ChaCha20Poly1305 moved = std::move(a);
  EXPECT_TRUE(moved.holds_contexts());
  EXPECT_FALSE(a.holds_contexts());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  ASSERT_TRUE(moved.open(nonce, ad, want_a, opened.data()));
  moved = std::move(b);
  ASSERT_TRUE(moved.open(nonce, ad, want_b, opened.data()));
  EXPECT_EQ(opened, plain);
}

// Messages below kChaChaOpenSslThreshold go through libsodium, longer ones
// through OpenSSL: every size around the switch (and the sizes of a Noise
// transport frame) must give libsodium's reference output, open again, and
// reject a flipped tag bit, through the context, in place, and one-shot.
TEST(ChaCha20Poly1305, BothBackendsAgreeAcrossSizes) {
  ensure_sodium();
  ChaChaKey key;
  random_bytes(key);
  ChaCha20Poly1305 aead(key);
  const Bytes ad = unhex("0102030405");
  for (std::size_t n : {0u, 1u, 15u, 16u, 255u, 511u, 512u, 513u, 1000u, 4077u, 4096u}) {
    Bytes plain(n);
    random_bytes(plain);
    ChaChaNonce nonce{};
    nonce[11] = static_cast<std::uint8_t>(n);
    Bytes want(n + kChaChaTagSize);
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(want.data(), want.data() + n, nullptr, plain.data(), n,
                                                       ad.data(), ad.size(), nullptr, nonce.data(), key.data());
    EXPECT_EQ(chacha20poly1305_seal(key, nonce, ad, plain), want) << n;
    Bytes out(n + kChaChaTagSize);
    aead.seal(nonce, ad, plain, out.data());
    EXPECT_EQ(out, want) << n;
    Bytes in_place = plain;
    in_place.resize(n + kChaChaTagSize);
    aead.seal(nonce, ad, ByteView(in_place).first(n), in_place.data());
    EXPECT_EQ(in_place, want) << n;

    Bytes opened;
    ASSERT_TRUE(chacha20poly1305_open(key, nonce, ad, want, opened)) << n;
    EXPECT_EQ(opened, plain);
    ASSERT_TRUE(aead.open(nonce, ad, in_place, in_place.data())) << n;
    EXPECT_EQ(ByteView(in_place).first(n).size(), n);
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), in_place.begin())) << n;

    Bytes bad = want;
    bad.back() ^= 0x40;
    EXPECT_FALSE(chacha20poly1305_open(key, nonce, ad, bad, opened)) << n;
    EXPECT_FALSE(aead.open(nonce, ad, bad, out.data())) << n;
    if (n > 0) {
      bad = want;
      bad[n / 2] ^= 0x01;
      EXPECT_FALSE(aead.open(nonce, ad, bad, out.data())) << n;
    }
  }
}

}  // namespace
}  // namespace latchkey::crypto
