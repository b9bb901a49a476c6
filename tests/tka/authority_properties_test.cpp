// Properties of Authority over random forked histories: whatever order the
// AUMs arrive in (parents before children), one at a time or in batches of
// any size, every replica reaches the same head and state; informing again
// is harmless (idempotent); inform_idempotent leaves the original alone.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "tka/authority.h"
#include "tka/chain_dsl.h"
#include "tka/inform_order.h"
#include "tka/memory_storage.h"

namespace latchkey::tka {
namespace {

using testing::ed25519_key;
using testing::state_for_test;
using testing::testing_private_key;

struct History {
  Aum genesis;
  std::vector<Aum> aums;  // in creation order (parents first)
};

// A random tree of valid, signed AUMs of every kind, forking often.
History random_history(std::mt19937& rng, int size) {
  std::vector<crypto::Ed25519Private> privs;
  for (int i = 0; i < 6; ++i) privs.push_back(testing_private_key(1000 + i));
  std::map<Bytes, crypto::Ed25519Private> priv_by_id;
  for (const auto& p : privs) priv_by_id[*ed25519_key(p, 1).id()] = p;

  History h;
  State genesis_state = state_for_test({ed25519_key(privs[0], 2), ed25519_key(privs[1], 1), ed25519_key(privs[2], 3)});
  genesis_state.state_id1 = rng();
  h.genesis = testing::checkpoint_aum(genesis_state);
  h.genesis.sign(privs[0]);

  std::vector<std::pair<AumHash, State>> nodes;
  State g = genesis_state;
  g.last_aum_hash = h.genesis.hash();
  nodes.emplace_back(h.genesis.hash(), g);

  for (int i = 0; i < size; ++i) {
    // Prefer recent parents so chains grow long, but fork often.
    const std::size_t n = nodes.size();
    const std::size_t back = std::min<std::size_t>(n - 1, rng() % 4 == 0 ? rng() % n : rng() % 3);
    const auto& [parent_hash, parent_state] = nodes[n - 1 - back];
    const std::vector<Key>& keys = *parent_state.keys;

    Aum a;
    a.prev_aum_hash = Bytes(parent_hash.bytes.begin(), parent_hash.bytes.end());
    const auto pick = rng() % 10;
    if (pick < 4) {
      a.kind = AumKind::NoOp;
      a.key_id = Bytes{static_cast<std::uint8_t>(rng())};
    } else if (pick < 6) {
      a.kind = AumKind::UpdateKey;
      a.key_id = *keys[rng() % keys.size()].id();
      a.votes = 1 + rng() % 4;
    } else if (pick < 7 && keys.size() > 1) {
      a.kind = AumKind::RemoveKey;
      a.key_id = *keys[rng() % keys.size()].id();
    } else if (pick < 9) {
      // Add one of the known keys not trusted here.
      std::vector<Key> candidates;
      for (const auto& p : privs) {
        Key k = ed25519_key(p, 1 + rng() % 3);
        if (!parent_state.find_key(*k.id()).ok()) candidates.push_back(k);
      }
      if (candidates.empty()) {
        a.kind = AumKind::NoOp;
      } else {
        a.kind = AumKind::AddKey;
        a.key = candidates[rng() % candidates.size()];
      }
    } else {
      a.kind = AumKind::Checkpoint;
      State s = parent_state;
      s.last_aum_hash.reset();
      a.state = s;
    }
    // One or two distinct trusted signers (whose weight decides forks).
    const std::size_t first = rng() % keys.size();
    a.sign(priv_by_id.at(*keys[first].id()));
    if (keys.size() > 1 && rng() % 3 == 0) a.sign(priv_by_id.at(*keys[(first + 1) % keys.size()].id()));

    auto next = parent_state.apply_verified_aum(a);
    if (!next.ok() || !a.static_validate().ok()) continue;  // e.g. removing the last key
    nodes.emplace_back(a.hash(), *next);
    h.aums.push_back(std::move(a));
  }
  return h;
}

// A random order in which every AUM follows its parent.
std::vector<Aum> random_topological_order(std::mt19937& rng, const History& h) {
  std::set<AumHash> placed{h.genesis.hash()};
  std::vector<Aum> pending = h.aums, out;
  while (!pending.empty()) {
    std::vector<std::size_t> ready;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (placed.count(*pending[i].parent())) ready.push_back(i);
    }
    const std::size_t pick = ready[rng() % ready.size()];
    placed.insert(pending[pick].hash());
    out.push_back(pending[pick]);
    pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  return out;
}

struct Replica {
  MemoryStorage storage;
  std::optional<Authority> authority;
  explicit Replica(const Aum& genesis) {
    auto a = Authority::bootstrap(storage, genesis);
    EXPECT_TRUE(a.ok()) << a.message();
    authority = std::move(*a);
  }
};

TEST(AuthorityProperties, EveryArrivalOrderReachesTheSameHead) {
  std::mt19937 rng(7);
  std::size_t forks_seen = 0;
  for (int trial = 0; trial < 16; ++trial) {
    SCOPED_TRACE(trial);
    const History h = random_history(rng, 10 + static_cast<int>(rng() % 50));

    Replica reference(h.genesis);
    ASSERT_TRUE(reference.authority->inform(reference.storage, order_for_inform(h.genesis.hash(), h.aums)).ok());
    if (reference.storage.heads()->size() > 1) ++forks_seen;
    const AumHash head = reference.authority->head();
    const State state = reference.authority->state();

    for (int order = 0; order < 4; ++order) {
      const std::vector<Aum> aums = random_topological_order(rng, h);
      // One AUM at a time.
      Replica one(h.genesis);
      for (const Aum& a : aums) ASSERT_TRUE(one.authority->inform(one.storage, std::vector<Aum>{a}).ok());
      EXPECT_EQ(one.authority->head(), head);
      EXPECT_EQ(one.authority->state(), state);
      // All at once.
      Replica all(h.genesis);
      ASSERT_TRUE(all.authority->inform(all.storage, aums).ok());
      EXPECT_EQ(all.authority->head(), head);
      EXPECT_EQ(all.authority->state(), state);
      // Random batch sizes.
      Replica chunks(h.genesis);
      for (std::size_t i = 0; i < aums.size();) {
        const std::size_t n = std::min(aums.size() - i, 1 + static_cast<std::size_t>(rng() % 9));
        ASSERT_TRUE(chunks.authority->inform(chunks.storage, std::span<const Aum>(aums).subspan(i, n)).ok());
        i += n;
      }
      EXPECT_EQ(chunks.authority->head(), head);
      // Reopened from storage.
      auto reopened = Authority::open(chunks.storage);
      ASSERT_TRUE(reopened.ok()) << reopened.message();
      EXPECT_EQ(reopened->head(), head);
      EXPECT_EQ(reopened->state(), state);
    }
  }
  EXPECT_GT(forks_seen, 6u) << "the histories should fork";
}

TEST(AuthorityProperties, InformIsIdempotent) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 10; ++trial) {
    SCOPED_TRACE(trial);
    const History h = random_history(rng, 30);
    Replica r(h.genesis);
    const std::vector<Aum> aums = order_for_inform(h.genesis.hash(), h.aums);
    ASSERT_TRUE(r.authority->inform(r.storage, aums).ok());
    const AumHash head = r.authority->head();
    const State state = r.authority->state();
    const std::size_t stored = r.storage.size();

    // The same batch, a subset, and single AUMs again: accepted, no change.
    ASSERT_TRUE(r.authority->inform(r.storage, aums).ok());
    ASSERT_TRUE(r.authority->inform(r.storage, std::span<const Aum>(aums).first(aums.size() / 2)).ok());
    ASSERT_TRUE(r.authority->inform(r.storage, std::vector<Aum>{aums.back()}).ok());
    EXPECT_EQ(r.authority->head(), head);
    EXPECT_EQ(r.authority->state(), state);
    EXPECT_EQ(r.storage.size(), stored);

    // inform_idempotent returns the new authority and leaves this one alone.
    Replica fresh(h.genesis);
    const Authority before = *fresh.authority;
    auto next = fresh.authority->inform_idempotent(fresh.storage, aums);
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->head(), head);
    EXPECT_EQ(fresh.authority->head(), before.head());
    EXPECT_EQ(fresh.authority->state(), before.state());
  }
}

