// Users: create, list, find, delete; uniqueness and the rule that a user
// with nodes cannot be deleted. Runs on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include "store/node_builders.h"
#include "store/store_fixture.h"

namespace latchkey::store::testing {
namespace {

using UsersTest = StoreTest;

TEST_P(UsersTest, CreateListFind) {
  auto alice = store_->create_user({"alice", "Alice A", "alice@example.com", "https://pic/a"}, now_);
  ASSERT_TRUE(alice.ok()) << alice.message();
  EXPECT_GT(alice->id, 0);
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->display_name, "Alice A");
  EXPECT_EQ(alice->email, "alice@example.com");
  EXPECT_EQ(alice->profile_pic_url, "https://pic/a");
  EXPECT_EQ(alice->created_at, now_);
  auto bob = store_->create_user({"bob", "", "", ""}, now_ + std::chrono::seconds(1));
  ASSERT_TRUE(bob.ok()) << bob.message();
  EXPECT_NE(alice->id, bob->id);

  auto all = store_->list_users();
  ASSERT_TRUE(all.ok()) << all.message();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], *alice);
  EXPECT_EQ((*all)[1], *bob);

  auto found = store_->find_user_by_name("bob");
  ASSERT_TRUE(found.ok()) << found.message();
  EXPECT_EQ(*found, *bob);
  auto by_id = store_->get_user(alice->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(*by_id, *alice);
}

TEST_P(UsersTest, DuplicateNameIsAlreadyExists) {
  ASSERT_TRUE(store_->create_user({"alice", "", "", ""}, now_).ok());
  auto again = store_->create_user({"alice", "other", "", ""}, now_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.kind(), ErrorKind::AlreadyExists);
  EXPECT_NE(again.message().find("alice"), std::string::npos) << again.message();
  EXPECT_NE(again.message().find("users.name"), std::string::npos) << again.message();
  auto all = store_->list_users();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

TEST_P(UsersTest, EmptyNameRefused) {
  auto u = store_->create_user({"", "", "", ""}, now_);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.kind(), ErrorKind::Invalid);
}

TEST_P(UsersTest, UnknownUserIsNotFound) {
  auto u = store_->get_user(12345);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.kind(), ErrorKind::NotFound);
  auto n = store_->find_user_by_name("nobody");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.kind(), ErrorKind::NotFound);
  EXPECT_NE(n.message().find("nobody"), std::string::npos);
  auto d = store_->delete_user(12345);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.kind(), ErrorKind::NotFound);
}

TEST_P(UsersTest, DeleteRemovesUserAndTheirKeys) {
  auto alice = store_->create_user({"alice", "", "", ""}, now_);
  ASSERT_TRUE(alice.ok());
  auto key = store_->create_pre_auth_key({alice->id, true, false, {}, std::nullopt}, now_);
  ASSERT_TRUE(key.ok()) << key.message();
  ASSERT_TRUE(store_->delete_user(alice->id).ok());
  EXPECT_EQ(store_->get_user(alice->id).kind(), ErrorKind::NotFound);
  auto keys = store_->list_pre_auth_keys();
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
  // The name is free again.
  EXPECT_TRUE(store_->create_user({"alice", "", "", ""}, now_).ok());
}

TEST_P(UsersTest, UserWithNodesCannotBeDeleted) {
  auto alice = store_->create_user({"alice", "", "", ""}, now_);
  ASSERT_TRUE(alice.ok());
  auto node = store_->register_node(new_node(1, alice->id), now_);
  ASSERT_TRUE(node.ok()) << node.message();
  auto d = store_->delete_user(alice->id);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.kind(), ErrorKind::Conflict);
  EXPECT_NE(d.message().find("1 node"), std::string::npos) << d.message();
  ASSERT_TRUE(store_->delete_node(node->id).ok());
  EXPECT_TRUE(store_->delete_user(alice->id).ok());
}

LATCHKEY_STORE_BACKENDS(UsersTest);

}  // namespace
}  // namespace latchkey::store::testing
