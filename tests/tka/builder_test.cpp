// UpdateBuilder: ports of upstream builder_test.go (add, remove, votes,
// metadata, several changes at once, the key limit, a checkpoint every 50
// AUMs), plus the combined update, unsigned building and a head that moved.
#include <gtest/gtest.h>

#include <functional>

#include "base/hex.h"
#include "tka/authority.h"
#include "tka/builder.h"
#include "tka/chain_dsl.h"
#include "tka/limits.h"
#include "tka/memory_storage.h"

namespace latchkey::tka {
namespace {

using testing::ed25519_key;
using testing::state_for_test;
using testing::testing_private_key;

struct Fixture {
  crypto::Ed25519Private priv = testing_private_key(1);
  Key key = ed25519_key(priv, 2);
  Ed25519Signer signer{priv};
  MemoryStorage storage;
  std::optional<Authority> authority;

  explicit Fixture(std::vector<Key> extra = {}, std::optional<Metadata> meta = std::nullopt) {
    key.meta = std::move(meta);
    extra.insert(extra.begin(), key);
    auto created = Authority::create(storage, state_for_test(extra), signer);
    EXPECT_TRUE(created.ok()) << created.message();
    authority = created->first;
  }

  Status apply(const std::function<Status(UpdateBuilder&)>& changes) {
    UpdateBuilder b(*authority, &signer);
    if (auto st = changes(b); !st) return st;
    auto aums = b.finalize(storage);
    if (!aums) return aums.error();
    return authority->inform(storage, *aums);
  }
};

TEST(Builder, AddKey) {
  Fixture f;
  const Key key2 = ed25519_key(testing_private_key(2), 1);
  ASSERT_TRUE(f.apply([&](UpdateBuilder& b) { return b.add_key(key2); }).ok());
  EXPECT_TRUE(f.authority->key_trusted(*key2.id()));
  auto again = f.apply([&](UpdateBuilder& b) { return b.add_key(key2); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.message(), "cannot add key tlpub:" + hex_encode(*key2.public_key) + ": already exists");
}

TEST(Builder, MaxKeys) {
  Fixture f;
  for (std::size_t i = 0; i <= kMaxKeys; ++i) {
    const Key k = ed25519_key(testing_private_key(static_cast<int>(2 + i)), 1);
    UpdateBuilder b(*f.authority, &f.signer);
    auto st = b.add_key(k);
    if (i < kMaxKeys - 1) {
      ASSERT_TRUE(st.ok()) << i << ": " << st.message();
    } else {
      ASSERT_FALSE(st.ok()) << i;
      EXPECT_EQ(st.message(), "cannot add key tlpub:" + hex_encode(*k.public_key) + ": maximum number of keys reached");
      continue;
    }
    auto aums = b.finalize(f.storage);
    ASSERT_TRUE(aums.ok()) << aums.message();
    auto informed = f.authority->inform(f.storage, *aums);
    ASSERT_TRUE(informed.ok()) << i << ": " << informed.message();
    ASSERT_TRUE(f.authority->key_trusted(*k.id()));
  }
  EXPECT_EQ(f.authority->keys().size(), kMaxKeys);
}

TEST(Builder, RemoveKey) {
  const Key key2 = ed25519_key(testing_private_key(2), 1);
  Fixture f({key2});
  ASSERT_TRUE(f.apply([&](UpdateBuilder& b) { return b.remove_key(*key2.id()); }).ok());
  EXPECT_FALSE(f.authority->key_trusted(*key2.id()));

  // Removing the last key builds, but no authority accepts it.
  auto st = f.apply([&](UpdateBuilder& b) { return b.remove_key(*f.key.id()); });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cannot remove the last key"), std::string::npos) << st.message();

  auto missing = f.apply([&](UpdateBuilder& b) { return b.remove_key(Bytes(32, 7)); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.message(), "failed reading key " + hex_encode(Bytes(32, 7)) + ": key not found");
}

TEST(Builder, SetKeyVote) {
  Fixture f;
  ASSERT_TRUE(f.apply([&](UpdateBuilder& b) { return b.set_key_vote(*f.key.id(), 5); }).ok());
  EXPECT_EQ(f.authority->keys().at(0).votes, 5u);
  auto bad = f.apply([&](UpdateBuilder& b) { return b.set_key_vote(*f.key.id(), 0); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "update cannot be applied: updated key fails validation: key votes must be non-zero");
}

TEST(Builder, SetKeyMeta) {
  Fixture f({}, Metadata{{"a", "b"}});
  ASSERT_TRUE(f.apply([&](UpdateBuilder& b) { return b.set_key_meta(*f.key.id(), Metadata{{"b", "c"}}); }).ok());
  EXPECT_EQ(f.authority->keys().at(0).meta, (Metadata{{"b", "c"}}));
}

TEST(Builder, UpdateKeyVotesAndMetaInOneAum) {
  Fixture f;
  UpdateBuilder b(*f.authority, &f.signer);
  ASSERT_TRUE(b.update_key(*f.key.id(), 7, Metadata{{"name", "laptop"}}).ok());
  auto aums = b.finalize(f.storage);
  ASSERT_TRUE(aums.ok());
  ASSERT_EQ(aums->size(), 1u);
  EXPECT_EQ(aums->at(0).kind, AumKind::UpdateKey);
  ASSERT_TRUE(f.authority->inform(f.storage, *aums).ok());
  EXPECT_EQ(f.authority->keys().at(0).votes, 7u);
  EXPECT_EQ(f.authority->keys().at(0).meta, (Metadata{{"name", "laptop"}}));

  UpdateBuilder empty(*f.authority, &f.signer);
  auto st = empty.update_key(*f.key.id(), std::nullopt, std::nullopt);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "generated update was invalid: UpdateKey AUMs must contain an update to votes or key metadata");
}

TEST(Builder, MultipleChanges) {
  Fixture f;
  const Key key2 = ed25519_key(testing_private_key(2), 1);
  ASSERT_TRUE(f.apply([&](UpdateBuilder& b) {
                 if (auto st = b.add_key(key2); !st) return st;
                 if (auto st = b.set_key_vote(*key2.id(), 42); !st) return st;
                 return b.remove_key(*f.key.id());
               }).ok());
  ASSERT_EQ(f.authority->keys().size(), 1u);
  EXPECT_EQ(f.authority->keys()[0].votes, 42u);
  EXPECT_FALSE(f.authority->key_trusted(*f.key.id()));
}

TEST(Builder, CheckpointsAfterFiftyUpdates) {
  Fixture f;
  for (int i = 0; i <= kCheckpointEvery; ++i) {
    const Key k = ed25519_key(testing_private_key(i + 2), 1);
    ASSERT_TRUE(f.apply([&](UpdateBuilder& b) { return b.add_key(k); }).ok());
    ASSERT_TRUE(f.authority->key_trusted(*k.id()));
    // Genesis + 49 updates == 50: the 50th batch ends in a checkpoint.
    const AumKind want = i == kCheckpointEvery - 1 ? AumKind::Checkpoint : AumKind::AddKey;
    EXPECT_EQ(f.storage.aum(f.authority->head())->kind, want) << i;
  }
  // The checkpoint carries the whole state, without a parent hash.
  auto reopened = Authority::open(f.storage);
  ASSERT_TRUE(reopened.ok()) << reopened.message();
  EXPECT_EQ(reopened->head(), f.authority->head());
  EXPECT_EQ(reopened->state(), f.authority->state());
}

// A chain longer than the 2,000 steps the candidate search may take is
// still listed whole, from the genesis (the oldest ancestor) to the head.
TEST(Builder, LongChainIsListedWhole) {
  Fixture f;
  constexpr int kUpdates = kMaxScanIterations + 100;
  for (int i = 0; i < kUpdates; ++i) {
    ASSERT_TRUE(f.apply([&](UpdateBuilder& b) { return b.set_key_vote(*f.key.id(), 1 + i % 2); }).ok()) << i;
  }
  auto chain = f.authority->active_chain(f.storage);
  ASSERT_TRUE(chain.ok()) << chain.message();
  // Genesis, every update, and a checkpoint each time 50 were due.
  const std::size_t checkpoints = static_cast<std::size_t>(kUpdates + 1) / kCheckpointEvery;
  EXPECT_GE(chain->size(), static_cast<std::size_t>(kUpdates) + 1 + checkpoints - 1);
  EXPECT_LE(chain->size(), static_cast<std::size_t>(kUpdates) + 1 + checkpoints);
  EXPECT_EQ(chain->back().hash(), f.authority->head());
  EXPECT_FALSE(chain->front().parent().has_value());
  for (std::size_t i = 1; i < chain->size(); ++i) {
    ASSERT_EQ((*chain)[i].parent(), (*chain)[i - 1].hash()) << i;
  }
}

TEST(Builder, UnsignedBuildingAndMovedHead) {
  Fixture f;
  const Key key2 = ed25519_key(testing_private_key(2), 1);
  UpdateBuilder unsigned_builder(*f.authority, nullptr);
  ASSERT_TRUE(unsigned_builder.add_key(key2).ok());
  auto unsigned_aums = unsigned_builder.finalize(f.storage);
  ASSERT_TRUE(unsigned_aums.ok());
  EXPECT_TRUE(unsigned_aums->at(0).signatures.empty());
  auto st = f.authority->inform(f.storage, *unsigned_aums);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "update 0 invalid: unsigned AUM");

  // A builder made before the head moved refuses to finalize.
  UpdateBuilder stale(*f.authority, &f.signer);
  ASSERT_TRUE(stale.add_key(key2).ok());
  ASSERT_TRUE(f.apply([&](UpdateBuilder& b) { return b.set_key_vote(*f.key.id(), 3); }).ok());
  auto late = stale.finalize(f.storage);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.message().rfind("updates no longer apply to head: based on ", 0), 0u) << late.message();
}

}  // namespace
}  // namespace latchkey::tka
