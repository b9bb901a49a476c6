// BLAKE2s-256 (blake2s.h) against the BLAKE2 team's official known answers:
// inputs 00 01 .. (n-1) for n = 0..255, unkeyed and with key 00 01 .. 1f
// (tests/data/crypto/blake2s-kat.{txt,json}, see README.md there).
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/blake2s.h"
#include "crypto/test_support.h"

namespace latchkey::crypto {
namespace {

using testing::read_json;
using testing::read_text;
using testing::unhex;

struct Kat {
  Bytes in, key, hash;
};

// blake2s-kat.txt: blocks of "in:\t<hex>", "key:\t<hex>", "hash:\t<hex>".
std::vector<Kat> keyed_kat_txt() {
  std::vector<Kat> out;
  std::istringstream lines(read_text("crypto/blake2s-kat.txt"));
  std::string line;
  Kat k;
  while (std::getline(lines, line)) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string field = line.substr(0, tab), value = line.substr(tab + 1);
    if (field == "in:") k.in = unhex(value);
    if (field == "key:") k.key = unhex(value);
    if (field == "hash:") {
      k.hash = unhex(value);
      out.push_back(k);
    }
  }
  return out;
}

Bytes counting_bytes(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i);
  return b;
}

// Feeds data in uneven pieces to exercise the incremental interface.
Blake2sDigest incremental(Blake2s h, ByteView data) {
  std::size_t at = 0, step = 1;
  while (at < data.size()) {
    const std::size_t n = std::min(step, data.size() - at);
    h.update(data.subspan(at, n));
    at += n;
    step = step * 3 + 1;
  }
  return h.final();
}

TEST(Blake2s, OfficialKeyedKat) {
  const std::vector<Kat> kats = keyed_kat_txt();
  ASSERT_EQ(kats.size(), 256u);
  for (std::size_t n = 0; n < kats.size(); ++n) {
    const Kat& k = kats[n];
    ASSERT_EQ(k.in, counting_bytes(n));
    ASSERT_EQ(k.key, counting_bytes(32));
    EXPECT_EQ(hex_encode(blake2s256_keyed(k.key, k.in)), hex_encode(k.hash)) << "n = " << n;
    EXPECT_EQ(hex_encode(incremental(Blake2s(k.key), k.in)), hex_encode(k.hash)) << "n = " << n;
  }
}

TEST(Blake2s, OfficialUnkeyedAndKeyedKatJson) {
  const nlohmann::json j = read_json("crypto/blake2s-kat.json");
  int unkeyed = 0, keyed = 0;
  for (const auto& e : j) {
    ASSERT_EQ(e.at("hash"), "blake2s");
    const Bytes in = unhex(e.at("in").get<std::string>()), key = unhex(e.at("key").get<std::string>());
    const std::string want = e.at("out").get<std::string>();
    if (key.empty()) {
      ++unkeyed;
      EXPECT_EQ(hex_encode(blake2s256(in)), want) << in.size();
      EXPECT_EQ(hex_encode(incremental(Blake2s(), in)), want) << in.size();
      EXPECT_EQ(hex_encode(incremental(Blake2s(ByteView{}), in)), want) << "empty key means unkeyed";
    } else {
      ++keyed;
      EXPECT_EQ(hex_encode(blake2s256_keyed(key, in)), want) << in.size();
    }
  }
  EXPECT_EQ(unkeyed, 256);
  EXPECT_EQ(keyed, 256);
}

TEST(Blake2s, Rfc7693AppendixBAndKeyLength) {
  EXPECT_EQ(hex_encode(blake2s256(as_bytes("abc"))), "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
  const Bytes long_key(33, 1);
  EXPECT_THROW(blake2s256_keyed(long_key, as_bytes("abc")), std::invalid_argument);
  EXPECT_THROW(Blake2s{long_key}, std::invalid_argument);
}

}  // namespace
}  // namespace latchkey::crypto
