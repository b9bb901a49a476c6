// Sync: sync.json (offers, their wire form, intersections, missing AUMs and
// the informs after an exchange, for identical, ahead/behind, forked,
// disjoint, from-checkpoint and long chains around the 1000-step limit), and
// ports of upstream sync_test.go.
#include <gtest/gtest.h>

#include "base/hex.h"
#include "tka/authority.h"
#include "tka/builder.h"
#include "tka/chain_dsl.h"
#include "tka/memory_storage.h"
#include "tka/sync.h"
#include "tka/vector_support.h"

namespace latchkey::tka {
namespace {

using testing::ChainOptions;
using testing::TestChain;
using testing::ed25519_key;
using testing::json;
using testing::testing_private_key;
using testing::unhex;

std::string hex_of(const AumHash& h) { return hex_encode(h.bytes); }

std::vector<std::string> hexes(const std::vector<Aum>& aums) {
  std::vector<std::string> out;
  for (const auto& a : aums) out.push_back(hex_of(a.hash()));
  return out;
}

void check_offer(const SyncOffer& offer, const json& want) {
  EXPECT_EQ(hex_of(offer.head), want.at("head").get<std::string>());
  std::vector<std::string> ancestors;
  for (const auto& a : offer.ancestors) ancestors.push_back(hex_of(a));
  EXPECT_EQ(ancestors, want.at("ancestors").get<std::vector<std::string>>());

  const SyncOfferText text = sync_offer_to_text(offer);
  EXPECT_EQ(text.head, want.at("wire").at("Head").get<std::string>());
  EXPECT_EQ(text.ancestors, want.at("wire").at("Ancestors").get<std::vector<std::string>>());
  auto parsed = sync_offer_from_text(want.at("wire").at("Head").get<std::string>(),
                                     want.at("wire").at("Ancestors").get<std::vector<std::string>>());
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(*parsed, offer);
}

struct Side {
  MemoryStorage storage;
  std::optional<Authority> authority;
};

void build_side(Side& side, const std::vector<Aum>& pool, const json& spec) {
  auto a = Authority::bootstrap(side.storage, pool.at(spec.at("bootstrap").get<std::size_t>()));
  ASSERT_TRUE(a.ok()) << a.message();
  side.authority = std::move(*a);
  std::vector<Aum> updates;
  for (const auto& i : spec.at("aums")) updates.push_back(pool.at(i.get<std::size_t>()));
  if (!updates.empty()) {
    auto st = side.authority->inform(side.storage, updates);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  EXPECT_EQ(hex_of(side.authority->head()), spec.at("head").get<std::string>());
  EXPECT_EQ(hex_of(side.authority->oldest_ancestor().hash()), spec.at("oldest_ancestor").get<std::string>());
}

void check_missing(const Result<std::vector<Aum>>& got, const json& want) {
  const std::string want_result = want.at("result").get<std::string>();
  EXPECT_EQ(got.ok() ? "ok" : got.message(), want_result);
  if (got.ok()) {
    const json& aums = want.at("aums");
    EXPECT_EQ(hexes(*got), aums.is_null() ? std::vector<std::string>{} : aums.get<std::vector<std::string>>());
  }
}

std::string inform_after(Side& side, const Result<std::vector<Aum>>& sent) {
  if (!sent.ok()) return "skipped: missing-aums error";
  if (sent->empty()) return "skipped: nothing to send";
  auto st = side.authority->inform(side.storage, *sent);
  return st.ok() ? "ok" : st.message();
}

TEST(SyncVectors, AllCases) {
  const json v = testing::load_vectors("sync.json");
  ASSERT_GT(v.at("cases").size(), 0u);
  for (const auto& c : v.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    std::vector<Aum> pool;
    for (const auto& h : c.at("aum_pool")) {
      auto a = Aum::unserialize(unhex(h.get<std::string>()));
      ASSERT_TRUE(a.ok()) << a.message();
      pool.push_back(std::move(*a));
    }
    Side a, b;
    build_side(a, pool, c.at("a"));
    build_side(b, pool, c.at("b"));
    ASSERT_TRUE(a.authority && b.authority);

    auto offer_a = make_sync_offer(*a.authority, a.storage);
    auto offer_b = make_sync_offer(*b.authority, b.storage);
    ASSERT_TRUE(offer_a.ok() && offer_b.ok());
    check_offer(*offer_a, c.at("offer_a"));
    check_offer(*offer_b, c.at("offer_b"));

    auto for_b = missing_aums(*a.authority, a.storage, *offer_b);
    auto for_a = missing_aums(*b.authority, b.storage, *offer_a);
    check_missing(for_b, c.at("missing_for_b"));
    check_missing(for_a, c.at("missing_for_a"));

    const json& after = c.at("after");
    EXPECT_EQ(inform_after(b, for_b), after.at("b_inform").get<std::string>());
    EXPECT_EQ(inform_after(a, for_a), after.at("a_inform").get<std::string>());
    EXPECT_EQ(hex_of(a.authority->head()), after.at("head_a").get<std::string>());
    EXPECT_EQ(hex_of(b.authority->head()), after.at("head_b").get<std::string>());
    EXPECT_EQ(a.authority->head() == b.authority->head(), after.at("converged").get<bool>());
  }
}

TEST(SyncOfferText, RoundTripsAndRejectsBadHashes) {
  SyncOffer offer;
  offer.head.bytes[0] = 1;
  offer.ancestors.resize(2);
  offer.ancestors[1].bytes[31] = 0xff;
  const SyncOfferText text = sync_offer_to_text(offer);
  EXPECT_EQ(text.head.size(), 52u);
  auto back = sync_offer_from_text(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, offer);

  auto bad_head = sync_offer_from_text("NOTAHASH", {});
  ASSERT_FALSE(bad_head.ok());
  EXPECT_EQ(bad_head.message(), "head.UnmarshalText: tka.AUMHash.UnmarshalText: text wrong length: 5, want 8");
  std::vector<std::string> ancestors{text.head, text.head.substr(1) + "1"};
  auto bad_ancestor = sync_offer_from_text(text.head, ancestors);
  ASSERT_FALSE(bad_ancestor.ok());
  EXPECT_EQ(bad_ancestor.message().rfind("ancestor[1].UnmarshalText: ", 0), 0u) << bad_ancestor.message();
}

// Upstream getSyncOffer: the offer of the authority stored in `storage`.
SyncOffer offer_of(const AumStorage& storage) {
  auto a = Authority::open(storage);
  EXPECT_TRUE(a.ok()) << a.message();
  auto o = make_sync_offer(*a, storage);
  EXPECT_TRUE(o.ok());
  return *o;
}

ChainOptions checkpoint_options() {
  ChainOptions o;
  testing::with_checkpoint_template(o);
  return o;
}

TEST(SyncOffer, ShortChainOffersHeadAndFirstAum) {
  TestChain c("A1 -> A2 -> A3 -> A4 -> A5");
  const SyncOffer got = offer_of(*c.storage());
  EXPECT_EQ(got.head, c.hash("A5"));
  EXPECT_EQ(got.ancestors, std::vector<AumHash>{c.hash("A1")});
}

TEST(SyncOffer, IncludesEveryCheckpoint) {
  TestChain c(R"(
            A1 -> A2 -> A3 -> A4 -> A5 -> A6 -> A7 -> A8 -> A9 -> A10
            A10 -> A11 -> A12 -> A13 -> A14 -> A15 -> A16 -> A17 -> A18
            A18 -> A19 -> A20 -> A21 -> A22 -> A23 -> A24 -> A25 -> A26
            A26 -> A27 -> A28 -> A29 -> A30 -> A31 -> A32 -> A33 -> A34
            A34 -> A35 -> A36 -> A37 -> A38 -> A39 -> A40 -> A41 -> A42
            A42 -> A43 -> A45 -> A46 -> A47 -> A48 -> A49 -> A50 -> A51
            A51 -> A52 -> A53 -> A54 -> A55

            A1.template = checkpoint
            A11.template = checkpoint
            A21.template = checkpoint
            A31.template = checkpoint
            A41.template = checkpoint
            A51.template = checkpoint
        )",
              checkpoint_options());
  const SyncOffer got = offer_of(*c.storage());
  EXPECT_EQ(got.head, c.hash("A55"));
  EXPECT_EQ(got.ancestors, (std::vector<AumHash>{c.hash("A51"), c.hash("A41"), c.hash("A31"), c.hash("A21"),
                                                  c.hash("A11"), c.hash("A1")}));
}

TEST(SyncOffer, SizeIsBoundedOnLongChains) {
  const int size = 1800;
  std::string drawing = "A";
  for (int i = 0; i < size; ++i) drawing += " -> A" + std::to_string(i);
  for (int i = 0; i < size; i += 50) drawing += "\nA" + std::to_string(i) + ".template = checkpoint";
  TestChain c(drawing, checkpoint_options());
  const SyncOffer got = offer_of(*c.storage());
  EXPECT_EQ(got.head, c.hash("A1799"));
  // Checkpoints within the last 1000 AUMs, then the oldest AUM.
  std::vector<AumHash> want;
  for (int i = 1750; i >= 800; i -= 50) want.push_back(c.hash("A" + std::to_string(i)));
  want.push_back(c.hash("A"));
  EXPECT_EQ(got.ancestors, want);
}

TEST(SyncIntersection, FastForward) {
  TestChain c("A1 -> A2 -> A3 -> A4");
  auto chonk1 = c.storage_with({"A1", "A2"});
  auto chonk2 = c.storage();
  const SyncOffer offer1 = offer_of(*chonk1), offer2 = offer_of(*chonk2);

  // Node 1 does not know node 2's head: a tail intersection at A1.
  auto n1 = compute_sync_intersection(*chonk1, offer1, offer2);
  ASSERT_TRUE(n1.ok()) << n1.message();
  EXPECT_EQ(*n1, (SyncIntersection{false, std::nullopt, c.hash("A1")}));
  // Node 2 holds node 1's head: a head intersection at A2.
  auto n2 = compute_sync_intersection(*chonk2, offer2, offer1);
  ASSERT_TRUE(n2.ok()) << n2.message();
  EXPECT_EQ(*n2, (SyncIntersection{false, c.hash("A2"), std::nullopt}));
  // Same heads: up to date.
  auto same = compute_sync_intersection(*chonk2, offer2, offer2);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->up_to_date);
}

TEST(SyncIntersection, ForkSmallDiff) {
  TestChain c(R"(
        A1 -> A2 -> A3 -> A4 -> A5 -> A6 -> A7 -> A8 -> A9 -> A10
                                                   | -> F1
        // Make F1 different to A9.
        // hashSeed is chosen such that the hash is higher than A9.
        F1.hashSeed = 7
    )");
  ASSERT_LT(c.hash("A9"), c.hash("F1"));
  auto chonk1 = c.storage_with({"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "F1"});
  auto chonk2 = c.storage_with({"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10"});
  const SyncOffer offer1 = offer_of(*chonk1), offer2 = offer_of(*chonk2);
  auto n1 = compute_sync_intersection(*chonk1, offer1, offer2);
  ASSERT_TRUE(n1.ok());
  EXPECT_EQ(*n1, (SyncIntersection{false, std::nullopt, c.hash("A1")}));
  auto n2 = compute_sync_intersection(*chonk2, offer2, offer1);
  ASSERT_TRUE(n2.ok());
  EXPECT_EQ(*n2, (SyncIntersection{false, std::nullopt, c.hash("A1")}));
}

TEST(SyncIntersection, DisjointChainsHaveNone) {
  TestChain c1("A1 -> A2");
  TestChain c2("B1 -> B2\nB1.hashSeed = 9");
  auto s1 = c1.storage(), s2 = c2.storage();
  auto r = compute_sync_intersection(*s1, offer_of(*s1), offer_of(*s2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message(), kErrNoIntersection);
  auto a1 = Authority::open(*s1);
  auto m = missing_aums(*a1, *s1, offer_of(*s2));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.message(), "intersection: no intersection");
}

TEST(MissingAums, FastForward) {
  TestChain c(R"(
        A1 -> A2 -> A3 -> A4
        A1.hashSeed = 1
        A2.hashSeed = 2
        A3.hashSeed = 3
        A4.hashSeed = 4
    )");
  auto chonk1 = c.storage_with({"A1", "A2"});
  auto chonk2 = c.storage();
  auto n1 = Authority::open(*chonk1);
  auto n2 = Authority::open(*chonk2);
  ASSERT_TRUE(n1.ok() && n2.ok());
  const SyncOffer offer1 = *make_sync_offer(*n1, *chonk1), offer2 = *make_sync_offer(*n2, *chonk2);

  auto from1 = missing_aums(*n1, *chonk1, offer2);
  ASSERT_TRUE(from1.ok()) << from1.message();
  EXPECT_EQ(*from1, std::vector<Aum>{c.aum("A2")});
  auto from2 = missing_aums(*n2, *chonk2, offer1);
  ASSERT_TRUE(from2.ok()) << from2.message();
  EXPECT_EQ(*from2, (std::vector<Aum>{c.aum("A3"), c.aum("A4")}));
}

TEST(MissingAums, Fork) {
  TestChain c(R"(
        A1 -> A2 -> A3 -> A4
                     | -> F1
        A1.hashSeed = 1
        A2.hashSeed = 2
        A3.hashSeed = 3
        A4.hashSeed = 4
    )");
  auto chonk1 = c.storage_with({"A1", "A2", "A3", "F1"});
  auto chonk2 = c.storage_with({"A1", "A2", "A3", "A4"});
  auto n1 = Authority::open(*chonk1);
  auto n2 = Authority::open(*chonk2);
  ASSERT_TRUE(n1.ok() && n2.ok());
  const SyncOffer offer1 = *make_sync_offer(*n1, *chonk1), offer2 = *make_sync_offer(*n2, *chonk2);
  auto from1 = missing_aums(*n1, *chonk1, offer2);
  ASSERT_TRUE(from1.ok());
  EXPECT_EQ(*from1, (std::vector<Aum>{c.aum("A2"), c.aum("A3"), c.aum("F1")}));
  auto from2 = missing_aums(*n2, *chonk2, offer1);
  ASSERT_TRUE(from2.ok());
  EXPECT_EQ(*from2, (std::vector<Aum>{c.aum("A2"), c.aum("A3"), c.aum("A4")}));
}

TEST(Sync, SimpleEndToEnd) {
  const auto priv = testing_private_key(1);
  const Key key = ed25519_key(priv, 2);
  ChainOptions o;
  testing::with_genesis_template(o, key);
  o.with_key("key", key, priv).sign_all("key");
  TestChain c(R"(
        G1 -> L1 -> L2 -> L3
        G1.template = genesis
    )",
              o);
  MemoryStorage node_storage;
  auto node = Authority::bootstrap(node_storage, c.aum("G1"));
  ASSERT_TRUE(node.ok());
  auto control_storage = c.storage();
  auto control = Authority::open(*control_storage);
  ASSERT_TRUE(control.ok());

  auto node_offer = make_sync_offer(*node, node_storage);
  ASSERT_TRUE(node_offer.ok());
  auto control_aums = missing_aums(*control, *control_storage, *node_offer);
  ASSERT_TRUE(control_aums.ok()) << control_aums.message();
  ASSERT_TRUE(node->inform(node_storage, *control_aums).ok());
  EXPECT_EQ(node->head(), control->head());
}

// Upstream SeedAUMs: repeatedly adds and removes one key through `nodes[0]`'s
// builder and informs every node.
struct SeedNode {
  Authority* authority;
  AumStorage* storage;
};
void seed_aums(int count, const Signer& signer, std::vector<SeedNode> nodes) {
  Key churn;
  churn.kind = KeyKind::Ed25519;
  churn.public_key = Bytes{1, 1, 1};
  churn.votes = 1;
  for (int i = 0; i < count / 2; ++i) {
    for (bool add : {true, false}) {
      UpdateBuilder b(*nodes[0].authority, &signer);
      ASSERT_TRUE((add ? b.add_key(churn) : b.remove_key(*churn.id())).ok());
      auto aums = b.finalize(*nodes[0].storage);
      ASSERT_TRUE(aums.ok()) << aums.message();
      for (auto& n : nodes) {
        auto st = n.authority->inform(*n.storage, *aums);
        ASSERT_TRUE(st.ok()) << st.message();
      }
    }
  }
}

// Upstream TestSyncFromFarBehind(Fork): a node that compacted its history,
// optionally forked by a losing key, is ~800 AUMs behind control; both sides
// still find an intersection.
void sync_from_far_behind(bool fork) {
  const auto winning_priv = testing_private_key(1), losing_priv = testing_private_key(2);
  const Ed25519Signer winning(winning_priv), losing(losing_priv);
  State state;
  state.keys = std::vector<Key>{ed25519_key(losing_priv, 1), ed25519_key(winning_priv, 2)};
  state.disablement_values = std::vector<NullableBytes>{testing::test_disablement_value()};

  const UnixTime now = 1'700'000'000;
  MemoryStorage persistent_storage([now] { return now; });
  // Everything on the compacting node is old enough to be compacted.
  MemoryStorage compacting_storage(
      [now] { return now - kCompactionDefaults.min_age_seconds - 24 * 3600; });
  auto created = Authority::create(persistent_storage, state, winning);
  ASSERT_TRUE(created.ok());
  Authority persistent = created->first;
  auto booted = Authority::bootstrap(compacting_storage, created->second);
  ASSERT_TRUE(booted.ok());
  Authority compacting = *booted;

  seed_aums(kCheckpointEvery * 2, winning, {{&persistent, &persistent_storage}, {&compacting, &compacting_storage}});
  const std::size_t before = compacting_storage.size();
  ASSERT_TRUE(compacting.compact(compacting_storage, kCompactionDefaults, now).ok());
  EXPECT_LT(compacting_storage.size(), before);

  if (fork) seed_aums(1, losing, {{&compacting, &compacting_storage}});
  seed_aums(static_cast<int>(compacting_storage.size()) - static_cast<int>(persistent_storage.size()) + 800, winning,
            {{&persistent, &persistent_storage}});

  auto persistent_offer = make_sync_offer(persistent, persistent_storage);
  auto compacting_offer = make_sync_offer(compacting, compacting_storage);
  ASSERT_TRUE(persistent_offer.ok() && compacting_offer.ok());
  auto from_node = missing_aums(compacting, compacting_storage, *persistent_offer);
  EXPECT_TRUE(from_node.ok()) << from_node.message();
  auto from_control = missing_aums(persistent, persistent_storage, *compacting_offer);
  ASSERT_TRUE(from_control.ok()) << from_control.message();
  EXPECT_FALSE(from_control->empty());
  // And the node can take what control sends.
  ASSERT_TRUE(compacting.inform(compacting_storage, *from_control).ok());
  EXPECT_EQ(compacting.head(), persistent.head());
}

TEST(Sync, FromFarBehind) { sync_from_far_behind(false); }
TEST(Sync, FromFarBehindFork) { sync_from_far_behind(true); }

}  // namespace
}  // namespace latchkey::tka
