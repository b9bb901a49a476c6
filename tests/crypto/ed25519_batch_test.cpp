// ZIP-215 batch verification (ed25519_verify_zip215_batch): accepts exactly
// when every item verifies singly, including the ZIP-215-only edge cases.
#include <sstream>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/ed25519_point.h"
#include "crypto/random.h"
#include "crypto/test_support.h"

namespace latchkey::crypto {
namespace {

using testing::read_json;
using testing::read_text;
using testing::unhex;

// Owns the bytes a batch points into.
struct Signed {
  Bytes pub, msg, sig;
};

std::vector<Ed25519BatchItem> items_of(const std::vector<Signed>& v) {
  std::vector<Ed25519BatchItem> items;
  for (const Signed& s : v) items.push_back({s.pub, s.msg, s.sig});
  return items;
}

// n signatures by `keys` distinct signers (round robin), messages of varied
// length.
std::vector<Signed> valid_batch(std::size_t n, std::size_t keys) {
  std::vector<Ed25519Private> signers;
  for (std::size_t k = 0; k < keys; ++k) signers.push_back(ed25519_generate());
  std::vector<Signed> out;
  for (std::size_t i = 0; i < n; ++i) {
    const Ed25519Private& priv = signers[i % keys];
    Bytes msg(i % 97);
    random_bytes(msg);
    const Ed25519Public pub = ed25519_public(priv);
    const Ed25519Signature sig = ed25519_sign(priv, msg);
    out.push_back({Bytes(pub.begin(), pub.end()), msg, Bytes(sig.begin(), sig.end())});
  }
  return out;
}

bool all_single(const std::vector<Signed>& v) {
  for (const Signed& s : v) {
    if (!ed25519_verify_zip215(s.pub, s.msg, s.sig)) return false;
  }
  return true;
}

std::vector<Signed> zip215_edge_cases() {
  std::vector<Signed> out;
  std::istringstream in(read_text("crypto/zip215.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t sp = line.find(' ');
    out.push_back({unhex(line.substr(0, sp)), Bytes{'Z', 'c', 'a', 's', 'h'}, unhex(line.substr(sp + 1))});
  }
  return out;
}

// chains.json crafted signatures with upstream's ZIP-215 verdict.
const std::vector<std::pair<Signed, bool>>& chains_crafted() {
  static const std::vector<std::pair<Signed, bool>> cases = [] {
  std::vector<std::pair<Signed, bool>> out;
  const nlohmann::json j = read_json("vectors/chains.json");
  for (const auto& chain : j.at("chains")) {
    if (!chain.contains("crafted_signature")) continue;
    const auto& c = chain.at("crafted_signature");
    out.push_back({{unhex(c.at("public").get<std::string>()), unhex(c.at("message").get<std::string>()),
                    unhex(c.at("signature").get<std::string>())},
                   c.at("zip215_valid").get<bool>()});
  }
  return out;
  }();
  return cases;
}

// s with S replaced by S + L: the same group equation, but S is no longer
// canonical, so ZIP-215 rejects it.
Signed with_s_plus_l(Signed s) {
  const Bytes l = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned v = s.sig[32 + i] + l[i] + carry;
    s.sig[32 + i] = static_cast<std::uint8_t>(v);
    carry = v >> 8;
  }
  return s;
}

TEST(Ed25519Batch, EmptyBatchIsTrue) { EXPECT_TRUE(ed25519_verify_zip215_batch({})); }

TEST(Ed25519Batch, ValidBatchesAccept) {
  for (std::size_t n : {1u, 2u, 3u, 16u, 64u, 150u, 400u}) {
    for (std::size_t keys : {std::size_t{1}, std::size_t{3}, n}) {
      const std::vector<Signed> batch = valid_batch(n, keys);
      EXPECT_TRUE(ed25519_verify_zip215_batch(items_of(batch))) << n << " signatures, " << keys << " keys";
    }
  }
}

// One bad item anywhere makes the batch fail, whatever is wrong with it.
TEST(Ed25519Batch, OneBadSignatureAnywhereRejects) {
  for (std::size_t n : {1u, 5u, 64u, 300u}) {
    const std::vector<Signed> good = valid_batch(n, 3);
    for (std::size_t pos : {std::size_t{0}, n / 2, n - 1}) {
      const auto expect_reject = [&](const char* what, auto&& spoil) {
        std::vector<Signed> batch = good;
        spoil(batch[pos]);
        ASSERT_FALSE(all_single(batch)) << what;
        EXPECT_FALSE(ed25519_verify_zip215_batch(items_of(batch))) << what << " at " << pos << " of " << n;
      };
      expect_reject("message bit", [](Signed& s) { s.msg.push_back(1); });
      expect_reject("R bit", [](Signed& s) { s.sig[5] ^= 0x20; });
      expect_reject("S bit", [](Signed& s) { s.sig[40] ^= 0x01; });
      expect_reject("S >= L", [](Signed& s) { s.sig[63] |= 0x10; });
      expect_reject("sig[63] & 0xe0", [](Signed& s) { s.sig[63] |= 0x80; });
      expect_reject("R not on the curve", [](Signed& s) {
        while (edwards25519::decode_point(s.sig.data())) ++s.sig[0];
      });
      const Bytes stranger = valid_batch(1, 1)[0].pub;
      expect_reject("other key", [&](Signed& s) { s.pub = stranger; });
      expect_reject("short signature", [](Signed& s) { s.sig.pop_back(); });
      expect_reject("short key", [](Signed& s) { s.pub.pop_back(); });
    }
  }
}

TEST(Ed25519Batch, BatchOfOneAgreesWithSingleVerification) {
  std::vector<std::pair<Signed, bool>> cases = chains_crafted();
  for (const auto& [s, valid] : chains_crafted()) cases.push_back({with_s_plus_l(s), false});
  for (const Signed& s : zip215_edge_cases()) cases.push_back({s, true});
  for (const Signed& s : valid_batch(20, 4)) {
    cases.push_back({s, true});
    Signed bad = s;
    bad.sig[10] ^= 1;
    cases.push_back({bad, false});
  }
  for (const auto& [s, want] : cases) {
    ASSERT_EQ(ed25519_verify_zip215(s.pub, s.msg, s.sig), want);
    EXPECT_EQ(ed25519_verify_zip215_batch(std::vector<Ed25519BatchItem>{{s.pub, s.msg, s.sig}}), want)
        << hex_encode(s.pub) << " " << hex_encode(s.sig);
  }
}

// ZIP-215-only-valid signatures (small-order and mixed-order keys, torsion in
// R, non-canonical encodings) are accepted in a batch exactly as singly,
// mixed with ordinary signatures; adding one that ZIP-215 rejects fails it.
TEST(Ed25519Batch, EdgeCasesBatchAsTheyVerifySingly) {
  std::vector<Signed> batch = zip215_edge_cases();
  std::vector<Signed> rejected;
  for (const auto& [s, valid] : chains_crafted()) {
    ASSERT_TRUE(valid);
    batch.push_back(s);
    rejected.push_back(with_s_plus_l(s));
    // Another message: rejected unless A and R are both of small order
    // (then the cofactored equation holds for every message).
    Signed other_message = s;
    other_message.msg[0] ^= 1;
    if (!ed25519_verify_zip215(other_message.pub, other_message.msg, other_message.sig)) {
      rejected.push_back(other_message);
    }
  }
  ASSERT_GE(rejected.size(), 20u);
  const std::vector<Signed> normal = valid_batch(100, 2);
  batch.insert(batch.end(), normal.begin(), normal.end());
  ASSERT_TRUE(all_single(batch));
  EXPECT_TRUE(ed25519_verify_zip215_batch(items_of(batch)));
  for (const Signed& bad : rejected) {
    ASSERT_FALSE(ed25519_verify_zip215(bad.pub, bad.msg, bad.sig));
    std::vector<Signed> with_bad = batch;
    with_bad.insert(with_bad.begin() + 57, bad);
    EXPECT_FALSE(ed25519_verify_zip215_batch(items_of(with_bad))) << hex_encode(bad.sig);
  }
  // Repeated calls draw fresh weights and keep agreeing.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(ed25519_verify_zip215_batch(items_of(batch)));
}

// A signature that is valid only under the cofactored equation differs from
// a valid one by a torsion point; with random weights these components could
// only cancel against each other if the batch were checked without the
// cofactor. Two such signatures together still verify.
TEST(Ed25519Batch, TorsionOnlyDifferencesStillAccept) {
  std::vector<Signed> batch;
  for (const auto& [s, valid] : chains_crafted()) {
    if (valid && !ed25519_verify(s.pub, s.msg, s.sig)) batch.push_back(s);
  }
  ASSERT_GE(batch.size(), 5u);
  EXPECT_TRUE(ed25519_verify_zip215_batch(items_of(batch)));
}

}  // namespace
}  // namespace latchkey::crypto
