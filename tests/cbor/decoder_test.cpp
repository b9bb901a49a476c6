// Strict decoding: well-formedness verdicts and limits (upstream's
// fxamacker/cbor texts), typed decoding rules, and the generic value tree's
// canonical re-encoding.
#include <gtest/gtest.h>

#include "base/hex.h"
#include "cbor/unmarshal.h"
#include "cbor/value.h"
#include "cbor/wellformed.h"

namespace latchkey::cbor {
namespace {

std::string wellformed(const std::string& hex) {
  auto st = check_wellformed(hex_decode(hex).value());
  return st.ok() ? "ok" : st.message();
}

std::string nested_arrays(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "81";
  return s + "00";
}

TEST(Wellformed, AcceptsNonCanonicalButCompleteItems) {
  EXPECT_EQ(wellformed("1801"), "ok");                // 1 with a one-byte argument
  EXPECT_EQ(wellformed("1b0000000000000001"), "ok");  // 1 with an eight-byte argument
  EXPECT_EQ(wellformed("a2020101f6"), "ok");          // unsorted map keys
  EXPECT_EQ(wellformed("f93c00"), "ok");              // float16
  EXPECT_EQ(wellformed("f820"), "ok");                // simple value 32
}

TEST(Wellformed, RejectsWhatUpstreamRejectsWithItsTexts) {
  EXPECT_EQ(wellformed(""), "EOF");
  EXPECT_EQ(wellformed("18"), "unexpected EOF");
  EXPECT_EQ(wellformed("5b0000000100000000"), "unexpected EOF");
  EXPECT_EQ(wellformed("5bffffffffffffffff"),
            "cbor: byte string length 18446744073709551615 is too large, causing integer overflow");
  EXPECT_EQ(wellformed("9bffffffffffffffff"),
            "cbor: array length 18446744073709551615 is too large, it would cause integer overflow");
  EXPECT_EQ(wellformed("0000"), "cbor: 1 bytes of extraneous data starting at index 1");
  EXPECT_EQ(wellformed("1c"), "cbor: invalid additional information 28 for type positive integer");
  EXPECT_EQ(wellformed("3f"), "cbor: invalid additional information 31 for type negative integer");
  EXPECT_EQ(wellformed("ff"), "cbor: unexpected \"break\" code");
  EXPECT_EQ(wellformed("f810"), "cbor: invalid simple value 16 for type primitives");
  EXPECT_EQ(wellformed("5fff"), "cbor: indefinite-length byte string isn't allowed");
  EXPECT_EQ(wellformed("7fff"), "cbor: indefinite-length UTF-8 text string isn't allowed");
  EXPECT_EQ(wellformed("9fff"), "cbor: indefinite-length array isn't allowed");
  EXPECT_EQ(wellformed("bfff"), "cbor: indefinite-length map isn't allowed");
  EXPECT_EQ(wellformed("c100"), "cbor: CBOR tag isn't allowed");
}

TEST(Wellformed, EnforcesNestingAndSizeLimits) {
  EXPECT_EQ(wellformed(nested_arrays(16)), "ok");
  EXPECT_EQ(wellformed(nested_arrays(17)), "cbor: exceeded max nested level 16");
  // The depth check comes before the indefinite-length check.
  EXPECT_EQ(wellformed(nested_arrays(16).substr(0, 32) + "9fff"), "cbor: exceeded max nested level 16");
  EXPECT_EQ(wellformed("991001"), "cbor: exceeded max number of elements 4096 for CBOR array");
  EXPECT_EQ(wellformed("b90401"), "cbor: exceeded max number of key-value pairs 1024 for CBOR map");
  std::string big_array = "991000" + std::string(4096 * 2, '0');
  EXPECT_EQ(wellformed(big_array), "ok");
  Limits tight{4, 2, 1};
  EXPECT_FALSE(check_wellformed(hex_decode("83000000").value(), tight).ok());
  EXPECT_FALSE(check_wellformed(hex_decode("a201000200").value(), tight).ok());
  EXPECT_FALSE(check_wellformed(hex_decode("818181818100").value(), tight).ok());
}

TEST(Utf8, MatchesGoRules) {
  auto valid = [](const std::string& hex) { return valid_utf8(hex_decode(hex).value()); };
  EXPECT_TRUE(valid("68656c6c6f"));
  EXPECT_TRUE(valid("c3a9"));
  EXPECT_TRUE(valid("f48fbfbf"));    // U+10FFFF
  EXPECT_FALSE(valid("c0af"));       // overlong
  EXPECT_FALSE(valid("e080af"));     // overlong
  EXPECT_FALSE(valid("eda080"));     // surrogate
  EXPECT_FALSE(valid("f4908080"));   // above U+10FFFF
  EXPECT_FALSE(valid("c3"));         // truncated
  EXPECT_FALSE(valid("ff"));
}

// A two-field struct {1: uint8 "T.kind", 2: []byte} decoded with upstream's
// rules.
struct Pair {
  std::uint64_t kind = 0;
  std::optional<Bytes> data;
};

std::string decode_pair(const std::string& hex, Pair* out = nullptr) {
  Pair p;
  static constexpr std::uint64_t kKeys[] = {1, 2};
  auto st = unmarshal(hex_decode(hex).value(), [&p](Reader& r) {
    return decode_struct(r, "T", kKeys, [&p](std::size_t field, Reader& fr) {
      return field == 0 ? decode_uint(fr, p.kind, 0xff, "T.Kind") : decode_byte_slice(fr, p.data, "[]uint8");
    });
  });
  if (out) *out = p;
  return st.ok() ? "ok" : st.message();
}

TEST(Unmarshal, StructRulesFollowUpstream) {
  Pair p;
  EXPECT_EQ(decode_pair("a202f70101", &p), "ok");  // out of order, undefined as nil
  EXPECT_EQ(p.kind, 1u);
  EXPECT_FALSE(p.data.has_value());
  EXPECT_EQ(decode_pair("a1613107", &p), "ok");  // text key "1" names field 1
  EXPECT_EQ(p.kind, 7u);
  EXPECT_EQ(decode_pair("a1613141ff"), "cbor: cannot unmarshal byte string into Go struct field T.1 of type T.Kind");
  EXPECT_EQ(decode_pair("a16131f5"), "cbor: cannot unmarshal primitives into Go struct field T.1 of type T.Kind");
  EXPECT_EQ(decode_pair("a10119012c"),
            "cbor: cannot unmarshal positive integer into Go struct field T.1 of type T.Kind (300 overflows T.Kind)");
  EXPECT_EQ(decode_pair("a10105", &p), "ok");
  EXPECT_EQ(p.kind, 5u);
  EXPECT_EQ(decode_pair("a101e5", &p), "ok");  // simple(5) decodes as 5
  EXPECT_EQ(p.kind, 5u);
  EXPECT_EQ(decode_pair("a201016131"), "unexpected EOF");
  EXPECT_EQ(decode_pair("a20101613101"), "cbor: found duplicate map key \"1\" at map element index 1");
  EXPECT_EQ(decode_pair("a20900090a"), "cbor: found duplicate map key 9 at map element index 1");
  EXPECT_EQ(decode_pair("a2f400f400"),
            "cbor: found duplicate map key false at map element index 1");  // the duplicate overrides the type error
  EXPECT_EQ(decode_pair("a20283000102" "0101"), "ok");
  EXPECT_EQ(decode_pair("a1028119ffff"),
            "cbor: cannot unmarshal positive integer into Go struct field T.2 of type uint8 (65535 overflows uint8)");
  EXPECT_EQ(decode_pair("a10280", &p), "ok");  // empty array: empty, non-nil
  ASSERT_TRUE(p.data.has_value());
  EXPECT_TRUE(p.data->empty());
  EXPECT_EQ(decode_pair("80"),
            "cbor: cannot unmarshal array into Go value of type T (cannot decode CBOR array to struct without toarray option)");
  EXPECT_EQ(decode_pair("f6", &p), "ok");
  EXPECT_EQ(decode_pair("a1410000"),
            "cbor: cannot unmarshal byte string into Go value of type string (map key is of type byte string and cannot "
            "be used to match struct field name)");
  EXPECT_EQ(decode_pair("a1026161"), "cbor: cannot unmarshal UTF-8 text string into Go struct field T.2 of type []uint8");
  EXPECT_EQ(decode_pair("a10261ff"), "cbor: invalid UTF-8 string");
  // An unknown key's value is skipped unchecked.
  EXPECT_EQ(decode_pair("a10961ff"), "ok");
}

TEST(Unmarshal, StringMapsReuseTheLastKeyAndValueForNull) {
  std::optional<StringMap> m;
  auto run = [&m](const std::string& hex) {
    m.reset();
    auto st = unmarshal(hex_decode(hex).value(), [&m](Reader& r) { return decode_string_map(r, m, "M"); });
    return st.ok() ? std::string("ok") : st.message();
  };
  EXPECT_EQ(run("a2616161786162f6"), "ok");  // {"a": "x", "b": null} -> b = "x"
  EXPECT_EQ((*m)["b"], "x");
  EXPECT_EQ(run("a261616178f66179"), "cbor: found duplicate map key \"a\" at map element index 1");
  EXPECT_EQ(run("a1f66178"), "ok");  // null key: ""
  EXPECT_EQ(m->count(""), 1u);
  EXPECT_EQ(run("a141416141"), "cbor: cannot unmarshal byte string into Go value of type string");
  EXPECT_EQ(run("f6"), "ok");
  EXPECT_FALSE(m.has_value());
}

TEST(Value, ReencodesCanonically) {
  auto v = decode_value(hex_decode("a3" "6161" "01" "1801" "1a00000002" "20" "f6").value());
  ASSERT_TRUE(v.ok()) << v.message();
  EXPECT_EQ(hex_encode(encode_canonical(*v)), "a3" "0102" "20f6" "616101");
  EXPECT_FALSE(decode_value(hex_decode("a2010001f6").value()).ok());    // duplicate key
  EXPECT_FALSE(decode_value(hex_decode("a218010001f6").value()).ok());  // duplicate once canonical
  EXPECT_FALSE(decode_value(hex_decode("61ff").value()).ok());          // invalid UTF-8
  auto f = decode_value(hex_decode("82f93c00fb3ff0000000000000").value());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(hex_encode(encode_canonical(*f)), "82f93c00fb3ff0000000000000");  // float widths kept
}

}  // namespace
}  // namespace latchkey::cbor
