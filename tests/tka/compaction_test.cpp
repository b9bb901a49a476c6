// Compaction: ports of upstream tailchonk_test.go (markActiveChain,
// markDescendantAUMs, markAncestorIntersectionAUMs, Compact,
// CompactLongButYoung) and tka_test.go's TestAuthorityCompact on the
// directory store, plus the property that compaction never changes the head
// or the state an authority computes.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>

#include "tka/authority.h"
#include "tka/builder.h"
#include "tka/chain_dsl.h"
#include "tka/compaction.h"
#include "tka/directory_storage.h"
#include "tka/memory_storage.h"

namespace latchkey::tka {
namespace {

namespace fs = std::filesystem;
using testing::ChainOptions;
using testing::TestChain;
using testing::ed25519_key;
using testing::state_for_test;
using testing::testing_private_key;

ChainOptions checkpoint_options() {
  ChainOptions o;
  testing::with_checkpoint_template(o);
  return o;
}

TEST(Compaction, MarkActiveChain) {
  struct Case {
    const char* name;
    int min_chain;
    std::vector<AumKind> chain;
    std::size_t want_ancestor;
  };
  const auto C = AumKind::Checkpoint;
  const std::vector<Case> cases{
      {"genesis", 2, {C}, 0},
      {"simple-truncate", 2, {C, C, C, C}, 1},
      {"long-truncate", 5, {C, C, C, C, C, C, C, C}, 2},
      {"truncate-finding-checkpoint", 2, {C, C, AumKind::AddKey, C, C}, 1},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    MemoryStorage storage;
    RetainVerdicts verdicts;
    std::vector<AumHash> hashes;
    std::optional<AumHash> prev;
    for (AumKind kind : tc.chain) {
      Aum a;
      a.kind = kind;
      if (kind == AumKind::Checkpoint) a.state = State{};
      if (kind == AumKind::AddKey) a.key = Key{};
      if (prev) a.prev_aum_hash = Bytes(prev->bytes.begin(), prev->bytes.end());
      ASSERT_TRUE(storage.commit_verified_aums(std::vector<Aum>{a}).ok());
      prev = a.hash();
      hashes.push_back(*prev);
      verdicts[*prev] = 0;
    }
    auto got = mark_active_chain(storage, verdicts, tc.min_chain, *prev);
    ASSERT_TRUE(got.ok()) << got.message();
    EXPECT_EQ(*got, hashes[tc.want_ancestor]);
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      const std::uint8_t want = i >= tc.want_ancestor ? kRetainActive : kRetainCandidate;
      EXPECT_TRUE(verdicts[hashes[i]] & want) << i;
    }
  }
}

TEST(Compaction, MarkDescendantAums) {
  TestChain c(R"(
        genesis -> B -> C -> C2
                   | -> D
                   | -> E -> F -> G -> H
                        | -> E2

        // tweak seeds so hashes arent identical
        C.hashSeed = 1
        D.hashSeed = 2
        E.hashSeed = 3
        E2.hashSeed = 4
    )");
  RetainVerdicts verdicts;
  for (const auto& [name, h] : c.hashes()) verdicts[h] = 0;
  verdicts[c.hash("C")] = kRetainActive;
  verdicts[c.hash("E")] = kRetainActive;
  ASSERT_TRUE(mark_descendant_aums(*c.storage(), verdicts).ok());
  for (const char* n : {"C2", "F", "G", "H", "E2"}) EXPECT_TRUE(verdicts[c.hash(n)] & kRetainLeaf) << n;
  for (const char* n : {"genesis", "B", "D"}) EXPECT_FALSE(verdicts[c.hash(n)] & kRetainLeaf) << n;
}

TEST(Compaction, MarkAncestorIntersectionAums) {
  struct Case {
    const char* name;
    std::string chain;
    std::map<std::string, std::uint8_t> verdicts;
    std::string initial, want;
    std::vector<std::string> retained, deleted;
  };
  const std::vector<Case> cases{
      {"genesis", "A\nA.template = checkpoint", {{"A", kRetainActive}}, "A", "A", {"A"}, {}},
      {"no-adjustment",
       "DEAD -> A -> B -> C\nA.template = checkpoint\nB.template = checkpoint",
       {{"A", kRetainActive}, {"B", kRetainActive}, {"C", kRetainActive}, {"DEAD", kRetainCandidate}},
       "A",
       "A",
       {"A", "B", "C"},
       {"DEAD"}},
      {"fork",
       "A -> B -> C -> D\n          | -> FORK\nA.template = checkpoint\nC.template = checkpoint\n"
       "D.template = checkpoint\nFORK.hashSeed = 2",
       {{"A", kRetainCandidate},
        {"B", kRetainCandidate},
        {"C", kRetainCandidate},
        {"D", kRetainActive},
        {"FORK", kRetainYoung}},
       "D",
       "C",
       {"C", "D", "FORK"},
       {"A", "B"}},
      {"fork-finding-earlier-checkpoint",
       "A -> B -> C -> D -> E -> F\n          | -> FORK\nA.template = checkpoint\nB.template = checkpoint\n"
       "E.template = checkpoint\nFORK.hashSeed = 2",
       {{"A", kRetainCandidate},
        {"B", kRetainCandidate},
        {"C", kRetainCandidate},
        {"D", kRetainCandidate},
        {"E", kRetainActive},
        {"F", kRetainActive},
        {"FORK", kRetainYoung}},
       "E",
       "B",
       {"B", "C", "D", "E", "F", "FORK"},
       {"A"}},
      {"fork-multi",
       "A -> B -> C -> D -> E\n               | -> DEADFORK\nC -> FORK\nA.template = checkpoint\n"
       "C.template = checkpoint\nD.template = checkpoint\nE.template = checkpoint\nFORK.hashSeed = 2\n"
       "DEADFORK.hashSeed = 3",
       {{"A", kRetainCandidate},
        {"B", kRetainCandidate},
        {"C", kRetainCandidate},
        {"D", kRetainActive},
        {"E", kRetainActive},
        {"FORK", kRetainYoung},
        {"DEADFORK", 0}},
       "D",
       "C",
       {"C", "D", "E", "FORK"},
       {"A", "B", "DEADFORK"}},
      {"fork-multi-2",
       "A -> B -> C -> D -> E -> F -> G\n\nF -> F1\nD -> F2\nB -> F3\n\nA.template = checkpoint\n"
       "B.template = checkpoint\nD.template = checkpoint\nF.template = checkpoint\nF1.hashSeed = 2\n"
       "F2.hashSeed = 3\nF3.hashSeed = 4",
       {{"A", kRetainCandidate},
        {"B", kRetainCandidate},
        {"C", kRetainCandidate},
        {"D", kRetainCandidate},
        {"E", kRetainCandidate},
        {"F", kRetainActive},
        {"G", kRetainActive},
        {"F1", kRetainYoung},
        {"F2", kRetainYoung},
        {"F3", kRetainYoung}},
       "F",
       "B",
       {"B", "C", "D", "E", "F", "G", "F1", "F2", "F3"},
       {}},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    TestChain c(tc.chain, checkpoint_options());
    RetainVerdicts verdicts;
    for (const auto& [name, v] : tc.verdicts) verdicts[c.hash(name)] = v;
    auto got = mark_ancestor_intersection_aums(*c.storage(), verdicts, c.hash(tc.initial));
    ASSERT_TRUE(got.ok()) << got.message();
    EXPECT_EQ(*got, c.hash(tc.want));
    for (const auto& n : tc.retained) EXPECT_TRUE(verdicts[c.hash(n)] & kRetainMask) << n << " not retained";
    for (const auto& n : tc.deleted) EXPECT_FALSE(verdicts[c.hash(n)] & kRetainMask) << n << " retained";
  }
}

TEST(Compaction, Compact) {
  // A and B go: the new ancestor C is past them. OLD goes: it keeps no
  // retained AUM alive. G and H are the newest min_chain AUMs; E, F lie
  // between them and D, the checkpoint they need; G2 descends from G; F1 is
  // young; F2 descends from F1; C2 links F1 to the ancestor; C is the newest
  // checkpoint common to everything kept.
  TestChain c(R"(
        A -> B -> C -> C2 -> D -> E -> F -> G -> H
                       |  -> F1 -> F2       | -> G2
                       |  -> OLD

        // make {A,B,C,D} compaction candidates
        A.template = checkpoint
        B.template = checkpoint
        C.template = checkpoint
        D.template = checkpoint

        // tweak seeds of forks so hashes arent identical
        F1.hashSeed = 1
        OLD.hashSeed = 2
        G2.hashSeed = 3
    )",
              checkpoint_options());
  const UnixTime now = 1'000'000;
  UnixTime clock = 0;
  MemoryStorage storage([&clock] { return clock; });
  for (const auto& [name, a] : c.aums()) {
    clock = name == "F1" ? now : 0;  // only F1 is recent
    ASSERT_TRUE(storage.commit_verified_aums(std::vector<Aum>{a}).ok());
  }
  auto ancestor = compact(storage, c.hash("H"), CompactionOptions{2, 3600}, now);
  ASSERT_TRUE(ancestor.ok()) << ancestor.message();
  EXPECT_EQ(*ancestor, c.hash("C"));
  std::set<std::string> gone;
  for (const auto& [name, h] : c.hashes()) {
    if (!*storage.has_aum(h)) gone.insert(name);
  }
  EXPECT_EQ(gone, (std::set<std::string>{"A", "B", "OLD"}));
  EXPECT_EQ(**storage.last_active_ancestor(), c.hash("C"));
}

