// Behaviour of the key types, ported from upstream's types/key tests
// (machine_test.go, node_test.go, disco_test.go, nl_test.go, control_test.go,
// util_test.go) plus the parser edge cases upstream's parseHex defines.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "base/hex.h"
#include "key/challenge_key.h"
#include "key/control_key.h"
#include "key/disco_key.h"
#include "key/json.h"
#include "key/machine_key.h"
#include "key/nl_key.h"
#include "key/node_key.h"

namespace latchkey::key {
namespace {

using nlohmann::json;

constexpr const char* kPrivHex = "40ab1b58e9076c7a4d9d07291f5edf9d1aa017eb949624ba683317f48a640369";
constexpr const char* kPubHex = "50d20b455ecf12bc453f83c2cfdb2a24925d06cf2598dcaa54e91af82ce9f765";

template <std::size_t N>
ByteArray<N> fixed(std::string_view h) {
  ByteArray<N> out{};
  EXPECT_TRUE(hex_decode_into(h, out).ok());
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_clamped(const ByteArray<32>& k) { return (k[0] & 7) == 0 && (k[31] >> 6) == 1; }

// TestMachineKey
TEST(MachineKey, GeneratedKeyRoundTripsAndZeroIsZero) {
  const MachinePrivate k = MachinePrivate::generate();
  EXPECT_FALSE(k.is_zero());
  EXPECT_TRUE(is_clamped(k.raw()));
  const MachinePublic p = k.public_key();
  EXPECT_FALSE(p.is_zero());
  EXPECT_TRUE(ends_with(p.to_string(), ":" + p.untyped_hex()));
  EXPECT_EQ(MachinePublic::parse(p.to_string()).value(), p);
  EXPECT_TRUE(MachinePrivate::parse(k.to_string()).value() == k);

  const MachinePublic z;
  EXPECT_TRUE(z.is_zero());
  EXPECT_EQ(z.short_string(), "");
  EXPECT_TRUE(MachinePrivate().is_zero());
  EXPECT_TRUE(MachinePrivate().public_key().is_zero());
}

// TestMachineSerialization
TEST(MachineKey, JsonSerializationIsStable) {
  const std::string serialized = std::string(R"({"Priv":"privkey:)") + kPrivHex +
                                 R"(","Pub":"mkey:)" + kPubHex + R"("})";
  const json doc = json::parse(serialized);
  const auto priv = doc.at("Priv").get<MachinePrivate>();
  const auto pub = doc.at("Pub").get<MachinePublic>();
  EXPECT_TRUE(priv == MachinePrivate::from_raw(fixed<32>(kPrivHex)));
  EXPECT_EQ(pub, MachinePublic::from_raw(fixed<32>(kPubHex)));
  EXPECT_EQ(priv.public_key(), pub);  // the pair is a real key pair
  const json back = {{"Priv", priv}, {"Pub", pub}};
  EXPECT_EQ(back.dump(), serialized);
}

// TestNodeKey
TEST(NodeKey, GeneratedKeyRoundTripsThroughTextAndBinary) {
  const NodePrivate k = NodePrivate::generate();
  EXPECT_FALSE(k.is_zero());
  EXPECT_TRUE(is_clamped(k.raw()));
  const NodePublic p = k.public_key();
  EXPECT_FALSE(p.is_zero());
  EXPECT_TRUE(ends_with(p.to_string(), ":" + p.untyped_hex()));

  const auto bin = p.to_binary();
  EXPECT_EQ(bin[0], 'n');
  EXPECT_EQ(bin[1], 'p');
  EXPECT_TRUE(std::equal(p.raw().begin(), p.raw().end(), bin.begin() + 2));
  EXPECT_EQ(NodePublic::from_binary(bin).value(), p);
  EXPECT_TRUE(NodePrivate::parse(k.to_string()).value() == k);

  const NodePublic z;
  EXPECT_TRUE(z.is_zero());
  EXPECT_EQ(z.short_string(), "");
}

// TestNodeSerialization
TEST(NodeKey, JsonSerializationIsStable) {
  const std::string serialized = std::string(R"({"Priv":"privkey:)") + kPrivHex +
                                 R"(","Pub":"nodekey:)" + kPubHex + R"("})";
  const json doc = json::parse(serialized);
  const auto priv = doc.at("Priv").get<NodePrivate>();
  const auto pub = doc.at("Pub").get<NodePublic>();
  EXPECT_TRUE(priv == NodePrivate::from_raw(fixed<32>(kPrivHex)));
  EXPECT_EQ(pub, NodePublic::from_raw(fixed<32>(kPubHex)));
  EXPECT_EQ(priv.public_key(), pub);
  const json back = {{"Priv", priv}, {"Pub", pub}};
  EXPECT_EQ(back.dump(), serialized);
}

