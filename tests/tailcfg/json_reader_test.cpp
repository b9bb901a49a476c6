// Helpers of the JSON decoder (tailcfg/json_reader.h) that the wire types
// share: read_array, read_pointer, read_map and read_string_map with
// readers of the caller's choosing (every read_value of a slice, pointer or
// map goes through them), and read_empty_struct. These tests pin what the
// helpers do themselves.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tailcfg/json_reader.h"

namespace latchkey::tailcfg {
namespace {

// Parsed as the decoder's entry point does. The text is copied to a heap
// buffer with spare room first: rapidjson's SSE2 string scan reads whole
// 16-byte blocks, past the end of a short string literal.
rapidjson::Document parse(std::string_view text) {
  std::string buf;
  buf.reserve(text.size() + 16);
  buf.assign(text);
  rapidjson::Document doc;
  EXPECT_TRUE(parse_json_document(buf, 1 << 20, 32, doc).ok()) << text;
  return doc;
}

// A reader that appends a string value to what is already there, so that
// reuse of an existing slot shows in the result; any other JSON type fails.
Status append_string(const JsonValue& v, std::string& out, DecodeContext& c) {
  if (!v.IsString()) return c.error("want a string");
  out.append(v.GetString(), v.GetStringLength());
  return {};
}

TEST(JsonReadArray, DecodesEachElementWithItsIndexInThePath) {
  std::vector<std::string> out{"old", "old", "old"};
  DecodeContext c("T");
  ASSERT_TRUE(read_array(parse(R"(["a","b"])"), out, c, append_string).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b"}));  // replaced, not merged

  auto st = read_array(parse(R"(["a",1])"), out, c, append_string);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "tailcfg: T[1]: want a string");
  EXPECT_EQ(c.path(), "T");  // the element's scope is gone again
}

TEST(JsonReadArray, NullClearsAndOtherTypesAreRefused) {
  std::vector<std::string> out{"x"};
  DecodeContext c("T");
  ASSERT_TRUE(read_array(parse("null"), out, c, append_string).ok());
  EXPECT_TRUE(out.empty());
  auto st = read_array(parse(R"({"a":1})"), out, c, append_string);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "tailcfg: T: cannot decode JSON object (want array)");
}

TEST(JsonReadPointer, NullResetsAndAValueReusesThePointee) {
  DecodeContext c("T");
  std::optional<std::string> out;
  ASSERT_TRUE(read_pointer(parse(R"("a")"), out, c, append_string).ok());
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(read_pointer(parse(R"("b")"), out, c, append_string).ok());
  EXPECT_EQ(out, "ab");  // decoded into the existing pointee, as Go does
  ASSERT_TRUE(read_pointer(parse("null"), out, c, append_string).ok());
  EXPECT_FALSE(out.has_value());
  auto st = read_pointer(parse("1"), out, c, append_string);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "tailcfg: T: want a string");
}

TEST(JsonReadMap, DuplicateNamesDecodeIntoTheSameValue) {
  DecodeContext c("T");
  std::map<std::string, std::string> out{{"kept", "k"}};
  ASSERT_TRUE(read_string_map(parse(R"({"a":"1","b":"2","a":"3"})"), out, c, append_string).ok());
  EXPECT_EQ(out, (std::map<std::string, std::string>{{"a", "13"}, {"b", "2"}, {"kept", "k"}}));
  ASSERT_TRUE(read_string_map(parse("null"), out, c, append_string).ok());
  EXPECT_TRUE(out.empty());
}

TEST(JsonReadMap, ErrorsNameTheMemberAndRefuseNonObjects) {
  DecodeContext c("T");
  std::map<std::string, std::string> out;
  auto st = read_string_map(parse(R"({"a":"1","b":2})"), out, c, append_string);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "tailcfg: T.b: want a string");
  st = read_string_map(parse("[]"), out, c, append_string);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "tailcfg: T: cannot decode JSON array (want object)");
}

TEST(JsonReadMap, MemberNamesGoThroughTheNameReader) {
  DecodeContext c("T");
  std::map<std::int64_t, std::string> out;
  ASSERT_TRUE(read_map(parse(R"({"7":"a","-2":"b"})"), out, c, parse_int_key, append_string).ok());
  EXPECT_EQ(out, (std::map<std::int64_t, std::string>{{-2, "b"}, {7, "a"}}));
  EXPECT_FALSE(read_map(parse(R"({"x":"a"})"), out, c, parse_int_key, append_string).ok());
}

