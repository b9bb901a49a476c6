// The default state directory of `latchkey up` and `latchkey status`, and
// the status socket in it.
#include <gtest/gtest.h>

#include "client/state_dir.h"

namespace latchkey::client {
namespace {

TEST(DefaultStateDir, XdgStateHomeFirst) {
  auto d = default_state_dir("/xdg/state", "/home/alice");
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(*d, "/xdg/state/latchkey");
}

TEST(DefaultStateDir, HomeWhenXdgUnsetEmptyOrRelative) {
  for (const char* xdg : {static_cast<const char*>(nullptr), "", "relative/state"}) {
    auto d = default_state_dir(xdg, "/home/alice");
    ASSERT_TRUE(d.ok()) << d.message();
    EXPECT_EQ(*d, "/home/alice/.local/state/latchkey");
  }
}

TEST(DefaultStateDir, NeitherIsAClearError) {
  auto d = default_state_dir(nullptr, nullptr);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.message(),
            "no state directory: neither XDG_STATE_HOME nor HOME is set to an absolute path (give --state DIR)");
  EXPECT_FALSE(default_state_dir("", "").ok());
}

TEST(DefaultStateDir, SocketPath) {
  EXPECT_EQ(status_socket_path("/var/lib/lk"), "/var/lib/lk/latchkey.sock");
  EXPECT_EQ(status_socket_path("/var/lib/lk/"), "/var/lib/lk/latchkey.sock");
  EXPECT_EQ(status_socket_path("state"), "state/latchkey.sock");
}

}  // namespace
}  // namespace latchkey::client
