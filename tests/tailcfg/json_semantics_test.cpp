// Go encoding/json behaviour the codec reproduces: string escaping and
// float forms on output; on input, unknown and case-folded member names,
// null handling (a null DERP region dropped), duplicate members, strict
// number rules, UTF-8 repair, type errors naming the field, and the size
// and depth bounds.
#include <gtest/gtest.h>

#include <string>

#include "tailcfg/codec.h"

namespace latchkey::tailcfg {
namespace {

std::string go_string(std::string_view s) {
  std::string out;
  append_go_json_string(out, s);
  return out;
}

std::string go_float(double v) {
  std::string out;
  append_go_json_float(out, v);
  return out;
}

TEST(JsonEncode, StringsEscapeLikeGo) {
  EXPECT_EQ(go_string("plain"), "\"plain\"");
  EXPECT_EQ(go_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(go_string("<a&b>"), "\"\\u003ca\\u0026b\\u003e\"");
  EXPECT_EQ(go_string("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(go_string(std::string("\x00\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(go_string("\x7f"), "\"\x7f\"");
  EXPECT_EQ(go_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(go_string("\xe2\x80\xa8\xe2\x80\xa9"), "\"\\u2028\\u2029\"");
  // Invalid UTF-8: each bad byte becomes \ufffd.
  EXPECT_EQ(go_string("a\xff" "b"), "\"a\\ufffdb\"");
  EXPECT_EQ(go_string("\xe2\x82"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(go_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
  EXPECT_EQ(go_string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");              // overlong
}

TEST(JsonEncode, FloatsLikeGo) {
  EXPECT_EQ(go_float(0), "0");
  EXPECT_EQ(go_float(-0.0), "-0");
  EXPECT_EQ(go_float(1.5), "1.5");
  EXPECT_EQ(go_float(12.345), "12.345");
  EXPECT_EQ(go_float(0.1), "0.1");
  EXPECT_EQ(go_float(123456789), "123456789");
  EXPECT_EQ(go_float(1e20), "100000000000000000000");
  EXPECT_EQ(go_float(1e21), "1e+21");
  EXPECT_EQ(go_float(0.000001), "0.000001");
  EXPECT_EQ(go_float(1e-7), "1e-7");
  EXPECT_EQ(go_float(1.25e-10), "1.25e-10");
  EXPECT_EQ(go_float(-3.5e300), "-3.5e+300");
}

TEST(JsonEncode, CompactsRawJsonWithHtmlEscaping) {
  std::string out;
  append_go_json_compact(out, "{ \"a\" : [1, 2 ,\"x <y> & z\"],\n \"b\":\"\xe2\x80\xa8\" }");
  EXPECT_EQ(out, "{\"a\":[1,2,\"x \\u003cy\\u003e \\u0026 z\"],\"b\":\"\\u2028\"}");
}

TEST(JsonEncode, HostinfoOmitsEverythingUnset) {
  EXPECT_EQ(encode_json(Hostinfo{}), "{}");
  Hostinfo h;
  h.net_info = NetInfo{};
  h.net_info->derp_latency["1-v4"] = 0.0123;
  h.request_tags = {"tag:server"};
  h.ssh_host_keys = {"ssh-ed25519 AAAA"};
  h.userspace = OptBool::Unset;
  EXPECT_EQ(encode_json(h),
            "{\"RequestTags\":[\"tag:server\"],\"NetInfo\":{\"DERPLatency\":{\"1-v4\":0.0123}},"
            "\"sshHostKeys\":[\"ssh-ed25519 AAAA\"],\"Userspace\":null}");
}

TEST(JsonEncode, NodeNilVersusEmptyLists) {
  Node n;
  std::string zero = encode_json(n);
  EXPECT_NE(zero.find("\"Addresses\":null"), std::string::npos);
  EXPECT_EQ(zero.find("AllowedIPs"), std::string::npos);
  n.addresses = std::vector<IpPrefix>{};
  n.allowed_ips = std::vector<IpPrefix>{};
  std::string empty = encode_json(n);
  EXPECT_NE(empty.find("\"Addresses\":[]"), std::string::npos);
  EXPECT_NE(empty.find("\"AllowedIPs\":[]"), std::string::npos);
  n.online = false;
  n.last_seen = GoTime{};
  std::string with_ptrs = encode_json(n);
  EXPECT_NE(with_ptrs.find("\"LastSeen\":\"0001-01-01T00:00:00Z\",\"Online\":false"), std::string::npos);
}

TEST(JsonDecode, UnknownFieldsIgnoredAndNamesFoldCase) {
  auto r = decode_json<MapRequest>(
      R"({"version":145,"NEWFIELD":{"deep":[1,2,{"x":null}]},"stream":true,"Compress":"zstd","OMITPEERS":true})");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->version, 145);
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->omit_peers);
  EXPECT_EQ(r->compress, "zstd");
}

TEST(JsonDecode, NullSemantics) {
  auto r = decode_json<MapRequest>(
      R"({"Version":7,"Version":null,"Hostinfo":{"OS":"linux"},"Endpoints":["1.2.3.4:5"],"Endpoints":null})");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->version, 7);  // null leaves a number unchanged
  ASSERT_TRUE(r->hostinfo.has_value());
  EXPECT_TRUE(r->endpoints.empty());  // null resets a slice

  auto h = decode_json<MapRequest>(R"({"Hostinfo":{"OS":"linux"},"Hostinfo":null})");
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->hostinfo.has_value());  // null resets a pointer

  auto top = decode_json<RegisterRequest>("null");
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(*top, RegisterRequest{});

  auto ob = decode_json<Hostinfo>(R"({"Container":null,"Desktop":true})");
  ASSERT_TRUE(ob.ok());
  EXPECT_EQ(ob->container, OptBool::Unset);
  EXPECT_EQ(ob->desktop, OptBool::True);
  EXPECT_EQ(encode_json(*ob), "{\"Container\":null,\"Desktop\":true}");
}

TEST(JsonDecode, DuplicateMembersMergeLikeGo) {
  auto r = decode_json<MapRequest>(R"({"Hostinfo":{"OS":"linux"},"Hostinfo":{"Hostname":"h"}})");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->hostinfo.has_value());
  EXPECT_EQ(r->hostinfo->os, "linux");  // the pointee is reused
  EXPECT_EQ(r->hostinfo->hostname, "h");
  // Node.Hostinfo is a HostinfoView: a second one is an error upstream.
  EXPECT_FALSE(decode_json<Node>(R"({"Hostinfo":{},"Hostinfo":{}})").ok());
  auto n = decode_json<Node>(R"({"Hostinfo":null})");
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->hostinfo.has_value());
}

TEST(JsonDecode, NullDerpRegionIsDropped) {
  // Headscale sends a null region; Go decodes it as a nil *DERPRegion that
  // upstream skips.
  auto m = decode_json<DerpMap>(R"({"Regions":{"900":null,"1":{"RegionID":1,"RegionCode":"a"}}})");
  ASSERT_TRUE(m.ok()) << m.message();
  ASSERT_EQ(m->regions.size(), 1u);
  EXPECT_EQ(m->regions.at(1).region_code, "a");
  EXPECT_EQ(encode_json(*m), encode_json(*decode_json<DerpMap>(R"({"Regions":{"1":{"RegionID":1,"RegionCode":"a"}}})")));
  // A later null entry wins over an earlier region of the same ID.
  auto later = decode_json<DerpMap>(R"({"Regions":{"900":{"RegionID":900},"900":null}})");
  ASSERT_TRUE(later.ok()) << later.message();
  EXPECT_TRUE(later->regions.empty());
  auto r = decode_json<MapResponse>(R"({"DERPMap":{"Regions":{"900":null}}})");
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_TRUE(r->derp_map.has_value());
  EXPECT_TRUE(r->derp_map->regions.empty());
}

TEST(JsonDecode, NumbersFollowGoRules) {
  EXPECT_TRUE(decode_json<MapRequest>(R"({"Version":-0})").ok());
  EXPECT_FALSE(decode_json<MapRequest>(R"({"Version":1.0})").ok());
  EXPECT_FALSE(decode_json<MapRequest>(R"({"Version":1e2})").ok());
  EXPECT_FALSE(decode_json<MapRequest>(R"({"Version":"145"})").ok());
  EXPECT_FALSE(decode_json<MapRequest>(R"({"Version":9223372036854775808})").ok());
  EXPECT_TRUE(decode_json<FilterRule>(R"({"DstPorts":[{"Ports":{"First":0,"Last":65535}}]})").ok());
  EXPECT_FALSE(decode_json<FilterRule>(R"({"DstPorts":[{"Ports":{"First":0,"Last":65536}}]})").ok());
  EXPECT_FALSE(decode_json<FilterRule>(R"({"DstPorts":[{"Ports":{"First":-1,"Last":1}}]})").ok());
  auto loc = decode_json<Hostinfo>(R"({"Location":{"Latitude":1e2,"Longitude":-12.5}})");
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(loc->location->latitude, 100.0);
}

TEST(JsonDecode, TypeErrorsNameTheField) {
  auto r = decode_json<MapRequest>(R"({"Hostinfo":{"OS":5}})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("MapRequest.Hostinfo.OS"), std::string::npos) << r.message();
  auto e = decode_json<MapRequest>(R"({"Endpoints":["1.2.3.4:5","nope"]})");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.message().find("MapRequest.Endpoints[1]"), std::string::npos) << e.message();
  EXPECT_FALSE(decode_json<MapRequest>(R"({"NodeKey":"nodekey:00"})").ok());
  EXPECT_FALSE(decode_json<MapRequest>(R"({"NodeKey":5})").ok());
  EXPECT_FALSE(decode_json<MapRequest>(R"({"Stream":"true"})").ok());
  EXPECT_FALSE(decode_json<MapRequest>(R"([])").ok());
  EXPECT_FALSE(decode_json<RegisterRequest>(R"({"Expiry":"yesterday"})").ok());
  EXPECT_FALSE(decode_json<RegisterRequest>(R"({"NodeKeySignature":"AQI"})").ok());
  EXPECT_FALSE(decode_json<Hostinfo>(R"({"Container":"true"})").ok());
  EXPECT_FALSE(decode_json<MapResponse>(R"({"Peers":[null]})").ok());
  EXPECT_FALSE(decode_json<MapResponse>(R"({"OnlineChange":{"x":true}})").ok());
}

TEST(JsonDecode, MalformedJsonRejected) {
  for (const char* bad : {"", "{", "{\"Version\":1,}", "{\"Version\":01}", "{\"Version\":1} x", "{'Version':1}",
                          "{\"OS\":\"a\nb\"}", "{\"Version\":NaN}", "[1,2", "{\"a\" 1}", "\xef\xbb\xbf{}"}) {
    EXPECT_FALSE(decode_json<MapRequest>(bad).ok()) << bad;
  }
}

TEST(JsonDecode, InvalidUtf8ReplacedLikeGo) {
  auto h = decode_json<Hostinfo>("{\"Hostname\":\"a\xff\xfe" "b\"}");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->hostname, "a\xef\xbf\xbd\xef\xbf\xbd" "b");
  auto e = decode_json<Hostinfo>(R"({"Hostname":"\u00e9\ud83d\ude00"})");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->hostname, "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(JsonDecode, Bounds) {
  std::string big = "{\"Hostinfo\":{\"Hostname\":\"" + std::string(2u << 20, 'a') + "\"}}";
  EXPECT_TRUE(decode_json<MapRequest>(big).ok());
  auto r = decode_json<MapRequest>(big, kRequestLimits);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("exceeds the limit"), std::string::npos);

  std::string deep = "{\"X\":" + std::string(200, '[') + std::string(200, ']') + "}";
  EXPECT_FALSE(decode_json<MapRequest>(deep).ok());
  std::string shallow = "{\"X\":" + std::string(50, '[') + std::string(50, ']') + "}";
  EXPECT_TRUE(decode_json<MapRequest>(shallow).ok());
  // Brackets inside strings do not count.
  std::string quoted = "{\"Compress\":\"" + std::string(500, '[') + "\"}";
  EXPECT_TRUE(decode_json<MapRequest>(quoted).ok());
}

TEST(JsonDecode, RawJsonCapMapValuesRoundTrip) {
  const std::string in =
      R"({"ID":1,"StableID":"","Name":"","User":0,"Key":"nodekey:0000000000000000000000000000000000000000000000000000000000000000","Addresses":null,)"
      R"("CapMap":{"a":[{"x":[1,2.5,"s\u003c"]},true],"b":null}})";
  auto n = decode_json<Node>(in);
  ASSERT_TRUE(n.ok()) << n.message();
  EXPECT_FALSE(n->cap_map.at("b").has_value());
  ASSERT_EQ(n->cap_map.at("a")->size(), 2u);
  EXPECT_EQ(encode_json(*n), in);
}

TEST(JsonDecode, SignatureTypeText) {
  auto r = decode_json<RegisterRequest>(R"({"SignatureType":"signature-v2"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->signature_type, SignatureType::V2);
  EXPECT_NE(encode_json(*r).find("\"SignatureType\":\"signature-v2\""), std::string::npos);
  EXPECT_EQ(decode_json<RegisterRequest>(R"({"SignatureType":"bogus"})")->signature_type, SignatureType::None);
  EXPECT_EQ(decode_json<RegisterRequest>(R"x({"SignatureType":"signature-unknown(9)"})x")->signature_type,
            SignatureType::Unknown);
  EXPECT_FALSE(decode_json<RegisterRequest>(R"({"SignatureType":2})").ok());
}

}  // namespace
}  // namespace latchkey::tailcfg
