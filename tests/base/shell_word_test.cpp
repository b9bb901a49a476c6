#include "base/shell_word.h"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

TEST(ShellWord, PlainWordsAreUnchanged) {
  EXPECT_EQ(shell_word("/usr/local/bin/latchkey"), "/usr/local/bin/latchkey");
  EXPECT_EQ(shell_word("--socket"), "--socket");
  EXPECT_EQ(shell_word("a1b2c3"), "a1b2c3");
}

TEST(ShellWord, OthersAreSingleQuoted) {
  EXPECT_EQ(shell_word(""), "''");
  EXPECT_EQ(shell_word("/srv/my state/latchkey.sock"), "'/srv/my state/latchkey.sock'");
  EXPECT_EQ(shell_word("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_word("$HOME;rm"), "'$HOME;rm'");
}

}  // namespace
}  // namespace latchkey