TEST(Compaction, OptionsMustBeSet) {
  MemoryStorage storage;
  EXPECT_EQ(compact(storage, AumHash{}, CompactionOptions{0, 1}, 0).message(), "opts.MinChain must be set");
  EXPECT_EQ(compact(storage, AumHash{}, CompactionOptions{1, 0}, 0).message(), "opts.MinAge must be set");
}

TEST(Compaction, LongButYoungChainKeepsEverything) {
  const auto our_priv = testing_private_key(1);
  const Key our_key = ed25519_key(our_priv, 1), other_key = ed25519_key(testing_private_key(2), 1);
  const UnixTime now = 5'000'000;
  MemoryStorage storage([now] { return now; });
  const Ed25519Signer signer(our_priv);
  auto created = Authority::create(storage, state_for_test({our_key, other_key}), signer);
  ASSERT_TRUE(created.ok());
  Authority a = created->first;
  const AumHash genesis = a.head();
  for (int i = 0; i < 100; ++i) {
    UpdateBuilder b(a, &signer);
    ASSERT_TRUE(b.remove_key(*other_key.id()).ok());
    ASSERT_TRUE(b.add_key(other_key).ok());
    auto aums = b.finalize(storage);
    ASSERT_TRUE(aums.ok()) << aums.message();
    ASSERT_TRUE(a.inform(storage, *aums).ok());
  }
  auto ancestor = compact(storage, a.head(), CompactionOptions{5, 3600}, now);
  ASSERT_TRUE(ancestor.ok()) << ancestor.message();
  EXPECT_EQ(*ancestor, genesis);
}

