// Multi-node scenarios (ports of upstream scenario_test.go): nodes start
// from a shared chain, some learn extra or forking AUMs, and syncing through
// a control node must bring everyone to the same head, while invalid,
// unsigned or badly signed AUMs make the whole exchange fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>

#include "tka/authority.h"
#include "tka/authority_test_peer.h"
#include "tka/aum_verification.h"
#include "tka/chain_dsl.h"
#include "tka/memory_storage.h"
#include "tka/sync.h"

namespace latchkey::tka {


namespace {

using testing::ChainOptions;
using testing::TestChain;
using testing::ed25519_key;
using testing::testing_private_key;

struct ScenarioNode {
  std::string name;
  std::unique_ptr<MemoryStorage> storage;
  std::optional<Authority> authority;
  std::map<std::string, Aum> aums;
};

class Scenario {
 public:
  // The shared chain gets a "genesis" template trusting the default key,
  // and every AUM is signed with it.
  Scenario(const std::string& shared_chain, ChainOptions options = {})
      : default_priv_(testing_private_key(1)), default_key_(ed25519_key(default_priv_, 1)) {
    testing::with_genesis_template(options, default_key_);
    options.with_key("key", default_key_, default_priv_).sign_all("key");
    initial_ = std::make_unique<TestChain>(shared_chain, std::move(options));
  }

  const Key& default_key() const { return default_key_; }
  const crypto::Ed25519Private& default_priv() const { return default_priv_; }

  ScenarioNode& make_node(const std::string& name) {
    auto n = std::make_unique<ScenarioNode>();
    n->name = name;
    n->storage = initial_->storage();
    auto a = Authority::open(*n->storage);
    EXPECT_TRUE(a.ok()) << a.message();
    n->authority = std::move(*a);
    n->aums = initial_->aums();
    auto& ref = *n;
    nodes_[name] = std::move(n);
    return ref;
  }

  // A node that also knows `chains`, each rooted at the named AUM of the
  // shared chain (and signed with the default key when asked).
  ScenarioNode& make_node_with_forks(const std::string& name, bool sign_with_default,
                                     std::vector<std::pair<std::string, TestChain*>> chains) {
    ScenarioNode& n = make_node(name);
    for (auto& [parent_name, chain] : chains) {
      if (sign_with_default) {
        chain->options().with_key("default_key", default_key_, default_priv_).sign_all("default_key");
      }
      chain->rebase_onto(n.aums.at(parent_name).hash());
      std::vector<Aum> aums;
      for (const auto& [aum_name, a] : chain->aums()) {
        aums.push_back(a);
        n.aums[aum_name] = a;
      }
      // Parents before children for inform().
      std::vector<Aum> ordered;
      AumHash cursor = n.aums.at(parent_name).hash();
      while (!aums.empty()) {
        auto it = std::find_if(aums.begin(), aums.end(), [&](const Aum& a) { return a.parent() == cursor; });
        if (it == aums.end()) break;
        cursor = it->hash();
        ordered.push_back(*it);
        aums.erase(it);
      }
      EXPECT_TRUE(aums.empty()) << "fork chains must be linear";
      auto st = n.authority->inform(*n.storage, ordered);
      EXPECT_TRUE(st.ok()) << st.message();
    }
    return n;
  }

  static Status sync_between(ScenarioNode& n1, ScenarioNode& n2) {
    auto o1 = make_sync_offer(*n1.authority, *n1.storage);
    if (!o1) return o1.error();
    auto o2 = make_sync_offer(*n2.authority, *n2.storage);
    if (!o2) return o2.error();
    auto from1 = missing_aums(*n1.authority, *n1.storage, *o2);
    if (!from1) return from1.error();
    auto from2 = missing_aums(*n2.authority, *n2.storage, *o1);
    if (!from2) return from2.error();
    if (!from1->empty()) {
      if (auto st = n2.authority->inform(*n2.storage, *from1); !st) return st;
    }
    if (!from2->empty()) {
      if (auto st = n1.authority->inform(*n1.storage, *from2); !st) return st;
    }
    return {};
  }

  static void expect_consensus(const ScenarioNode& n1, const ScenarioNode& n2) {
    EXPECT_EQ(n1.authority->head(), n2.authority->head()) << n1.name << " and " << n2.name << " are not in sync";
  }