TEST(JsonReadEmptyStruct, AcceptsAnyObjectOrNullOnly) {
  DecodeContext c("T");
  EXPECT_TRUE(read_empty_struct(parse("{}"), c).ok());
  EXPECT_TRUE(read_empty_struct(parse(R"({"Unknown":[1,2]})"), c).ok());
  EXPECT_TRUE(read_empty_struct(parse("null"), c).ok());
  auto st = read_empty_struct(parse("[]"), c);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "tailcfg: T: cannot decode JSON array (want object)");
  EXPECT_FALSE(read_empty_struct(parse(R"("x")"), c).ok());
}


// Numbers are converted by the decoder itself (parse_json_document), not by
// rapidjson's strtod: correctly rounded as Go's strconv, integers kept exact.
double parse_double(std::string_view text) {
  double d = -1;
  DecodeContext c("T");
  EXPECT_TRUE(read_value(parse(text), d, c).ok()) << text;
  return d;
}

Status parse_status(std::string_view text) {
  std::string buf;
  buf.reserve(text.size() + 16);
  buf.assign(text);
  rapidjson::Document doc;
  return parse_json_document(buf, 1 << 20, 32, doc);
}

TEST(JsonNumbers, ZeroWrittenWithManyDigitsIsZero) {
  // Took rapidjson's full-precision path into __builtin_clzll(0) (UBSan, found by fuzz_tka_request).
  EXPECT_EQ(parse_double("0.000000000000000000000000"), 0.0);
  EXPECT_EQ(parse_double("0.0000000000000000000000000000000000000000e-30"), 0.0);
}

TEST(JsonNumbers, DoublesRoundCorrectlyAndIntegersStayExact) {
  EXPECT_EQ(parse_double("0.1"), 0.1);
  EXPECT_EQ(parse_double("2.2250738585072011e-308"), 2.2250738585072011e-308);
  EXPECT_EQ(parse_double("9007199254740993"), 9007199254740992.0);  // rounds to even, as Go
  EXPECT_EQ(parse_double("1e-400"), 0.0);                           // underflow: zero, as Go
  EXPECT_EQ(parse_double("-5e-324"), -5e-324);
  auto doc = parse("[9223372036854775807,-9223372036854775808,18446744073709551615,18446744073709551616,-0,1.0]");
  EXPECT_EQ(doc[0].GetInt64(), INT64_MAX);
  EXPECT_EQ(doc[1].GetInt64(), INT64_MIN);
  EXPECT_EQ(doc[2].GetUint64(), UINT64_MAX);
  EXPECT_FALSE(doc[3].IsUint64());  // too large for an integer: a double, as Go's float64
  EXPECT_EQ(doc[3].GetDouble(), 18446744073709551616.0);
  EXPECT_TRUE(doc[4].IsInt64());
  EXPECT_FALSE(doc[5].IsInt64()) << "1.0 is not an integer to Go's decoder";
}

TEST(JsonNumbers, OutOfRangeAndMalformedNumbersAreRefusedWithTheirOffset) {
  for (std::string_view text : {"1e400", "[0, -1e309]", "1234567890e300", "0.0001e313", "1e99999999999999999999"}) {
    auto st = parse_status(text);
    ASSERT_FALSE(st.ok()) << text;
    // rapidjson refuses some itself as it reads the exponent, the rest are refused when converted.
    EXPECT_TRUE(st.message().find("out of the range of a 64-bit float") != std::string::npos ||
                st.message().find("Number too big") != std::string::npos)
        << st.message();
  }
  auto st = parse_status("[1, 01]");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("offset"), std::string::npos) << st.message();
  EXPECT_FALSE(parse_status("-").ok());
  EXPECT_FALSE(parse_status("1.").ok());
  EXPECT_FALSE(parse_status("1e").ok());
  EXPECT_TRUE(parse_status("1e-99999999999999999999").ok()) << "underflow is zero";
}

}  // namespace
}  // namespace latchkey::tailcfg
