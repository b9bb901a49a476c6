// TxAumStorage: an Authority created, updated, reopened and compacted over
// the database (SQLite and PostgreSQL), each step inside one transaction;
// a transaction that fails leaves nothing behind.
#include <gtest/gtest.h>

#include <chrono>

#include "crypto/blake2s.h"
#include "crypto/ed25519.h"
#include "store/store_fixture.h"
#include "store/tka_aum_storage.h"
#include "tka/authority.h"
#include "tka/builder.h"
#include "tka/signer.h"

namespace latchkey::store::testing {
namespace {

using std::chrono::seconds;
using TkaAumStorageTest = StoreTest;

crypto::Ed25519Private private_key(std::uint8_t seed) {
  crypto::Blake2s h;
  const std::uint8_t in[2] = {'k', seed};
  h.update(ByteView(in, 2));
  return crypto::ed25519_from_seed(h.final());
}

tka::Key key_of(const crypto::Ed25519Private& priv) {
  const auto pub = crypto::ed25519_public(priv);
  tka::Key k;
  k.kind = tka::KeyKind::Ed25519;
  k.votes = 1;
  k.public_key = Bytes(pub.begin(), pub.end());
  return k;
}

tka::State genesis_state(const tka::Key& k) {
  tka::State s;
  s.keys = std::vector<tka::Key>{k};
  s.disablement_values = std::vector<tka::NullableBytes>{tka::disablement_kdf(Bytes(32, 0x5a))};
  return s;
}

class Lock {
 public:
  explicit Lock(Store& store) : store_(store) {}
  crypto::Ed25519Private priv = private_key(1);
  tka::Key key = key_of(priv);
  tka::Ed25519Signer signer{priv};

  Result<tka::Authority> create(TimePoint now) {
    std::optional<tka::Authority> made;
    Status st = store_.transact([&](Transaction& tx) -> Status {
      TxAumStorage storage(tx, now);
      auto c = tka::Authority::create(storage, genesis_state(key), signer);
      if (!c) return c.error();
      made = std::move(c->first);
      return {};
    });
    if (!st) return st.error();
    return std::move(*made);
  }

  // `n` updates (the key's votes), one transaction each.
  Status update(tka::Authority& a, int n, TimePoint now) {
    for (int i = 0; i < n; ++i) {
      Status st = store_.transact([&](Transaction& tx) -> Status {
        TxAumStorage storage(tx, now);
        tka::UpdateBuilder b(a, &signer);
        if (auto s = b.set_key_vote(*key.id(), 1 + (i + 1) % 2); !s) return s;
        auto aums = b.finalize(storage);
        if (!aums) return aums.error();
        auto next = a.inform_idempotent(storage, *aums);
        if (!next) return next.error();
        a = std::move(*next);
        return {};
      });
      if (!st) return st;
    }
    return {};
  }

  Result<tka::Authority> open() {
    std::optional<tka::Authority> opened;
    Status st = store_.transact([&](Transaction& tx) -> Status {
      TxAumStorage storage(tx, TimePoint{});
      auto o = tka::Authority::open(storage);
      if (!o) return o.error();
      opened = std::move(*o);
      return {};
    });
    if (!st) return st.error();
    return std::move(*opened);
  }