TEST(AuthorityProperties, FailedBatchCommitsNothing) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 10; ++trial) {
    SCOPED_TRACE(trial);
    const History h = random_history(rng, 25);
    std::vector<Aum> aums = order_for_inform(h.genesis.hash(), h.aums);
    ASSERT_GT(aums.size(), 2u);
    // Tamper with one signature somewhere in the batch.
    const std::size_t victim = rng() % aums.size();
    (*aums[victim].signatures[0].signature)[10] ^= 0x01;
    Replica r(h.genesis);
    auto st = r.authority->inform(r.storage, aums);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(r.storage.size(), 1u);
    EXPECT_EQ(r.authority->head(), h.genesis.hash());
  }
}

TEST(InformOrder, ParentsFirstBreadthFirstOrphansLast) {
  std::mt19937 rng(3);
  const History h = random_history(rng, 40);
  std::vector<Aum> shuffled = h.aums;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  shuffled.push_back(h.genesis);  // a copy of the root is dropped
  shuffled.push_back(h.aums[0]);  // and duplicates
  Aum orphan;
  orphan.kind = AumKind::NoOp;
  orphan.prev_aum_hash = Bytes(32, 0xee);
  Aum orphan_child;
  orphan_child.kind = AumKind::NoOp;
  const AumHash oh = orphan.hash();
  orphan_child.prev_aum_hash = Bytes(oh.bytes.begin(), oh.bytes.end());
  shuffled.insert(shuffled.begin(), orphan_child);
  shuffled.insert(shuffled.begin() + 3, orphan);

  const std::vector<Aum> ordered = order_for_inform(h.genesis.hash(), shuffled);
  ASSERT_EQ(ordered.size(), h.aums.size() + 2);
  std::set<AumHash> seen{h.genesis.hash()};
  for (std::size_t i = 0; i < h.aums.size(); ++i) {
    EXPECT_TRUE(seen.count(*ordered[i].parent())) << "parent after child at " << i;
    seen.insert(ordered[i].hash());
  }
  EXPECT_EQ(ordered[ordered.size() - 2], orphan);
  EXPECT_EQ(ordered.back(), orphan_child);
  // Breadth-first: depths never decrease.
  std::map<AumHash, int> depth{{h.genesis.hash(), 0}};
  int last = 0;
  for (std::size_t i = 0; i < h.aums.size(); ++i) {
    const int d = depth.at(*ordered[i].parent()) + 1;
    depth[ordered[i].hash()] = d;
    EXPECT_GE(d, last);
    last = d;
  }
}

}  // namespace
}  // namespace latchkey::tka
