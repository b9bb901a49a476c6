// CTAP2-canonical encoder: shortest heads at every size boundary, definite
// lengths, canonical order of text map keys.
#include <gtest/gtest.h>

#include "base/hex.h"
#include "cbor/encoder.h"

namespace latchkey::cbor {
namespace {

std::string encode_uint(std::uint64_t v) {
  Encoder e;
  e.uint(v);
  return hex_encode(e.out());
}

TEST(Encoder, IntegersUseTheShortestHead) {
  EXPECT_EQ(encode_uint(0), "00");
  EXPECT_EQ(encode_uint(23), "17");
  EXPECT_EQ(encode_uint(24), "1818");
  EXPECT_EQ(encode_uint(255), "18ff");
  EXPECT_EQ(encode_uint(256), "190100");
  EXPECT_EQ(encode_uint(65535), "19ffff");
  EXPECT_EQ(encode_uint(65536), "1a00010000");
  EXPECT_EQ(encode_uint(0xffffffffULL), "1affffffff");
  EXPECT_EQ(encode_uint(0x100000000ULL), "1b0000000100000000");
  EXPECT_EQ(encode_uint(UINT64_MAX), "1bffffffffffffffff");
}

TEST(Encoder, StringsArraysAndMapsUseDefiniteShortestLengths) {
  Encoder e;
  e.bytes(Bytes(24, 0xaa));
  EXPECT_EQ(hex_encode(e.out()).substr(0, 4), "5818");
  Encoder t;
  t.text("hi");
  t.array_header(2);
  t.map_header(1);
  t.null();
  t.nullable_bytes(std::nullopt);
  t.nullable_bytes(Bytes{});
  EXPECT_EQ(hex_encode(t.out()), "626869" "82" "a1" "f6" "f6" "40");
}

TEST(Encoder, TextMapKeysSortByEncodingShorterFirst) {
  Encoder e;
  write_text_map(e, {{"zz", ""}, {"b", ""}, {"aaa", ""}, {"a", ""}, {"\xc3\xa9", ""}});
  // "a" (6161), "b" (6162), then two-byte keys "zz" (627a7a) and "é"
  // (62c3a9) bytewise, then "aaa".
  EXPECT_EQ(hex_encode(e.out()), "a5" "616160" "616260" "627a7a60" "62c3a960" "6361616160");
}

}  // namespace
}  // namespace latchkey::cbor