 private:
  crypto::Ed25519Private default_priv_;
  Key default_key_;
  std::unique_ptr<TestChain> initial_;
  std::map<std::string, std::unique_ptr<ScenarioNode>> nodes_;
};

TEST(Scenario, Helpers) {
  Scenario s(R"(
        G -> L1
        G.template = genesis
    )");
  ScenarioNode& control = s.make_node("control");
  TestChain fork("L2 -> L3");
  ScenarioNode& n = s.make_node_with_forks("n", true, {{"L1", &fork}});
  for (const char* name : {"G", "L1", "L2", "L3"}) EXPECT_TRUE(n.aums.count(name)) << name;
  const Aum& l3 = n.aums.at("L3");
  ASSERT_EQ(l3.signatures.size(), 1u);
  EXPECT_TRUE(verify_aum_signature(l3.signatures[0], l3.sig_hash(), s.default_key()).ok());
  ASSERT_TRUE(Scenario::sync_between(control, n).ok());
  Scenario::expect_consensus(control, n);
  EXPECT_EQ(control.authority->head(), l3.hash());
}

TEST(Scenario, NormalPropagation) {
  Scenario s(R"(
        G -> L1 -> L2
        G.template = genesis
    )");
  ScenarioNode& control = s.make_node("control");
  TestChain fork("L3 -> L4");
  ScenarioNode& n1 = s.make_node_with_forks("n1", true, {{"L2", &fork}});
  ASSERT_TRUE(Scenario::sync_between(control, n1).ok());
  Scenario::expect_consensus(control, n1);

  // A new node learns everything through control alone.
  ScenarioNode& n2 = s.make_node("n2");
  ASSERT_TRUE(Scenario::sync_between(control, n2).ok());
  Scenario::expect_consensus(control, n2);
  Scenario::expect_consensus(n1, n2);
}

TEST(Scenario, ForkingPropagation) {
  const auto priv2 = testing_private_key(2);
  const Key key2 = ed25519_key(priv2, 2);
  Aum add_key2;
  add_key2.kind = AumKind::AddKey;
  add_key2.key = key2;
  ChainOptions o;
  o.with_key("key2", key2, priv2).with_template("addKey2", add_key2);
  Scenario s(R"(
        G -> AddSecondKey -> L1 -> L2
        G.template = genesis
        AddSecondKey.template = addKey2
        )",
             o);
  ScenarioNode& control = s.make_node("control");

  TestChain more("L3 -> L4");
  ScenarioNode& n1 = s.make_node_with_forks("n1", true, {{"L2", &more}});
  ASSERT_TRUE(Scenario::sync_between(control, n1).ok());
  Scenario::expect_consensus(control, n1);

  // A fork from L1 signed by key2 (2 votes) removing the default key (1 vote).
  Aum remove_key1;
  remove_key1.kind = AumKind::RemoveKey;
  remove_key1.key_id = *s.default_key().id();
  ChainOptions fork_opts;
  fork_opts.with_key("key2", key2, priv2).sign_all("key2").with_template("removeKey1", remove_key1);
  TestChain fork(R"(F1 -> F2
             F1.template = removeKey1)",
                 fork_opts);
  ScenarioNode& n2 = s.make_node_with_forks("n2", false, {{"L1", &fork}});
  ASSERT_TRUE(Scenario::sync_between(control, n2).ok());
  Scenario::expect_consensus(control, n2);

  ASSERT_TRUE(Scenario::sync_between(control, n1).ok());
  Scenario::expect_consensus(n1, n2);
  EXPECT_EQ(n1.authority->head(), n2.aums.at("F2").hash());
  EXPECT_FALSE(n1.authority->key_trusted(*s.default_key().id()));
  EXPECT_TRUE(n1.authority->key_trusted(*key2.id()));
}

// A node whose storage and head were corrupted with `bad` (built on L3)
// must not get anything accepted by control.
void expect_propagation_rejected(const std::function<Aum(const Scenario&, const AumHash&)>& make_bad,
                                 const std::string& want_error) {
  Scenario s(R"(
        G -> L1 -> L2
        G.template = genesis
    )");
  ScenarioNode& control = s.make_node("control");
  TestChain fork("L3");
  ScenarioNode& n1 = s.make_node_with_forks("n1", true, {{"L2", &fork}});
  const Aum bad = make_bad(s, n1.aums.at("L3").hash());
  ASSERT_TRUE(n1.storage->commit_verified_aums(std::vector<Aum>{bad}).ok());
  AuthorityTestPeer::set_head_hash(*n1.authority, bad.hash());

  auto st = Scenario::sync_between(control, n1);
  ASSERT_FALSE(st.ok()) << "sync with a bad AUM succeeded";
  if (!want_error.empty()) {
    EXPECT_EQ(st.message(), want_error);
  }
  // Control accepted none of the updates, not even the valid L3.
  EXPECT_EQ(control.authority->head(), control.aums.at("L2").hash());
}

Aum on(AumKind kind, const AumHash& parent) {
  Aum a;
  a.kind = kind;
  a.prev_aum_hash = Bytes(parent.bytes.begin(), parent.bytes.end());
  return a;
}

TEST(Scenario, InvalidAumPropagationRejected) {
  expect_propagation_rejected(
      [](const Scenario& s, const AumHash& l3) {
        Aum l4 = on(AumKind::AddKey, l3);  // AddKey without a key
        l4.sign(s.default_priv());
        return l4;
      },
      "");
}

TEST(Scenario, UnsignedAumPropagationRejected) {
  expect_propagation_rejected([](const Scenario&, const AumHash& l3) { return on(AumKind::NoOp, l3); },
                              "update 1 invalid: unsigned AUM");
}

TEST(Scenario, BadSigAumPropagationRejected) {
  expect_propagation_rejected(
      [](const Scenario& s, const AumHash& l3) {
        Aum l4 = on(AumKind::NoOp, l3);
        l4.sign(s.default_priv());
        (*l4.signatures[0].signature)[3] = 42;
        return l4;
      },
      "update 1 invalid: signature 0: invalid signature");
}

}  // namespace
}  // namespace latchkey::tka