TEST(Compaction, AuthorityCompactOnDirectoryStorage) {
  const auto priv = testing_private_key(1);
  const Key key = ed25519_key(priv, 2);
  ChainOptions o;
  testing::with_genesis_template(o, key);
  o.with_template("checkpoint2", testing::checkpoint_aum(state_for_test({key})));
  o.with_key("key", key, priv).sign_all("key");
  TestChain c(R"(
        G -> A -> B -> C -> D -> E

        G.template = genesis
        C.template = checkpoint2
    )",
              o);
  const std::string dir = (fs::temp_directory_path() / ("latchkey-compact-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  {
    auto storage = DirectoryStorage::open(dir, [] { return UnixTime{100}; });
    ASSERT_TRUE(storage.ok());
    auto a = Authority::bootstrap(**storage, c.aum("G"));
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(a->inform(**storage, std::vector<Aum>{c.aum("A"), c.aum("B"), c.aum("C"), c.aum("D"), c.aum("E")}).ok());
    const State before = a->state();
    // Compacts down to C -> D -> E.
    ASSERT_TRUE(a->compact(**storage, CompactionOptions{2, 1}, 1000).ok());
    EXPECT_EQ(a->oldest_ancestor().hash(), c.hash("C"));
    EXPECT_EQ(a->state(), before);
    EXPECT_EQ((*storage)->all_aums()->size(), 3u);

    auto reopened_storage = DirectoryStorage::open(dir, {});
    ASSERT_TRUE(reopened_storage.ok());
    auto stored = Authority::open(**reopened_storage);
    ASSERT_TRUE(stored.ok()) << stored.message();
    EXPECT_EQ(stored->head(), a->head());
    EXPECT_EQ(stored->state(), a->state());
    EXPECT_EQ(stored->oldest_ancestor().hash(), c.hash("C"));
    EXPECT_EQ(**(*reopened_storage)->last_active_ancestor(), c.hash("C"));
  }
  fs::remove_all(dir);
}