 private:
  Store& store_;
};

TEST_P(TkaAumStorageTest, AnAuthorityReopensFromTheDatabase) {
  Lock lock(*store_);
  auto a = lock.create(now_);
  ASSERT_TRUE(a.ok()) << a.message();
  ASSERT_TRUE(lock.update(*a, 60, now_ + seconds(5)).ok());
  auto b = lock.open();
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(b->head(), a->head());
  EXPECT_EQ(b->state(), a->state());
  Status st = store_->transact([&](Transaction& tx) -> Status {
    TxAumStorage storage(tx, now_);
    // One chain: genesis, 60 updates and the checkpoint the builder added.
    auto chain = b->active_chain(storage);
    if (!chain) return chain.error();
    EXPECT_EQ(chain->size(), 62u);
    auto heads = storage.heads();
    if (!heads) return heads.error();
    EXPECT_EQ(heads->size(), 1u);
    EXPECT_EQ(heads->at(0).hash(), a->head());
    EXPECT_EQ(*storage.commit_time(chain->front().hash()), now_.time_since_epoch() / seconds(1));
    EXPECT_EQ(*storage.commit_time(a->head()), (now_ + seconds(5)).time_since_epoch() / seconds(1));
    auto missing = storage.aum(tka::AumHash{});
    EXPECT_TRUE(!missing.ok() && tka::is_not_found(missing.error()));
    EXPECT_TRUE(!storage.commit_time(tka::AumHash{}).ok());
    EXPECT_FALSE(*storage.has_aum(tka::AumHash{}));
    EXPECT_TRUE(*storage.has_aum(a->head()));
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.message();
}

TEST_P(TkaAumStorageTest, AFailedTransactionLeavesNothing) {
  Lock lock(*store_);
  auto a = lock.create(now_);
  ASSERT_TRUE(a.ok()) << a.message();
  const tka::AumHash before = a->head();
  Status st = store_->transact([&](Transaction& tx) -> Status {
    TxAumStorage storage(tx, now_);
    tka::UpdateBuilder b(*a, &lock.signer);
    if (auto s = b.set_key_vote(*lock.key.id(), 2); !s) return s;
    auto aums = b.finalize(storage);
    if (!aums) return aums.error();
    auto next = a->inform_idempotent(storage, *aums);
    if (!next) return next.error();
    return Error{"the signatures that go with it did not verify", ErrorKind::Invalid};
  });
  EXPECT_EQ(st.kind(), ErrorKind::Invalid);
  auto b = lock.open();
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(b->head(), before);
  auto hashes = store_->transact([&](Transaction& tx) -> Status {
    auto h = tx.list_aum_hashes();
    if (!h) return h.error();
    EXPECT_EQ(h->size(), 1u);
    return {};
  });
  EXPECT_TRUE(hashes.ok());
}

TEST_P(TkaAumStorageTest, CompactionPrunesOldAumsAndTheLockStillOpens) {
  Lock lock(*store_);
  auto a = lock.create(now_);
  ASSERT_TRUE(a.ok()) << a.message();
  ASSERT_TRUE(lock.update(*a, 120, now_).ok());
  const TimePoint later = now_ + std::chrono::hours(24 * 30);
  std::size_t before = 0, after = 0;
  Status st = store_->transact([&](Transaction& tx) -> Status {
    TxAumStorage storage(tx, later);
    before = storage.all_aums()->size();
    tka::CompactionOptions options;
    options.min_chain = 24;
    options.min_age_seconds = 14 * 24 * 3600;
    if (auto s = a->compact(storage, options, later.time_since_epoch() / seconds(1)); !s) return s;
    after = storage.all_aums()->size();
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_GT(before, after);
  EXPECT_GE(after, 24u);
  auto b = lock.open();
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(b->head(), a->head());
  EXPECT_EQ(b->state(), a->state());
}

TEST_P(TkaAumStorageTest, RemoveAllLeavesTheSignatures) {
  Lock lock(*store_);
  auto a = lock.create(now_);
  ASSERT_TRUE(a.ok()) << a.message();
  auto u = store_->create_user({"alice", "", "", ""}, now_);
  ASSERT_TRUE(u.ok());
  Status st = store_->transact([&](Transaction& tx) -> Status {
    TxAumStorage storage(tx, now_);
    EXPECT_TRUE(storage.last_active_ancestor()->has_value());
    if (auto s = storage.remove_all(); !s) return s;
    EXPECT_TRUE(storage.all_aums()->empty());
    EXPECT_FALSE(storage.last_active_ancestor()->has_value());
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_FALSE(lock.open().ok());
}

LATCHKEY_STORE_BACKENDS(TkaAumStorageTest);

}  // namespace
}  // namespace latchkey::store::testing
