// chains.json: every hand-made and random chain replayed as upstream did it
// (bootstrap from the genesis checkpoint, then one all-or-nothing inform of
// the rest, breadth-first), checking the bootstrap and batch verdicts, the
// one-at-a-time verdicts when the batch failed, the resulting head, active
// chain, oldest ancestor, keys, disablement values, state IDs and
// disablement secrets.
#include <gtest/gtest.h>

#include <map>

#include "base/hex.h"
#include "tka/authority.h"
#include "tka/inform_order.h"
#include "tka/memory_storage.h"
#include "tka/vector_support.h"

namespace latchkey::tka {
namespace {

using testing::json;
using testing::load_vectors;
using testing::unhex;

const json& chains_vectors() {
  static const json v = load_vectors("chains.json");
  return v;
}

AumHash hash_from_hex(const json& j) { return *AumHash::from_bytes(unhex(j.get<std::string>())); }

std::string result_text(const Status& st) { return st.ok() ? "ok" : st.message(); }

void check_expected(const json& c, const Authority& a, const AumStorage& storage) {
  const json& e = c.at("expected");
  EXPECT_EQ(hex_encode(a.head().bytes), e.at("head").get<std::string>());
  EXPECT_EQ(a.head().to_string(), e.at("head_base32").get<std::string>());
  EXPECT_EQ(hex_encode(a.oldest_ancestor().hash().bytes), e.at("oldest_ancestor").get<std::string>());
  EXPECT_EQ(a.head_aum().hash(), a.head());

  auto chain = a.active_chain(storage);
  ASSERT_TRUE(chain.ok()) << chain.message();
  std::vector<std::string> got_chain;
  for (const auto& x : *chain) got_chain.push_back(hex_encode(x.hash().bytes));
  EXPECT_EQ(got_chain, e.at("active_chain").get<std::vector<std::string>>());

  const auto keys = a.keys();
  ASSERT_EQ(keys.size(), e.at("keys").size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const json& want = e.at("keys")[i];
    EXPECT_EQ(static_cast<unsigned>(keys[i].kind), want.at("kind").get<unsigned>());
    EXPECT_EQ(keys[i].votes, want.at("votes").get<std::uint64_t>());
    EXPECT_EQ(testing::nullable_hex(keys[i].public_key), want.at("public"));
    if (want.contains("key_id")) {
      auto id = keys[i].id();
      ASSERT_TRUE(id.ok());
      EXPECT_EQ(hex_encode(*id), want.at("key_id").get<std::string>());
      EXPECT_TRUE(a.key_trusted(*id));
    }
    if (want.contains("meta")) {
      ASSERT_TRUE(keys[i].meta.has_value());
      EXPECT_EQ(json(*keys[i].meta), want.at("meta"));
    } else {
      EXPECT_TRUE(!keys[i].meta || keys[i].meta->empty());
    }
  }

  std::vector<std::string> dvs;
  if (a.state().disablement_values) {
    for (const auto& dv : *a.state().disablement_values) dvs.push_back(dv ? hex_encode(*dv) : "");
  }
  EXPECT_EQ(dvs, e.at("disablement_values").get<std::vector<std::string>>());
  EXPECT_EQ(a.state_ids().first, e.at("state_id1").get<std::uint64_t>());
  EXPECT_EQ(a.state_ids().second, e.at("state_id2").get<std::uint64_t>());
}

void replay_case(const json& c, bool check_disablement) {
  SCOPED_TRACE(c.at("name").get<std::string>());
  auto genesis = Aum::unserialize(unhex(c.at("genesis").get<std::string>()));
  ASSERT_TRUE(genesis.ok()) << genesis.message();
  EXPECT_EQ(hex_encode(genesis->hash().bytes), c.at("genesis_hash").get<std::string>());

  std::vector<Aum> all;
  std::map<AumHash, Aum> by_hash;
  for (const auto& h : c.at("aums")) {
    auto a = Aum::unserialize(unhex(h.get<std::string>()));
    ASSERT_TRUE(a.ok()) << a.message();
    by_hash.emplace(a->hash(), *a);
    all.push_back(std::move(*a));
  }
  EXPECT_EQ(all.size(), c.at("num_aums").get<std::size_t>());

  MemoryStorage storage;
  auto boot = Authority::bootstrap(storage, *genesis);
  EXPECT_EQ(boot.ok() ? "ok" : boot.message(), c.at("bootstrap_result").get<std::string>());
  if (!boot.ok()) return;
  Authority authority = std::move(*boot);

  const std::vector<Aum> batch = order_for_inform(genesis->hash(), all);
  const std::string want_batch = c.at("batch_inform_result").get<std::string>();
  if (want_batch == "not-called") {
    EXPECT_TRUE(batch.empty());
  } else {
    ASSERT_FALSE(batch.empty());
    EXPECT_EQ(result_text(authority.inform(storage, batch)), want_batch);
  }

  if (c.contains("incremental_results")) {
    // The batch failed: replay one AUM at a time in the recorded order.
    MemoryStorage inc_storage;
    auto inc = Authority::bootstrap(inc_storage, *genesis);
    ASSERT_TRUE(inc.ok());
    for (const auto& step : c.at("incremental_results")) {
      const Aum& a = by_hash.at(hash_from_hex(step.at("hash")));
      EXPECT_EQ(result_text(inc->inform(inc_storage, std::span<const Aum>(&a, 1))), step.at("result").get<std::string>())
          << step.at("hash");
    }
    check_expected(c, *inc, inc_storage);
    // The failed batch changed nothing.
    EXPECT_EQ(authority.head(), genesis->hash());
  } else {
    check_expected(c, authority, storage);
  }

  if (c.value("incremental_matches_batch", false) && !batch.empty()) {
    MemoryStorage one_storage;
    auto one = Authority::bootstrap(one_storage, *genesis);
    ASSERT_TRUE(one.ok());
    for (const Aum& a : batch) {
      EXPECT_TRUE(one->inform(one_storage, std::span<const Aum>(&a, 1)).ok());
    }
    EXPECT_EQ(one->head(), authority.head());
  }

  // A fresh authority opened from the storage agrees.
  auto reopened = Authority::open(storage);
  ASSERT_TRUE(reopened.ok()) << reopened.message();
  EXPECT_EQ(reopened->head(), authority.head());

  if (check_disablement && c.contains("disablement_checks")) {
    for (const auto& d : c.at("disablement_checks")) {
      EXPECT_EQ(authority.valid_disablement(unhex(d.at("secret").get<std::string>())), d.at("valid").get<bool>());
    }
  }
}

TEST(ChainsVectors, HandMadeChains) {
  for (const auto& c : chains_vectors().at("chains")) replay_case(c, /*check_disablement=*/true);
}

TEST(ChainsVectors, RandomChains) {
  // Disablement secrets are checked on every hand-made case; on the random
  // ones, every tenth (the KDF is deliberately slow).
  std::size_t i = 0;
  for (const auto& c : chains_vectors().at("random_chains")) replay_case(c, i++ % 10 == 0);
}

TEST(ChainsVectors, CraftedSignaturesMatchTheirVerdicts) {
  std::size_t seen = 0;
  for (const auto& c : chains_vectors().at("chains")) {
    if (!c.contains("crafted_signature")) continue;
    ++seen;
    const json& s = c.at("crafted_signature");
    const Bytes pub = unhex(s.at("public").get<std::string>());
    const Bytes msg = unhex(s.at("message").get<std::string>());
    const Bytes sig = unhex(s.at("signature").get<std::string>());
    EXPECT_EQ(crypto::ed25519_verify_zip215(pub, msg, sig), s.at("zip215_valid").get<bool>()) << c.at("name");
    EXPECT_EQ(crypto::ed25519_verify(pub, msg, sig), s.at("go_ed25519_valid").get<bool>()) << c.at("name");
  }
  EXPECT_GT(seen, 0u);
}

}  // namespace
}  // namespace latchkey::tka