// Property: on random forked histories built with the builder (so that
// checkpoints appear), compacting at random times and with random options
// never changes the head or the state, neither of the live authority nor of
// one opened afresh from the compacted storage.
TEST(Compaction, NeverChangesHeadOrState) {
  std::mt19937 rng(2024);
  const auto p1 = testing_private_key(1), p2 = testing_private_key(2);
  const Ed25519Signer s1(p1), s2(p2);
  std::size_t forked_trials = 0, purged = 0;
  for (int trial = 0; trial < 12; ++trial) {
    SCOPED_TRACE(trial);
    UnixTime clock = 0;
    MemoryStorage storage([&clock] { return clock; });
    auto created = Authority::create(storage, state_for_test({ed25519_key(p1, 2), ed25519_key(p2, 1)}), s1);
    ASSERT_TRUE(created.ok());
    Authority a = created->first;
    std::vector<Authority> history{a};
    const int steps = 40 + static_cast<int>(rng() % 120);
    for (int i = 0; i < steps; ++i) {
      clock += static_cast<UnixTime>(rng() % 5000);
      // Mostly extend the head; sometimes fork from an earlier point.
      const Authority& base = rng() % 6 == 0 ? history[rng() % history.size()] : a;
      UpdateBuilder b(base, rng() % 4 == 0 ? &s2 : &s1);
      Key k = ed25519_key(testing_private_key(100 + i), 1 + rng() % 3);
      ASSERT_TRUE(b.add_key(k).ok());
      if (rng() % 2) {
        ASSERT_TRUE(b.set_key_vote(*k.id(), 1 + rng() % 5).ok());
      }
      auto aums = b.finalize(storage);
      ASSERT_TRUE(aums.ok()) << aums.message();
      ASSERT_TRUE(a.inform(storage, *aums).ok());
      history.push_back(a);
    }
    const AumHash head = a.head();
    const State state = a.state();
    const CompactionOptions opts{1 + static_cast<int>(rng() % 30), 1 + static_cast<std::int64_t>(rng() % 50000)};
    const std::size_t before = storage.size();
    if (storage.heads()->size() > 1) ++forked_trials;
    ASSERT_TRUE(a.compact(storage, opts, clock + static_cast<UnixTime>(rng() % 100000)).ok());
    EXPECT_EQ(a.head(), head);
    EXPECT_EQ(a.state(), state);
    EXPECT_LE(storage.size(), before);
    purged += before - storage.size();
    auto reopened = Authority::open(storage);
    ASSERT_TRUE(reopened.ok()) << reopened.message();
    EXPECT_EQ(reopened->head(), head);
    EXPECT_EQ(reopened->state(), state);
    // Compacting again changes nothing either.
    ASSERT_TRUE(a.compact(storage, opts, clock + 200000).ok());
    auto again = Authority::open(storage);
    ASSERT_TRUE(again.ok()) << again.message();
    EXPECT_EQ(again->head(), head);
    EXPECT_EQ(again->state(), state);
  }
  // The property was exercised: histories had forks, and AUMs were deleted.
  EXPECT_GT(forked_trials, 0u);
  EXPECT_GT(purged, 0u);
}

}  // namespace
}  // namespace latchkey::tka
