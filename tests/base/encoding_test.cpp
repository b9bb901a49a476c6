#include <gtest/gtest.h>

#include "base/base32.h"
#include "base/base64.h"
#include "base/hex.h"

namespace latchkey {
namespace {

TEST(Hex, EncodesLowercaseAndDecodesEitherCase) {
  const Bytes data{0x00, 0xab, 0xCD, 0xff};
  EXPECT_EQ(hex_encode(data), "00abcdff");
  EXPECT_EQ(hex_decode("00ABcdFF").value(), data);
}

TEST(Hex, RejectsOddLengthAndBadDigits) {
  EXPECT_FALSE(hex_decode("abc").ok());
  auto r = hex_decode("zz");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("invalid digit"), std::string::npos);
  ByteArray<2> out;
  EXPECT_FALSE(hex_decode_into("abcdef", out).ok());
}

// RFC 4648 section 10 test vectors.
struct Rfc4648Case {
  const char* in;
  const char* b64;
  const char* b32;
};
constexpr Rfc4648Case kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "MY"},
    {"fo", "Zm8=", "MZXQ"},
    {"foo", "Zm9v", "MZXW6"},
    {"foob", "Zm9vYg==", "MZXW6YQ"},
    {"fooba", "Zm9vYmE=", "MZXW6YTB"},
    {"foobar", "Zm9vYmFy", "MZXW6YTBOI"},
};

TEST(Base64, Rfc4648Vectors) {
  for (const auto& c : kRfc4648) {
    EXPECT_EQ(base64_encode(as_bytes(c.in)), c.b64);
    EXPECT_EQ(as_chars(base64_decode(c.b64).value()), c.in);
    std::string raw = c.b64;
    raw.erase(raw.find_last_not_of('=') + 1);
    EXPECT_EQ(base64_encode(as_bytes(c.in), Base64Form::StdRaw), raw);
    EXPECT_EQ(as_chars(base64_decode(raw, Base64Form::StdRaw).value()), c.in);
  }
}

TEST(Base64, UrlAlphabetAndStrictness) {
  const Bytes data{0xfb, 0xff, 0xfe};
  EXPECT_EQ(base64_encode(data), "+//+");
  EXPECT_EQ(base64_encode(data, Base64Form::Url), "-__-");
  EXPECT_EQ(base64_decode("-__-", Base64Form::UrlRaw).value(), data);
  EXPECT_FALSE(base64_decode("-__-", Base64Form::Std).ok());  // wrong alphabet
  EXPECT_FALSE(base64_decode("Zg=", Base64Form::Std).ok());   // bad padding length
  EXPECT_FALSE(base64_decode("Zg==", Base64Form::StdRaw).ok());  // padding in raw form
  EXPECT_FALSE(base64_decode("Z", Base64Form::StdRaw).ok());  // impossible length
}

TEST(Base32, Rfc4648VectorsWithoutPadding) {
  for (const auto& c : kRfc4648) {
    EXPECT_EQ(base32_encode(as_bytes(c.in)), c.b32);
    EXPECT_EQ(as_chars(base32_decode(c.b32).value()), c.in);
  }
}

TEST(Base32, AumHashLengthAndAlphabet) {
  ByteArray<32> hash{};
  hash[0] = 0x07;
  const std::string text = base32_encode(hash);
  EXPECT_EQ(text.size(), 52u);
  EXPECT_EQ(base32_decode(text).value(), Bytes(hash.begin(), hash.end()));
  EXPECT_FALSE(base32_decode("mzxw6").ok());  // lower case is not the standard alphabet
  EXPECT_FALSE(base32_decode("MZXW6===").ok());  // no padding in this form
  EXPECT_FALSE(base32_decode("M").ok());
}

}  // namespace
}  // namespace latchkey
