// Pending interactive registrations: create, look up, approve for a user,
// delete, expire, one per machine key, count. Runs on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include "store/node_builders.h"
#include "store/store_fixture.h"

namespace latchkey::store::testing {
namespace {

class PendingRegistrationsTest : public StoreTest {
 protected:
  PendingRegistration pending(const std::string& id, int i, std::chrono::minutes ttl = std::chrono::minutes(15)) {
    PendingRegistration p;
    p.auth_id = id;
    p.machine_key = machine_key(i);
    p.node_key = node_key(i);
    p.nl_key = key::NLPublic::from_raw(key_bytes(4, i));
    p.hostinfo_json = R"({"Hostname":"laptop"})";
    p.ephemeral = i % 2 == 1;
    p.requested_expiry = now_ + std::chrono::hours(1);
    p.created_at = now_ + std::chrono::seconds(i);
    p.expires_at = now_ + ttl;
    return p;
  }
};

TEST_P(PendingRegistrationsTest, CreateGetList) {
  const auto a = pending("authA", 1);
  auto b = pending("authB", 2);
  b.requested_expiry.reset();
  ASSERT_TRUE(store_->create_pending_registration(a).ok());
  ASSERT_TRUE(store_->create_pending_registration(b).ok());
  auto got = store_->get_pending_registration("authA");
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(*got, a);
  auto all = store_->list_pending_registrations();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], a);
  EXPECT_EQ((*all)[1], b);
  auto dup = store_->create_pending_registration(a);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.kind(), ErrorKind::AlreadyExists);
  EXPECT_EQ(store_->get_pending_registration("nope").kind(), ErrorKind::NotFound);
  PendingRegistration empty = a;
  empty.auth_id.clear();
  EXPECT_EQ(store_->create_pending_registration(empty).kind(), ErrorKind::Invalid);
}

TEST_P(PendingRegistrationsTest, Approve) {
  auto alice = store_->create_user({"alice", "", "", ""}, now_);
  auto bob = store_->create_user({"bob", "", "", ""}, now_);
  ASSERT_TRUE(alice.ok() && bob.ok());
  ASSERT_TRUE(store_->create_pending_registration(pending("authA", 1)).ok());
  EXPECT_EQ(store_->get_pending_registration("authA")->approved_user_id, std::nullopt);
  ASSERT_TRUE(store_->approve_pending_registration("authA", alice->id).ok());
  EXPECT_EQ(store_->get_pending_registration("authA")->approved_user_id, alice->id);
  // Again for the same user: no-op. For another user: refused.
  EXPECT_TRUE(store_->approve_pending_registration("authA", alice->id).ok());
  auto other = store_->approve_pending_registration("authA", bob->id);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.kind(), ErrorKind::Conflict);
  EXPECT_EQ(store_->approve_pending_registration("nope", alice->id).kind(), ErrorKind::NotFound);
  ASSERT_TRUE(store_->create_pending_registration(pending("authB", 2)).ok());
  auto unknown_user = store_->approve_pending_registration("authB", 999999);
  ASSERT_FALSE(unknown_user.ok());
  EXPECT_EQ(unknown_user.kind(), ErrorKind::NotFound);
  EXPECT_NE(unknown_user.message().find("user"), std::string::npos);
}

TEST_P(PendingRegistrationsTest, DeleteAndExpire) {
  ASSERT_TRUE(store_->create_pending_registration(pending("short", 1, std::chrono::minutes(1))).ok());
  ASSERT_TRUE(store_->create_pending_registration(pending("long", 2, std::chrono::minutes(30))).ok());
  ASSERT_TRUE(store_->create_pending_registration(pending("gone", 3)).ok());
  ASSERT_TRUE(store_->delete_pending_registration("gone").ok());
  EXPECT_EQ(store_->delete_pending_registration("gone").kind(), ErrorKind::NotFound);
  auto n = store_->delete_expired_pending_registrations(now_ + std::chrono::minutes(1));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  auto all = store_->list_pending_registrations();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].auth_id, "long");
}

// The database keeps at most one entry per machine key; a new login
// replaces the old one by deleting it first, in the same transaction.
TEST_P(PendingRegistrationsTest, OnePerMachineKeyAndCount) {
  EXPECT_EQ(*store_->count_pending_registrations(), 0);
  ASSERT_TRUE(store_->create_pending_registration(pending("first", 1)).ok());
  ASSERT_TRUE(store_->create_pending_registration(pending("other", 2)).ok());
  auto again = pending("second", 1);
  auto dup = store_->create_pending_registration(again);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.kind(), ErrorKind::AlreadyExists);
  EXPECT_EQ(*store_->count_pending_registrations(), 2);

  Status replaced = store_->transact([&](Transaction& tx) -> Status {
    auto n = tx.delete_machine_pending_registrations(again.machine_key);
    if (!n) return n.error();
    EXPECT_EQ(*n, 1);
    return tx.create_pending_registration(again);
  });
  ASSERT_TRUE(replaced.ok()) << replaced.message();
  EXPECT_EQ(store_->get_pending_registration("first").kind(), ErrorKind::NotFound);
  EXPECT_EQ(store_->get_pending_registration("second")->machine_key, again.machine_key);
  EXPECT_EQ(*store_->count_pending_registrations(), 2);
  EXPECT_EQ(*store_->delete_machine_pending_registrations(machine_key(7)), 0);
  EXPECT_EQ(*store_->delete_expired_pending_registrations(now_ + std::chrono::hours(1)), 2);
  EXPECT_EQ(*store_->count_pending_registrations(), 0);
}

LATCHKEY_STORE_BACKENDS(PendingRegistrationsTest);

}  // namespace
}  // namespace latchkey::store::testing
