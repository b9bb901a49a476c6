// aum_codec.json: AUMs built by upstream and serialized (aums[]), and raw
// inputs fed to upstream's strict decoder (decode[]).
#include <gtest/gtest.h>

#include "base/base32.h"
#include "tka/aum.h"
#include "vector_support.h"

namespace latchkey::tka {
namespace {

using testing::json;

const json& vectors() {
  static const json v = testing::load_vectors("aum_codec.json");
  return v;
}

TEST(AumCodecVectors, HeaderLimitsMatchDecoderLimits) {
  const auto& lim = vectors().at("decoder_limits");
  EXPECT_EQ(lim.at("max_nested_levels").get<int>(), cbor::kTkaLimits.max_nested_levels);
  EXPECT_EQ(lim.at("max_array_elements").get<std::size_t>(), cbor::kTkaLimits.max_array_elements);
  EXPECT_EQ(lim.at("max_map_pairs").get<std::size_t>(), cbor::kTkaLimits.max_map_pairs);
  for (const auto& [k, v] : vectors().at("message_kinds").items()) {
    EXPECT_EQ(aum_kind_name(static_cast<AumKind>(std::stoi(k))), v.get<std::string>());
  }
}

TEST(AumCodecVectors, BuiltAumsSerializeHashAndValidateAsUpstream) {
  const auto& cases = vectors().at("aums");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Bytes cbor = testing::unhex(c.at("cbor"));
    // Encoder: the in-memory AUM serializes to upstream's bytes.
    const Aum built = testing::aum_from_view(c.at("aum"));
    EXPECT_EQ(hex_encode(built.serialize()), c.at("cbor").get<std::string>());
    EXPECT_EQ(hex_encode(built.hash().bytes), c.at("hash").get<std::string>());
    EXPECT_EQ(built.hash().to_string(), c.at("hash_base32").get<std::string>());
    EXPECT_EQ(hex_encode(built.sig_hash()), c.at("sighash").get<std::string>());
    EXPECT_EQ(testing::status_text(built.static_validate()), c.at("static_validate").get<std::string>());
    const auto parent = built.parent();
    if (c.at("parent").is_null()) {
      EXPECT_FALSE(parent.has_value());
    } else {
      ASSERT_TRUE(parent.has_value());
      EXPECT_EQ(hex_encode(parent->bytes), c.at("parent").get<std::string>());
    }
    // Decoder: upstream's bytes decode to the same AUM and re-encode.
    auto decoded = Aum::unserialize(cbor);
    ASSERT_EQ(decoded.ok() ? "ok" : decoded.message(), c.at("unserialize").get<std::string>());
    // An empty Meta or Signatures list is omitted on the wire, so it decodes
    // as absent.
    json expected_view = c.at("aum");
    for (const char* omitted : {"meta", "signatures"}) {
      if (expected_view.contains(omitted) && expected_view.at(omitted).empty()) expected_view.erase(omitted);
    }
    EXPECT_EQ(testing::aum_to_view(*decoded), expected_view);
    EXPECT_EQ(decoded->serialize() == cbor, c.at("reserialize_identical").get<bool>());
    EXPECT_EQ(decoded->serialize(), built.serialize());
    // The hash text form parses back.
    auto parsed = AumHash::from_string(c.at("hash_base32").get<std::string>());
    ASSERT_TRUE(parsed.ok()) << parsed.message();
    EXPECT_EQ(*parsed, built.hash());
  }
}

TEST(AumCodecVectors, DecoderVerdictsMatchUpstream) {
  const auto& cases = vectors().at("decode");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Bytes input = testing::unhex(c.at("input"));
    auto decoded = Aum::unserialize(input);
    if (!c.at("accepted").get<bool>()) {
      ASSERT_FALSE(decoded.ok());
      EXPECT_EQ(decoded.message(), c.at("error").get<std::string>());
      continue;
    }
    ASSERT_TRUE(decoded.ok()) << decoded.message();
    EXPECT_EQ(testing::aum_to_view(*decoded), c.at("aum"));
    const Bytes re = decoded->serialize();
    EXPECT_EQ(hex_encode(re), c.at("reserialized").get<std::string>());
    EXPECT_EQ(re == input, c.at("reserialized_identical").get<bool>());
    EXPECT_EQ(hex_encode(decoded->hash().bytes), c.at("hash").get<std::string>());
    EXPECT_EQ(hex_encode(decoded->sig_hash()), c.at("sighash").get<std::string>());
    EXPECT_EQ(testing::status_text(decoded->static_validate()), c.at("static_validate").get<std::string>());
    // The canonical re-encoding decodes to the same AUM.
    auto again = Aum::unserialize(re);
    ASSERT_TRUE(again.ok()) << again.message();
    EXPECT_EQ(again->serialize(), re);
  }
}

TEST(AumHashText, RejectsWrongLengthAndAlphabet) {
  EXPECT_FALSE(AumHash::from_string("").ok());
  EXPECT_FALSE(AumHash::from_string(std::string(51, 'A')).ok());
  EXPECT_FALSE(AumHash::from_string(std::string(53, 'A')).ok());
  EXPECT_FALSE(AumHash::from_string(std::string(51, 'A') + "1").ok());
  auto zero = AumHash::from_string(std::string(52, 'A'));
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->is_zero());
  auto wrong = AumHash::from_string("abc");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.message(), "tka.AUMHash.UnmarshalText: text wrong length: 1, want 3");
}

}  // namespace
}  // namespace latchkey::tka
