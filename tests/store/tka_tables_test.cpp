// Tailnet Lock tables: AUMs by hash (idempotent put keeping the first
// commit time, children by parent, heads, deletion), per-node key
// signatures (replaced, listed, removed with the node), named values, and
// deleting all of it at once. Runs on SQLite and PostgreSQL.
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

TEST_P(TkaTablesTest, CommitTimesHeadsAndDeletion) {
  using std::chrono::seconds;
  const TimePoint t0 = TimePoint{} + seconds(1'700'000'000);
  const StoredAum genesis{filled(1, 32), std::nullopt, Bytes{0xa0}, t0};
  const StoredAum a{filled(2, 32), filled(1, 32), Bytes{0xa1}, t0 + seconds(1)};
  const StoredAum b{filled(3, 32), filled(2, 32), Bytes{0xa2}, t0 + seconds(2)};
  const StoredAum fork{filled(4, 32), filled(1, 32), Bytes{0xa3}, t0 + seconds(3)};
  Status st = store_->transact([&](Transaction& tx) -> Status {
    for (const StoredAum* x : {&genesis, &a, &b, &fork}) {
      if (auto s = tx.put_aum(*x); !s) return s;
    }
    // Stored again later: the first commit time stays.
    StoredAum again = a;
    again.committed_at = t0 + seconds(100);
    return tx.put_aum(again);
  });
  ASSERT_TRUE(st.ok()) << st.message();
  st = store_->transact([&](Transaction& tx) -> Status {
    auto got = tx.get_aum(a.hash);
    if (!got) return got.error();
    EXPECT_EQ(got->committed_at, a.committed_at);
    auto heads = tx.aum_heads();
    if (!heads) return heads.error();
    EXPECT_EQ(*heads, (std::vector<StoredAum>{b, fork}));
    auto hashes = tx.list_aum_hashes();
    if (!hashes) return hashes.error();
    EXPECT_EQ(*hashes, (std::vector<Bytes>{genesis.hash, a.hash, b.hash, fork.hash}));
    // Deleting the tip makes its parent a head; unknown hashes are ignored.
    const std::vector<Bytes> gone{b.hash, filled(9, 32)};
    if (auto s = tx.delete_aums(gone); !s) return s;
    heads = tx.aum_heads();
    if (!heads) return heads.error();
    EXPECT_EQ(*heads, (std::vector<StoredAum>{a, fork}));
    EXPECT_EQ(tx.get_aum(b.hash).kind(), ErrorKind::NotFound);
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.message();
}

TEST_P(TkaTablesTest, DeleteAllClearsAumsSignaturesAndValues) {
  auto u = store_->create_user({"alice", "", "", ""}, now_);
  ASSERT_TRUE(u.ok());
  auto n1 = store_->register_node(new_node(1, u->id), now_);
  auto n2 = store_->register_node(new_node(2, u->id), now_);
  ASSERT_TRUE(n1.ok() && n2.ok());
  Status st = store_->transact([&](Transaction& tx) -> Status {
    if (auto s = tx.put_aum(StoredAum{filled(1, 32), std::nullopt, Bytes{0xa0}, now_}); !s) return s;
    if (auto s = tx.set_node_key_signature(n2->id, Bytes{2}, now_); !s) return s;
    if (auto s = tx.set_node_key_signature(n1->id, Bytes{1}, now_); !s) return s;
    if (auto s = tx.set_tka_value("mode", Bytes{1}); !s) return s;
    auto sigs = tx.list_node_key_signatures();
    if (!sigs) return sigs.error();
    EXPECT_EQ(*sigs, (std::vector<std::pair<NodeId, Bytes>>{{n1->id, Bytes{1}}, {n2->id, Bytes{2}}}));
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.message();
  st = store_->transact([&](Transaction& tx) -> Status {
    if (auto s = tx.delete_all_tka(); !s) return s;
    EXPECT_TRUE(tx.list_aum_hashes()->empty());
    EXPECT_TRUE(tx.list_node_key_signatures()->empty());
    EXPECT_EQ(tx.get_tka_value("mode").kind(), ErrorKind::NotFound);
    // Removing an absent value is fine.
    return tx.delete_tka_value("mode");
  });
  ASSERT_TRUE(st.ok()) << st.message();
  // The nodes themselves stay.
  EXPECT_TRUE(store_->get_node(n1->id).ok());
}

TEST_P(TkaTablesTest, PendingRegistrationKeepsItsSignature) {
  PendingRegistration p;
  p.auth_id = "with-signature";
  p.machine_key = machine_key(41);
  p.node_key = node_key(41);
  p.created_at = now_;
  p.expires_at = now_ + std::chrono::minutes(15);
  p.node_key_signature = Bytes{0xa4, 1, 2, 3};
  ASSERT_TRUE(store_->create_pending_registration(p).ok());
  PendingRegistration q = p;
  q.auth_id = "without";
  q.machine_key = machine_key(42);
  q.node_key = node_key(42);
  q.node_key_signature.reset();
  ASSERT_TRUE(store_->create_pending_registration(q).ok());
  EXPECT_EQ(*store_->get_pending_registration("with-signature"), p);
  EXPECT_EQ(*store_->get_pending_registration("without"), q);
}

LATCHKEY_STORE_BACKENDS(TkaTablesTest);

}  // namespace
}  // namespace latchkey::store::testing
