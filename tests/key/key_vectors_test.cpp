// key.json vectors from upstream: text_forms[] (every text, binary and short
// form derived from a seed / scalar) and text_parse[] (what upstream's
// parsers accept and the error text when they reject).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/hex.h"
#include "key/machine_key.h"
#include "key/nl_key.h"
#include "key/node_key.h"

namespace latchkey::key {
namespace {

using nlohmann::json;

const json& vectors() {
  static const json doc = [] {
    std::ifstream in(LATCHKEY_TEST_DATA "/vectors/key.json");
    return json::parse(in);
  }();
  return doc;
}

template <std::size_t N>
ByteArray<N> fixed_hex(const json& v) {
  ByteArray<N> out{};
  EXPECT_TRUE(hex_decode_into(v.get<std::string>(), out).ok()) << v;
  return out;
}

template <class T>
std::string result_text(const Result<T>& r) {
  return r.ok() ? "ok" : r.message();
}

TEST(KeyVectors, TextFormsCoverEveryCase) {
  const json& cases = vectors().at("text_forms");
  ASSERT_GE(cases.size(), 30u);
  for (const json& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());

    // Tailnet Lock key from an Ed25519 seed.
    const NLPrivate nl = NLPrivate::from_seed(fixed_hex<32>(c.at("ed25519_seed")));
    EXPECT_EQ(hex_encode(nl.raw()), c.at("ed25519_private_key"));
    EXPECT_EQ(nl.to_string(), c.at("nlpriv"));
    const NLPublic nlpub = nl.public_key();
    EXPECT_EQ(hex_encode(nlpub.raw()), c.at("ed25519_public_key"));
    EXPECT_EQ(nlpub.to_string(), c.at("nlpub"));
    EXPECT_EQ(nlpub.cli_string(), c.at("tlpub"));
    EXPECT_EQ(hex_encode(nlpub.key_id()), c.at("key_id"));
    EXPECT_EQ(hex_encode(nl.key_id()), c.at("key_id"));
    auto nl_back = NLPrivate::parse(c.at("nlpriv").get<std::string>());
    ASSERT_TRUE(nl_back.ok()) << nl_back.message();
    EXPECT_TRUE(*nl_back == nl);
    for (const char* field : {"nlpub", "tlpub"}) {
      auto pub_back = NLPublic::parse(c.at(field).get<std::string>());
      ASSERT_TRUE(pub_back.ok()) << pub_back.message();
      EXPECT_EQ(*pub_back, nlpub);
    }

    // Node and machine keys from the same Curve25519 scalar.
    const auto scalar = fixed_hex<32>(c.at("curve25519_private_raw"));
    const NodePrivate node = NodePrivate::from_raw(scalar);
    EXPECT_EQ(node.to_string(), c.at("node_private_text"));
    const NodePublic node_pub = node.public_key();
    EXPECT_EQ(node_pub.to_string(), c.at("node_public_text"));
    EXPECT_EQ(hex_encode(node_pub.to_binary()), c.at("node_public_binary"));
    EXPECT_EQ(node_pub.short_string(), c.at("node_public_short"));
    auto node_back = NodePrivate::parse(c.at("node_private_text").get<std::string>());
    ASSERT_TRUE(node_back.ok());
    EXPECT_TRUE(*node_back == node);
    auto node_pub_back = NodePublic::parse(c.at("node_public_text").get<std::string>());
    ASSERT_TRUE(node_pub_back.ok());
    EXPECT_EQ(*node_pub_back, node_pub);
    auto node_bin_back = NodePublic::from_binary(node_pub.to_binary());
    ASSERT_TRUE(node_bin_back.ok());
    EXPECT_EQ(*node_bin_back, node_pub);

    const MachinePrivate machine = MachinePrivate::from_raw(scalar);
    EXPECT_EQ(machine.to_string(), c.at("machine_private_text"));
    const MachinePublic machine_pub = machine.public_key();
    EXPECT_EQ(machine_pub.to_string(), c.at("machine_public_text"));
    EXPECT_EQ(hex_encode(machine_pub.raw()), c.at("machine_public_raw"));
    EXPECT_EQ(machine_pub.short_string(), c.at("node_public_short"));
    auto machine_back = MachinePrivate::parse(c.at("machine_private_text").get<std::string>());
    ASSERT_TRUE(machine_back.ok());
    EXPECT_TRUE(*machine_back == machine);
    auto machine_pub_back = MachinePublic::parse(c.at("machine_public_text").get<std::string>());
    ASSERT_TRUE(machine_pub_back.ok());
    EXPECT_EQ(*machine_pub_back, machine_pub);
  }
}

TEST(KeyVectors, TextParseCoversEveryCase) {
  const json& cases = vectors().at("text_parse");
  ASSERT_GE(cases.size(), 20u);
  for (const json& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string type = c.at("type");
    const std::string want = c.at("result");
    if (type == "NLPublic") {
      auto r = NLPublic::parse(c.at("input").get<std::string>());
      EXPECT_EQ(result_text(r), want);
      if (r.ok()) {
        EXPECT_EQ(hex_encode(r->key_id()), c.at("key_id"));
        EXPECT_EQ(NLPublic::parse(r->to_string()).value(), *r);
      }
    } else if (type == "NLPrivate") {
      auto r = NLPrivate::parse(c.at("input").get<std::string>());
      EXPECT_EQ(result_text(r), want);
      if (r.ok()) {
        EXPECT_EQ(hex_encode(r->public_key().key_id()), c.at("public_key_id"));
        EXPECT_TRUE(NLPrivate::parse(r->to_string()).value() == *r);
      }
    } else if (type == "NodePublic") {
      auto r = NodePublic::parse(c.at("input").get<std::string>());
      EXPECT_EQ(result_text(r), want);
      if (r.ok()) {
        EXPECT_EQ(hex_encode(r->to_binary()), c.at("binary"));
        EXPECT_EQ(NodePublic::parse(r->to_string()).value(), *r);
      }
    } else if (type == "MachinePublic") {
      auto r = MachinePublic::parse(c.at("input").get<std::string>());
      EXPECT_EQ(result_text(r), want);
      if (r.ok()) {
        EXPECT_EQ(hex_encode(r->raw()), c.at("raw"));
        EXPECT_EQ(MachinePublic::parse(r->to_string()).value(), *r);
      }
    } else if (type == "NodePublic.UnmarshalBinary") {
      Bytes input;
      if (c.contains("input_hex")) {
        input = hex_decode(c.at("input_hex").get<std::string>()).value();
      } else {
        const std::string s = c.at("input");
        input.assign(s.begin(), s.end());
      }
      auto r = NodePublic::from_binary(input);
      EXPECT_EQ(result_text(r), want);
      if (r.ok()) {
        EXPECT_EQ(r->to_string(), c.at("text"));
        const auto bin = r->to_binary();
        EXPECT_EQ(Bytes(bin.begin(), bin.end()), input);
      }
    } else {
      ADD_FAILURE() << "unknown text_parse type " << type;
    }
  }
}

}  // namespace
}  // namespace latchkey::key
