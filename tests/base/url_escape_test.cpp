#include "base/url_escape.h"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

TEST(UrlUnescape, PathSegmentKeepsPlusAndDecodesEscapes) {
  EXPECT_EQ(*url_unescape("a%2Fb+c%7e", UrlPart::PathSegment), "a/b+c~");
  EXPECT_EQ(*url_unescape("", UrlPart::PathSegment), "");
}

TEST(UrlUnescape, QueryReadsPlusAsSpace) {
  EXPECT_EQ(*url_unescape("a+b%2Bc", UrlPart::Query), "a b+c");
}

TEST(UrlUnescape, MalformedEscapesAreErrors) {
  for (const char* bad : {"%", "%2", "a%zz", "%g0", "ab%"}) {
    auto r = url_unescape(bad, UrlPart::Query);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.message().find("bad percent-encoding"), std::string::npos) << r.message();
  }
  // The last two characters form a whole escape.
  EXPECT_EQ(*url_unescape("x%41", UrlPart::PathSegment), "xA");
}

}  // namespace
}  // namespace latchkey
