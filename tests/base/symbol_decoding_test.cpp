#include <gtest/gtest.h>

#include "base/symbol_decoding.h"

namespace latchkey {
namespace {

// A 4-bit alphabet (lower-case hex digits) makes the packing easy to check by hand.
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A 3-bit alphabet: symbols straddle byte boundaries.
int octal_digit(char c) { return c >= '0' && c <= '7' ? c - '0' : -1; }

TEST(DecodeSymbols, PacksSymbolsMostSignificantBitFirst) {
  EXPECT_EQ(decode_symbols<4>("00abff", "hex4", hex_digit).value(), (Bytes{0x00, 0xab, 0xff}));
  // 0b111 000 11|1 000 111 0|00 111 000 -> 0xe3, 0x8e, 0x38
  EXPECT_EQ(decode_symbols<3>("70707070", "oct", octal_digit).value(), (Bytes{0xe3, 0x8e, 0x38}));
  EXPECT_TRUE(decode_symbols<4>("", "hex4", hex_digit).value().empty());
}

TEST(DecodeSymbols, DropsBitsThatDoNotFillAByte) {
  // Three hex digits: 12 bits, one byte out, the last 4 bits dropped.
  EXPECT_EQ(decode_symbols<4>("abc", "hex4", hex_digit).value(), (Bytes{0xab}));
  // Two octal digits: 6 bits, no byte.
  EXPECT_TRUE(decode_symbols<3>("77", "oct", octal_digit).value().empty());
}

TEST(DecodeSymbols, NamesTheCodecAndOffsetOfAnIllegalCharacter) {
  auto r = decode_symbols<4>("00aZ", "hex4", hex_digit);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message(), "hex4: illegal character at offset 3");
  auto first = decode_symbols<3>("8", "oct", octal_digit);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.message(), "oct: illegal character at offset 0");
}

}  // namespace
}  // namespace latchkey
