// Tailnet Lock tables: AUMs by hash (idempotent put, children by parent),
// per-node key signatures (replaced, removed with the node) and named
// values. Runs on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include "store/node_builders.h"
#include "store/store_fixture.h"

namespace latchkey::store::testing {
namespace {

using TkaTablesTest = StoreTest;

Bytes filled(std::uint8_t b, std::size_t n) { return Bytes(n, b); }

TEST_P(TkaTablesTest, Aums) {
  const StoredAum genesis{filled(1, 32), std::nullopt, Bytes{0xa4, 0x01, 0x02, 0x00}};
  const StoredAum c1{filled(2, 32), filled(1, 32), Bytes{0xa1, 0x01, 0x00}};
  const StoredAum c2{filled(3, 32), filled(1, 32), Bytes{}};
  ASSERT_TRUE(store_->put_aum(genesis).ok());
  ASSERT_TRUE(store_->put_aum(c2).ok());
  ASSERT_TRUE(store_->put_aum(c1).ok());
  ASSERT_TRUE(store_->put_aum(c1).ok());  // idempotent
  auto g = store_->get_aum(genesis.hash);
  ASSERT_TRUE(g.ok()) << g.message();
  EXPECT_EQ(*g, genesis);
  auto kids = store_->aum_children(genesis.hash);
  ASSERT_TRUE(kids.ok());
  ASSERT_EQ(kids->size(), 2u);
  EXPECT_EQ((*kids)[0], c1);
  EXPECT_EQ((*kids)[1], c2);  // empty AUM bytes survive as empty, not null
  auto all = store_->list_aums();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  EXPECT_EQ(store_->get_aum(filled(9, 32)).kind(), ErrorKind::NotFound);
  EXPECT_EQ(store_->put_aum(StoredAum{}).kind(), ErrorKind::Invalid);
}

TEST_P(TkaTablesTest, NodeKeySignatures) {
  auto u = store_->create_user({"alice", "", "", ""}, now_);
  ASSERT_TRUE(u.ok());
  auto n = store_->register_node(new_node(1, u->id), now_);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(store_->get_node_key_signature(n->id).kind(), ErrorKind::NotFound);
  ASSERT_TRUE(store_->set_node_key_signature(n->id, Bytes{1, 2, 3}, now_).ok());
  EXPECT_EQ(*store_->get_node_key_signature(n->id), (Bytes{1, 2, 3}));
  ASSERT_TRUE(store_->set_node_key_signature(n->id, Bytes{4, 5}, now_).ok());
  EXPECT_EQ(*store_->get_node_key_signature(n->id), (Bytes{4, 5}));
  EXPECT_EQ(store_->set_node_key_signature(n->id + 100, Bytes{1}, now_).kind(), ErrorKind::NotFound);
  ASSERT_TRUE(store_->delete_node_key_signature(n->id).ok());
  EXPECT_EQ(store_->delete_node_key_signature(n->id).kind(), ErrorKind::NotFound);
  ASSERT_TRUE(store_->set_node_key_signature(n->id, Bytes{7}, now_).ok());
  ASSERT_TRUE(store_->delete_node(n->id).ok());
  EXPECT_EQ(store_->get_node_key_signature(n->id).kind(), ErrorKind::NotFound);
}

TEST_P(TkaTablesTest, NamedValues) {
  EXPECT_EQ(store_->get_tka_value("head").kind(), ErrorKind::NotFound);
  ASSERT_TRUE(store_->set_tka_value("head", filled(5, 32)).ok());
  EXPECT_EQ(*store_->get_tka_value("head"), filled(5, 32));
  ASSERT_TRUE(store_->set_tka_value("head", Bytes{}).ok());
  EXPECT_EQ(*store_->get_tka_value("head"), Bytes{});
}

LATCHKEY_STORE_BACKENDS(TkaTablesTest);

}  // namespace
}  // namespace latchkey::store::testing
