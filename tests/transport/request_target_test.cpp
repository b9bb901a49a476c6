#include <gtest/gtest.h>

#include "transport/request_target.h"

namespace latchkey::transport {
namespace {

TEST(RequestTarget, SplitsAtTheFirstQuestionMark) {
  EXPECT_EQ(target_path("/ts2021?X-Tailscale-Handshake=abc&v=1"), "/ts2021");
  EXPECT_EQ(target_query("/ts2021?X-Tailscale-Handshake=abc&v=1"), "X-Tailscale-Handshake=abc&v=1");
  // Later question marks belong to the query.
  EXPECT_EQ(target_path("/a?b?c"), "/a");
  EXPECT_EQ(target_query("/a?b?c"), "b?c");
}

TEST(RequestTarget, WithoutQueryOrWithAnEmptyOne) {
  EXPECT_EQ(target_path("/machine/map"), "/machine/map");
  EXPECT_EQ(target_query("/machine/map"), "");
  EXPECT_EQ(target_path("/key?"), "/key");
  EXPECT_EQ(target_query("/key?"), "");
  EXPECT_EQ(target_path(""), "");
  EXPECT_EQ(target_query(""), "");
  EXPECT_EQ(target_path("?v=1"), "");
  EXPECT_EQ(target_query("?v=1"), "v=1");
}

}  // namespace
}  // namespace latchkey::transport
