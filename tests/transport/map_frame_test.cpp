// Map framing: 4-byte little-endian length + body, zstd when asked; checked
// against the captured upstream stream of control_requests.json.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "base/hex.h"
#include "transport/map_frame.h"

namespace latchkey::transport {
namespace {

TEST(MapFrame, PlainAndZstdRoundTrip) {
  const std::string body = R"({"KeepAlive":true})";
  Bytes plain = map_frame(body, false);
  ASSERT_EQ(plain.size(), 4 + body.size());
  EXPECT_EQ(plain[0], body.size());
  EXPECT_EQ(plain[1], 0);
  EXPECT_EQ(std::string(plain.begin() + 4, plain.end()), body);

  std::string big(100000, 'x');
  Bytes z = map_frame(big, true);
  const std::size_t n = std::size_t{z[0]} | std::size_t{z[1]} << 8 | std::size_t{z[2]} << 16;
  EXPECT_EQ(n + 4, z.size());
  EXPECT_LT(z.size(), 1000u);

  MapFrameReader r(true);
  Bytes both = z;
  append_map_frame(both, body, true);
  // Fed byte by byte: messages come out whole.
  std::vector<std::string> got;
  for (std::uint8_t b : both) {
    r.feed(ByteView(&b, 1));
    auto m = r.next();
    ASSERT_TRUE(m.ok());
    if (m->has_value()) got.push_back(**m);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], big);
  EXPECT_EQ(got[1], body);
}

TEST(MapFrame, ReaderRejectsBadInput) {
  MapFrameReader r(true, 1000);
  Bytes huge = {0xff, 0xff, 0x00, 0x00};
  r.feed(huge);
  EXPECT_FALSE(r.next().ok());
  MapFrameReader r2(true);
  Bytes junk = {4, 0, 0, 0, 1, 2, 3, 4};
  r2.feed(junk);
  EXPECT_FALSE(r2.next().ok());
  // A zstd bomb beyond the limit is refused.
  Bytes z = zstd_compress(std::string(1 << 20, 'a'));
  EXPECT_FALSE(zstd_decompress(z, 1000).ok());
  EXPECT_TRUE(zstd_decompress(z, 1 << 20).ok());
}

TEST(MapFrame, DecodesTheCapturedUpstreamFraming) {
  std::ifstream in(std::string(LATCHKEY_TEST_DATA) + "/vectors/control_requests.json");
  auto doc = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& c : doc["captures"]) {
    if (!c.contains("framing")) continue;
    const auto& f = c["framing"];
    Bytes prefix = *hex_decode(f["length_prefix_hex"].get<std::string>());
    ASSERT_EQ(prefix.size(), 4u);
    const std::size_t n = std::size_t{prefix[0]} | std::size_t{prefix[1]} << 8 | std::size_t{prefix[2]} << 16 |
                          std::size_t{prefix[3]} << 24;
    EXPECT_EQ(n, f["payload_len"].get<std::size_t>());
    EXPECT_TRUE(f["zstd"].get<bool>());
    // Our framing of the same JSON has the same shape and decodes back.
    const std::string body = c["body_json"].dump();
    MapFrameReader r(true);
    r.feed(map_frame(body, true));
    auto m = r.next();
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(m->has_value());
    EXPECT_EQ(nlohmann::json::parse(**m), c["body_json"]);
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

}  // namespace
}  // namespace latchkey::transport