TEST(NodeKey, ShortStringIsFirstFiveBase64Characters) {
  // base64("P\xd2\x0bE...") = "UNILRV7P..." -> "[UNILR]".
  EXPECT_EQ(NodePublic::from_raw(fixed<32>(kPubHex)).short_string(), "[UNILR]");
  EXPECT_EQ(MachinePublic::from_raw(fixed<32>(kPubHex)).short_string(), "[UNILR]");
}

TEST(NodeKey, BinaryFormRejectsWrongPrefixBeforeLength) {
  EXPECT_EQ(NodePublic::from_binary({}).message(), "missing/incorrect type prefix np");
  EXPECT_EQ(NodePublic::from_binary(as_bytes("n")).message(), "missing/incorrect type prefix np");
  Bytes wrong(34, 0);
  wrong[0] = 'N';
  wrong[1] = 'p';
  EXPECT_EQ(NodePublic::from_binary(wrong).message(), "missing/incorrect type prefix np");
  Bytes zero_key(34, 0);
  zero_key[0] = 'n';
  zero_key[1] = 'p';
  auto r = NodePublic::from_binary(zero_key);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->is_zero());
}

// TestShard: the shard byte is spread over all 256 values (chi-squared as upstream).
TEST(NodeKey, ShardIsRoughlyUniform) {
  constexpr int kSamples = 1000;
  std::array<int, 256> counts{};
  for (int i = 0; i < kSamples; ++i) counts[NodePrivate::generate().public_key().shard()]++;
  const double expected = kSamples / 256.0;
  double x2 = 0;
  for (int c : counts) x2 += (c - expected) * (c - expected) / expected;
  EXPECT_LE(x2, 512.0);
}

TEST(NodeKey, ShardWrapsLikeUpstreamByteArithmetic) {
  ByteArray<32> raw{};
  raw[31] = 200;
  raw[30] = 100;
  raw[20] = 7;  // (200+100+7) mod 256 = 51
  raw[2] = 250;
  raw[12] = 10;  // (250+10) mod 256 = 4
  EXPECT_EQ(NodePublic::from_raw(raw).shard(), 51 ^ 4);
}

// TestDiscoKey
TEST(DiscoKey, GeneratedKeyHasPrefixAndZeroShortStringIsEmpty) {
  const DiscoPrivate k = DiscoPrivate::generate();
  EXPECT_FALSE(k.is_zero());
  EXPECT_TRUE(is_clamped(k.raw()));
  const DiscoPublic p = k.public_key();
  EXPECT_FALSE(p.is_zero());
  EXPECT_EQ(p.to_string().rfind("discokey:", 0), 0u);
  EXPECT_EQ(DiscoPublic::parse(p.to_string()).value(), p);
  EXPECT_EQ(DiscoPublic().short_string(), "");
  EXPECT_EQ(DiscoPublic::from_raw(fixed<32>(kPubHex)).short_string(), "d:50d20b455ecf12bc");
}

