// tailcfg_tka.json: the Tailnet Lock RPC bodies as Go's encoding/json
// writes them. Every case decodes and re-encodes to the exact bytes; values
// built from the file's header encode to the same bytes without going
// through the decoder; the unmarshal cases are accepted or rejected as Go
// did.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "base/hex.h"
#include "capture_bodies.h"
#include "tailcfg/codec.h"

namespace latchkey::tailcfg {
namespace {

using nlohmann::json;

json load() {
  return json::parse(testing::read_file(std::string(LATCHKEY_TEST_DATA) + "/vectors/tailcfg_tka.json"));
}

template <class T>
Result<std::string> roundtrip(const std::string& text) {
  auto v = decode_json<T>(text);
  if (!v) return v.error();
  return encode_json(*v);
}

// Decode-then-encode for a Go type name.
Result<std::string> roundtrip_by_name(const std::string& type, const std::string& text) {
  static const std::map<std::string, std::function<Result<std::string>(const std::string&)>> kTypes = {
      {"TKAInfo", roundtrip<TkaInfo>},
      {"TKAInitBeginRequest", roundtrip<TkaInitBeginRequest>},
      {"TKASignInfo", roundtrip<TkaSignInfo>},
      {"TKAInitBeginResponse", roundtrip<TkaInitBeginResponse>},
      {"TKAInitFinishRequest", roundtrip<TkaInitFinishRequest>},
      {"TKAInitFinishResponse", roundtrip<TkaInitFinishResponse>},
      {"TKABootstrapRequest", roundtrip<TkaBootstrapRequest>},
      {"TKABootstrapResponse", roundtrip<TkaBootstrapResponse>},
      {"TKASyncOfferRequest", roundtrip<TkaSyncOfferRequest>},
      {"TKASyncOfferResponse", roundtrip<TkaSyncOfferResponse>},
      {"TKASyncSendRequest", roundtrip<TkaSyncSendRequest>},
      {"TKASyncSendResponse", roundtrip<TkaSyncSendResponse>},
      {"TKADisableRequest", roundtrip<TkaDisableRequest>},
      {"TKADisableResponse", roundtrip<TkaDisableResponse>},
      {"TKASubmitSignatureRequest", roundtrip<TkaSubmitSignatureRequest>},
      {"TKASubmitSignatureResponse", roundtrip<TkaSubmitSignatureResponse>},
      {"TKASignaturesUsingKeyRequest", roundtrip<TkaSignaturesUsingKeyRequest>},
      {"TKASignaturesUsingKeyResponse", roundtrip<TkaSignaturesUsingKeyResponse>},
  };
  auto it = kTypes.find(type);
  if (it == kTypes.end()) return Error{"test has no mapping for type " + type};
  return it->second(text);
}

Bytes unhex(const json& j) {
  auto b = hex_decode(j.get<std::string>());
  EXPECT_TRUE(b.ok());
  return b.ok() ? *b : Bytes{};
}

TEST(TkaVectors, EveryCaseRoundTrips) {
  const json doc = load();
  int n = 0;
  for (const auto& c : doc.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    ASSERT_EQ(c.at("roundtrip"), "ok");
    const std::string want = c.at("json").get<std::string>();
    auto got = roundtrip_by_name(c.at("type").get<std::string>(), want);
    ASSERT_TRUE(got.ok()) << got.message();
    EXPECT_EQ(*got, want);
    ++n;
  }
  EXPECT_GE(n, 20);
}

TEST(TkaVectors, UnmarshalCases) {
  const json doc = load();
  for (const auto& c : doc.at("unmarshal")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    auto got = roundtrip_by_name(c.at("type").get<std::string>(), c.at("input").get<std::string>());
    if (c.at("result") == "ok") {
      ASSERT_TRUE(got.ok()) << got.message();
      EXPECT_EQ(*got, c.at("remarshaled").get<std::string>());
    } else {
      EXPECT_FALSE(got.ok()) << "accepted; Go said: " << c.at("result");
    }
  }
}

// Built from the header's values, never decoded: the encoder alone must
// reproduce Go's bytes.
TEST(TkaVectors, EncodeFromValues) {
  const json doc = load();
  const json& values = doc.at("values");
  std::map<std::string, std::string> want;
  for (const auto& c : doc.at("cases")) want[c.at("name").get<std::string>()] = c.at("json").get<std::string>();

  auto node_key = key::NodePublic::parse(values.at("node_key").get<std::string>());
  ASSERT_TRUE(node_key.ok());
  const CapabilityVersion version = values.at("capability_version").get<CapabilityVersion>();

  {
    TkaInitBeginRequest r;
    r.version = version;
    r.node_key = *node_key;
    r.genesis_aum = unhex(values.at("genesis_aum"));
    EXPECT_EQ(encode_json(r), want.at("TKAInitBeginRequest"));
    EXPECT_EQ(encode_json(TkaInitBeginRequest{}), want.at("TKAInitBeginRequest-zero"));
  }
  {
    TkaInfo info;
    info.head = values.at("head").get<std::string>();
    EXPECT_EQ(encode_json(info), want.at("TKAInfo"));
    EXPECT_EQ(encode_json(TkaInfo{"", true}), want.at("TKAInfo-disabled"));
    EXPECT_EQ(encode_json(TkaInfo{}), want.at("TKAInfo-zero"));
  }
  {
    TkaBootstrapResponse r;
    r.genesis_aum = unhex(values.at("genesis_aum"));
    EXPECT_EQ(encode_json(r), want.at("TKABootstrapResponse-enable"));
    TkaBootstrapResponse d;
    d.disablement_secret = unhex(values.at("disablement_secrets")[0]);
    EXPECT_EQ(encode_json(d), want.at("TKABootstrapResponse-disable"));
    EXPECT_EQ(encode_json(TkaBootstrapResponse{}), want.at("TKABootstrapResponse-zero"));
  }
  {
    TkaSyncOfferResponse r;
    r.head = values.at("head").get<std::string>();
    r.ancestors = values.at("ancestors").get<std::vector<std::string>>();
    std::vector<Bytes> aums;
    for (const auto& a : values.at("missing_aums")) aums.push_back(unhex(a));
    r.missing_aums = aums;
    if (want.count("TKASyncOfferResponse")) {
      EXPECT_EQ(encode_json(r), want.at("TKASyncOfferResponse"));
    }
    r.missing_aums.reset();
    EXPECT_EQ(encode_json(r), want.at("TKASyncOfferResponse-nothing-missing"));
  }
  {
    TkaSubmitSignatureRequest r;
    r.version = version;
    r.node_key = *node_key;
    r.signature = unhex(values.at("signature_1"));
    EXPECT_EQ(encode_json(r), want.at("TKASubmitSignatureRequest"));
  }
  {
    TkaSignaturesUsingKeyResponse r;
    r.signatures = std::vector<Bytes>{unhex(values.at("signature_1")), unhex(values.at("signature_2"))};
    EXPECT_EQ(encode_json(r), want.at("TKASignaturesUsingKeyResponse"));
    EXPECT_EQ(encode_json(TkaSignaturesUsingKeyResponse{}), want.at("TKASignaturesUsingKeyResponse-zero"));
  }
  EXPECT_EQ(encode_json(TkaInitBeginResponse{}), want.at("TKAInitBeginResponse-zero"));
  EXPECT_EQ(encode_json(TkaDisableResponse{}), want.at("TKADisableResponse"));
}

TEST(TkaVectors, SignaturesMapKeysSortAsText) {
  TkaInitFinishRequest r;
  r.signatures = std::map<NodeId, Bytes>{{9, {1}}, {10, {2}}, {100, {3}}};
  EXPECT_EQ(encode_json(r),
            "{\"Version\":0,\"NodeKey\":\"nodekey:0000000000000000000000000000000000000000000000000000000000000000\","
            "\"Signatures\":{\"10\":\"Ag==\",\"100\":\"Aw==\",\"9\":\"AQ==\"}}");
}

}  // namespace
}  // namespace latchkey::tailcfg
