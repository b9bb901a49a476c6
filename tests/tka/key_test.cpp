// key.json: Key IDs, static validation, CBOR forms (alone and inside an
// AddKey AUM) and the disablement KDF.
#include <gtest/gtest.h>

#include "tka/aum.h"
#include "tka/key.h"
#include "tka/state.h"
#include "vector_support.h"

namespace latchkey::tka {
namespace {

using testing::json;

const json& vectors() {
  static const json v = testing::load_vectors("key.json");
  return v;
}

TEST(KeyVectors, IdValidationAndEncodingMatchUpstream) {
  const auto& cases = vectors().at("keys");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Key key = testing::key_from_view(c.at("key"));
    auto id = key.id();
    if (c.at("id").is_null()) {
      ASSERT_FALSE(id.ok());
      EXPECT_EQ(id.message(), c.at("id_error").get<std::string>());
    } else {
      ASSERT_TRUE(id.ok()) << id.message();
      EXPECT_EQ(hex_encode(*id), c.at("id").get<std::string>());
    }
    EXPECT_EQ(testing::status_text(key.static_validate()), c.at("static_validate").get<std::string>());
    EXPECT_EQ(hex_encode(key.serialize()), c.at("key_cbor").get<std::string>());

    auto decoded = Key::unserialize(testing::unhex(c.at("key_cbor")));
    ASSERT_TRUE(decoded.ok()) << decoded.message();
    EXPECT_EQ(decoded->serialize(), key.serialize());

    Aum add;
    add.kind = AumKind::AddKey;
    add.key = key;
    EXPECT_EQ(hex_encode(add.serialize()), c.at("add_key_aum_cbor").get<std::string>());
    EXPECT_EQ(testing::status_text(add.static_validate()), c.at("add_key_aum_static_validate").get<std::string>());
    auto add_decoded = Aum::unserialize(testing::unhex(c.at("add_key_aum_cbor")));
    ASSERT_TRUE(add_decoded.ok()) << add_decoded.message();
    EXPECT_EQ(testing::status_text(add_decoded->static_validate()),
              c.at("add_key_aum_static_validate").get<std::string>());
  }
}

TEST(KeyVectors, DisablementKdfMatchesUpstreamArgon2i) {
  const auto& params = vectors().at("disablement_kdf_params");
  EXPECT_EQ(params.at("algorithm"), "argon2i");
  EXPECT_EQ(params.at("threads"), 4);
  const auto& cases = vectors().at("disablement_kdf");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    EXPECT_EQ(hex_encode(disablement_kdf(testing::unhex(c.at("secret")))), c.at("value").get<std::string>());
  }
}

TEST(KeyVectors, DisablementCheckAcceptsOnlyTheSecret) {
  const auto& c = vectors().at("disablement_kdf").at(1);
  State s;
  s.disablement_values = std::vector<NullableBytes>{Bytes(32, 0x11), testing::unhex(c.at("value"))};
  EXPECT_TRUE(s.check_disablement(testing::unhex(c.at("secret"))));
  EXPECT_FALSE(s.check_disablement(Bytes{0x01, 0x02}));
  State none;
  EXPECT_FALSE(none.check_disablement(testing::unhex(c.at("secret"))));
}

TEST(Key, MetadataIsSortedCanonicallyByEncodedKey) {
  Key k;
  k.kind = KeyKind::Ed25519;
  k.votes = 1;
  k.public_key = Bytes{};
  k.meta = Metadata{{"bb", "1"}, {"a", "2"}, {"c", "3"}};
  // Shorter text keys first, then bytewise: "a", "c", "bb".
  EXPECT_EQ(hex_encode(k.serialize()), "a40101020103400ca36161613261636133626262" "6131");
}

}  // namespace
}  // namespace latchkey::tka