// TestDiscoSerialization
TEST(DiscoKey, JsonSerializationIsStable) {
  const std::string serialized = std::string(R"({"Pub":"discokey:)") + kPubHex + R"("})";
  const auto pub = json::parse(serialized).at("Pub").get<DiscoPublic>();
  EXPECT_EQ(pub, DiscoPublic::from_raw(fixed<32>(kPubHex)));
  EXPECT_EQ(json({{"Pub", pub}}).dump(), serialized);
}

// TestChallenge
TEST(ChallengeKey, PublicRoundTripsThroughText) {
  const ChallengePrivate k = ChallengePrivate::generate();
  EXPECT_FALSE(k.is_zero());
  const ChallengePublic p = k.public_key();
  EXPECT_EQ(p.to_string().rfind("chalpub:", 0), 0u);
  EXPECT_EQ(ChallengePublic::parse(p.to_string()).value(), p);
  EXPECT_EQ(ChallengePublic::parse("nodekey:" + std::string(kPubHex)).message(),
            "key hex string doesn't have expected type prefix chalpub:");
  // A challenge key's public half is computed as a node key's.
  EXPECT_EQ(p.raw(), NodePrivate::from_raw(k.raw()).public_key().raw());
}

// TestNLPrivate
TEST(NLKey, PrivateAndPublicRoundTripIncludingCliForm) {
  const NLPrivate k = NLPrivate::generate();
  EXPECT_FALSE(k.is_zero());
  EXPECT_TRUE(NLPrivate::parse(k.to_string()).value() == k);
  const NLPublic p = k.public_key();
  EXPECT_EQ(p.to_string().rfind("nlpub:", 0), 0u);
  EXPECT_EQ(p.cli_string().rfind("tlpub:", 0), 0u);
  EXPECT_EQ(NLPublic::parse(p.to_string()).value(), p);
  EXPECT_EQ(NLPublic::parse(p.cli_string()).value(), p);
  EXPECT_EQ(p.key_id(), Bytes(p.raw().begin(), p.raw().end()));
}

TEST(NLKey, ZeroPrivateHasZeroPublic) {
  EXPECT_TRUE(NLPrivate().is_zero());
  EXPECT_TRUE(NLPrivate().public_key().is_zero());
}

TEST(NLKey, PublicHalfIsTakenFromThePrivateTextAsIs) {
  // Upstream's NLPrivate.Public returns bytes 32..63 without rederiving them
  // from the seed; a mismatched pair parses and keeps its stored half.
  const std::string text = "nlpriv:" + std::string(64, '0') + kPubHex;
  auto k = NLPrivate::parse(text);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(hex_encode(k->public_key().raw()), kPubHex);
  EXPECT_EQ(k->to_string(), text);
}

TEST(NLKey, SignaturesVerifyUnderBothRuleSets) {
  const NLPrivate k = NLPrivate::from_seed(fixed<32>(kPrivHex));
  const ByteArray<32> sighash = fixed<32>(kPubHex);
  auto sig = k.sign(sighash);
  EXPECT_EQ(sig, k.sign(sighash));  // deterministic
  const NLPublic p = k.public_key();
  EXPECT_TRUE(p.verify_zip215(sighash, sig));
  EXPECT_TRUE(p.verify_go(sighash, sig));
  sig[5] ^= 0x40;
  EXPECT_FALSE(p.verify_zip215(sighash, sig));
  EXPECT_FALSE(p.verify_go(sighash, sig));
  EXPECT_FALSE(p.verify_go(sighash, ByteView(sig).first(63)));
}

// TestControlKey
TEST(ControlKey, JsonIsAnArrayOfBytes) {
  const std::string serialized =
      R"({"PrivateKey":[36,132,249,6,73,141,249,49,9,96,49,60,240,217,253,57,3,69,248,64,178,62,121,73,121,88,115,218,130,145,68,254]})";
  const auto k = json::parse(serialized).at("PrivateKey").get<ControlPrivate>();
  EXPECT_EQ(hex_encode(k.machine_key().raw()),
            "2484f906498df9310960313cf0d9fd390345f840b23e7949795873da829144fe");
  EXPECT_EQ(json({{"PrivateKey", k}}).dump(), serialized);
  EXPECT_EQ(k.public_key(), k.machine_key().public_key());
}

TEST(ControlKey, JsonArrayDecodesAsGoDecodesIntoAByteArray) {
  // Short arrays leave the rest zero; elements past the 32nd are ignored.
  auto short_key = json::parse("[1,2]").get<ControlPrivate>();
  EXPECT_EQ(short_key.machine_key().raw()[0], 1);
  EXPECT_EQ(short_key.machine_key().raw()[1], 2);
  EXPECT_EQ(short_key.machine_key().raw()[2], 0);
  json long_array = json::array();
  for (int i = 0; i < 32; ++i) long_array.push_back(i);
  long_array.push_back("ignored");
  EXPECT_EQ(long_array.get<ControlPrivate>().machine_key().raw()[31], 31);
  EXPECT_TRUE(json(nullptr).get<ControlPrivate>().is_zero());
  for (const char* bad : {"[256]", "[-1]", "[1.0]", "[1e0]", "[\"1\"]", "[true]", "\"privkey:00\"", "{}"}) {
    EXPECT_THROW((void)json::parse(bad).get<ControlPrivate>(), json::exception) << bad;
  }
}

// TestClamp25519Private / TestRand
TEST(Generation, KeysAreFreshAndClamped) {
  for (int i = 0; i < 100; ++i) {
    const auto k = NodePrivate::generate();
    ASSERT_TRUE(is_clamped(k.raw()));
  }
  EXPECT_FALSE(NodePrivate::generate() == NodePrivate::generate());
  EXPECT_FALSE(MachinePrivate::generate() == MachinePrivate::generate());
  EXPECT_FALSE(NLPrivate::generate() == NLPrivate::generate());
}

// Parser edge cases, all decided by upstream's parseHex.
TEST(TextParsing, RejectsEmptyWhitespaceWrongCasePrefixAndWrongType) {
  const std::string hex(kPubHex);
  EXPECT_EQ(NodePublic::parse("").message(), "key hex string doesn't have expected type prefix nodekey:");
  EXPECT_EQ(NodePublic::parse("nodekey").message(), "key hex string doesn't have expected type prefix nodekey:");
  EXPECT_EQ(NodePublic::parse(" nodekey:" + hex).message(),
            "key hex string doesn't have expected type prefix nodekey:");
  EXPECT_EQ(NodePublic::parse("nodekey:" + hex + " ").message(), "key hex has the wrong size, got 65 want 64");
  EXPECT_EQ(NodePublic::parse("nodekey:" + hex + "\n").message(), "key hex has the wrong size, got 65 want 64");
  EXPECT_EQ(NodePublic::parse("NODEKEY:" + hex).message(),
            "key hex string doesn't have expected type prefix nodekey:");
  EXPECT_EQ(NodePublic::parse("nodekey: " + hex.substr(1)).message(), "invalid hex character in key");
  EXPECT_EQ(NodePublic::parse("mkey:" + hex).message(), "key hex string doesn't have expected type prefix nodekey:");
  EXPECT_EQ(MachinePublic::parse("nodekey:" + hex).message(), "key hex string doesn't have expected type prefix mkey:");
  EXPECT_EQ(NodePrivate::parse("nodekey:" + hex).message(), "key hex string doesn't have expected type prefix privkey:");
  EXPECT_EQ(DiscoPublic::parse("discokey:" + hex.substr(2)).message(), "key hex has the wrong size, got 62 want 64");
  EXPECT_EQ(NLPublic::parse("").message(), "key hex string doesn't have expected type prefix tlpub:");
  EXPECT_EQ(NLPublic::parse("TLPUB:" + hex).message(), "key hex string doesn't have expected type prefix tlpub:");
  EXPECT_EQ(NLPrivate::parse("nlpriv:").message(), "key hex has the wrong size, got 0 want 128");
  // A non-ASCII byte counts as one (invalid) character.
  std::string odd = "nodekey:" + hex;
  odd[10] = static_cast<char>(0xc3);
  EXPECT_EQ(NodePublic::parse(odd).message(), "invalid hex character in key");
}

TEST(TextParsing, AcceptsZeroKeysAndEitherHexCase) {
  const std::string zeros(64, '0');
  auto z = NodePublic::parse("nodekey:" + zeros);
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(z->is_zero());
  EXPECT_EQ(z->to_string(), "nodekey:" + zeros);
  EXPECT_TRUE(MachinePrivate::parse("privkey:" + zeros).value().is_zero());
  EXPECT_TRUE(NLPublic::parse("tlpub:" + zeros).value().is_zero());
  EXPECT_TRUE(NLPrivate::parse("nlpriv:" + std::string(128, '0')).value().is_zero());

  std::string upper(kPubHex);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto mixed = DiscoPublic::parse("discokey:" + upper);
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->to_string(), "discokey:" + std::string(kPubHex));  // printed lowercase
}

TEST(TextParsing, UntypedFormsAreBareHex) {
  EXPECT_EQ(NodePublic::parse_untyped(kPubHex).value().untyped_hex(), kPubHex);
  EXPECT_EQ(MachinePublic::parse_untyped(kPubHex).value().untyped_hex(), kPubHex);
  EXPECT_EQ(NodePrivate::parse_untyped(kPrivHex).value().untyped_hex(), kPrivHex);
  EXPECT_EQ(NodePublic::parse_untyped("nodekey:" + std::string(kPubHex)).message(),
            "key hex has the wrong size, got 72 want 64");
}

TEST(KeyContainers, PublicKeysOrderBytewiseAndHash) {
  ByteArray<32> a{}, b{};
  a[0] = 0x01;
  b[0] = 0x02;
  a[31] = 0xff;  // the first differing byte decides
  const NodePublic ka = NodePublic::from_raw(a), kb = NodePublic::from_raw(b);
  EXPECT_LT(ka, kb);
  EXPECT_NE(ka, kb);
  std::set<NodePublic> ordered{kb, ka};
  EXPECT_EQ(*ordered.begin(), ka);

  std::unordered_map<NodePublic, int> by_node{{ka, 1}, {kb, 2}};
  EXPECT_EQ(by_node.at(NodePublic::from_raw(a)), 1);
  EXPECT_EQ(std::hash<NodePublic>{}(ka), std::hash<NodePublic>{}(NodePublic::from_raw(a)));
  std::unordered_set<MachinePublic> machines{MachinePublic::from_raw(a), MachinePublic::from_raw(a)};
  EXPECT_EQ(machines.size(), 1u);
  std::unordered_set<NLPublic> nl{NLPublic::from_raw(a), NLPublic::from_raw(b)};
  EXPECT_EQ(nl.size(), 2u);
  std::unordered_set<DiscoPublic> disco{DiscoPublic::from_raw(a)};
  std::unordered_set<ChallengePublic> chal{ChallengePublic::from_raw(b)};
  EXPECT_EQ(disco.count(DiscoPublic::from_raw(a)) + chal.count(ChallengePublic::from_raw(b)), 2u);
}

TEST(KeyJson, NullLeavesZeroAndBadValuesThrowWithTheParseError) {
  EXPECT_TRUE(json(nullptr).get<NodePublic>().is_zero());
  EXPECT_THROW((void)json(42).get<NodePublic>(), json::type_error);
  try {
    (void)json("nodekey:zz").get<NodePublic>();
    ADD_FAILURE() << "no exception";
  } catch (const json::exception& e) {
    EXPECT_NE(std::string(e.what()).find("key hex has the wrong size, got 2 want 64"), std::string::npos);
  }
  // NLPublic reads both prefixes and writes the nlpub: form.
  const auto nl = json("tlpub:" + std::string(kPubHex)).get<NLPublic>();
  EXPECT_EQ(json(nl).get<std::string>(), "nlpub:" + std::string(kPubHex));
  EXPECT_EQ(json(ChallengePublic::from_raw(fixed<32>(kPubHex))).get<std::string>(), "chalpub:" + std::string(kPubHex));
}

}  // namespace
}  // namespace latchkey::key
