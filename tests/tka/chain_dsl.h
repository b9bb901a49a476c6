// C++ counterpart of upstream's test-chain helper (tka/chaintest_test.go):
// builds a web of AUMs from a drawing (see chain_dsl_parse.h). Every AUM is
// a NoOp unless `X.template = name` copies a template; `X.hashSeed = n` sets
// KeyID to the byte n to tweak the hash; AUMs are signed by every key given
// with sign_all_with and by `X.signedWith = key`.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/blake2s.h"
#include "crypto/ed25519.h"
#include "tka/aum.h"
#include "tka/memory_storage.h"
#include "tka/state.h"
#include "tka/chain_dsl_parse.h"

namespace latchkey::tka::testing {

struct TestKey {
  Key key;
  crypto::Ed25519Private priv{};
};

struct ChainOptions {
  std::map<std::string, Aum> templates;
  std::map<std::string, TestKey> keys;
  std::vector<std::string> sign_all_with;

  ChainOptions& with_template(const std::string& name, Aum aum) {
    templates[name] = std::move(aum);
    return *this;
  }
  ChainOptions& with_key(const std::string& name, const Key& key, const crypto::Ed25519Private& priv) {
    keys[name] = TestKey{key, priv};
    return *this;
  }
  ChainOptions& sign_all(const std::string& key_name) {
    sign_all_with.push_back(key_name);
    return *this;
  }
};

// A deterministic Ed25519 key pair from a small seed (upstream derives its
// test keys from the test name; any fixed key serves the same purpose).
inline crypto::Ed25519Private testing_private_key(int seed) {
  crypto::Blake2s h;
  h.update(as_bytes("latchkey test key"));
  const std::uint32_t v = static_cast<std::uint32_t>(seed);
  const std::uint8_t le[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                              static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
  h.update(ByteView(le, 4));
  return crypto::ed25519_from_seed(h.final());
}

inline Key ed25519_key(const crypto::Ed25519Private& priv, std::uint64_t votes) {
  const auto pub = crypto::ed25519_public(priv);
  Key k;
  k.kind = KeyKind::Ed25519;
  k.votes = votes;
  k.public_key = Bytes(pub.begin(), pub.end());
  return k;
}

inline Bytes key_id_of(const Key& k) { return *k.id(); }

// Upstream CreateStateForTest: the given keys and the KDF of 32 bytes of
// 0xa5 as the one disablement value.
inline const Bytes& test_disablement_value() {
  static const Bytes value = disablement_kdf(Bytes(32, 0xa5));
  return value;
}
inline State state_for_test(std::vector<Key> keys) {
  State s;
  s.keys = std::move(keys);
  s.disablement_values = std::vector<NullableBytes>{test_disablement_value()};
  return s;
}

inline Aum checkpoint_aum(State state) {
  Aum a;
  a.kind = AumKind::Checkpoint;
  a.state = std::move(state);
  return a;
}

// An unsigned NoOp AUM under `parent` (nullopt: a genesis), told apart from
// its siblings by `seed` (its key ID): enough for storage, which does not
// verify.
inline Aum noop_aum(std::optional<AumHash> parent, std::uint8_t seed) {
  Aum a;
  a.kind = AumKind::NoOp;
  a.key_id = Bytes{seed};
  if (parent) a.prev_aum_hash = Bytes(parent->bytes.begin(), parent->bytes.end());
  return a;
}

// Upstream genesisTemplate: a checkpoint trusting `key`, named "genesis".
inline ChainOptions& with_genesis_template(ChainOptions& o, const Key& key) {
  return o.with_template("genesis", checkpoint_aum(state_for_test({key})));
}

// Upstream checkpointTemplate: a checkpoint with a placeholder state,
// named "checkpoint".
inline ChainOptions& with_checkpoint_template(ChainOptions& o) {
  State fake;
  Key k;
  k.kind = KeyKind::Ed25519;
  k.votes = 1;
  fake.keys = std::vector<Key>{k};
  fake.disablement_values = std::vector<NullableBytes>{Bytes(32, 1)};
  return o.with_template("checkpoint", checkpoint_aum(fake));
}

class TestChain {
 public:
  TestChain(const std::string& drawing, ChainOptions options = {})
      : graph_(parse_chain_dsl(drawing)), options_(std::move(options)) {
    build();
  }

  const DslGraph& graph() const { return graph_; }
  const std::string& first_ident() const { return graph_.first_ident; }
  const Aum& aum(const std::string& name) const { return aums_.at(name); }
  const AumHash& hash(const std::string& name) const { return hashes_.at(name); }
  const std::map<std::string, Aum>& aums() const { return aums_; }
  const std::map<std::string, AumHash>& hashes() const { return hashes_; }
  ChainOptions& options() { return options_; }

  // Re-roots the chain: its first AUM gets `parent` as parent (upstream sets
  // ParentHash when basing a chain on another one), then rebuilds.
  void rebase_onto(const AumHash& parent) {
    first_parent_ = parent;
    build();
  }
  void rebuild() { build(); }

  // Storage holding every AUM of the chain, or only the named ones.
  std::unique_ptr<MemoryStorage> storage() const {
    auto out = std::make_unique<MemoryStorage>();
    for (const auto& [name, a] : aums_) (void)out->commit_verified_aums(std::span<const Aum>(&a, 1));
    return out;
  }
  std::unique_ptr<MemoryStorage> storage_with(const std::vector<std::string>& names) const {
    auto out = std::make_unique<MemoryStorage>();
    for (const auto& name : names) (void)out->commit_verified_aums(std::span<const Aum>(&aums_.at(name), 1));
    return out;
  }

 private:
  void build() {
    aums_.clear();
    hashes_.clear();
    std::map<std::string, const DslNode*> pending;
    for (const auto& [name, node] : graph_.nodes) pending[name] = &node;
    for (std::size_t round = 0; round <= graph_.nodes.size(); ++round) {
      if (pending.empty()) return;
      std::vector<const DslNode*> ready;
      for (const auto& [name, node] : pending) {
        if (pending.count(node->parent) == 0) ready.push_back(node);
      }
      for (const DslNode* node : ready) {
        Aum a = make_aum(*node);
        hashes_[node->name] = a.hash();
        aums_[node->name] = std::move(a);
        pending.erase(node->name);
      }
    }
    throw std::logic_error("test chain has a cycle");
  }

  Aum make_aum(const DslNode& node) const {
    Aum a;
    a.kind = AumKind::NoOp;
    if (!node.template_name.empty()) a = options_.templates.at(node.template_name);
    if (!node.parent.empty()) {
      const AumHash& p = hashes_.at(node.parent);
      a.prev_aum_hash = Bytes(p.bytes.begin(), p.bytes.end());
    } else if (node.name == graph_.first_ident && first_parent_) {
      a.prev_aum_hash = Bytes(first_parent_->bytes.begin(), first_parent_->bytes.end());
    }
    if (node.hash_seed != 0) a.key_id = Bytes{static_cast<std::uint8_t>(node.hash_seed)};
    if (auto st = a.static_validate(); !st) {
      throw std::logic_error("test AUM " + node.name + " fails static validation: " + st.message());
    }
    const AumSigHash digest = a.sig_hash();
    auto sign_with = [&](const std::string& key_name) {
      const TestKey& k = options_.keys.at(key_name);
      const auto sig = crypto::ed25519_sign(k.priv, digest);
      a.signatures.push_back(AumSignature{key_id_of(k.key), Bytes(sig.begin(), sig.end())});
    };
    for (const auto& key_name : options_.sign_all_with) sign_with(key_name);
    if (!node.signed_with.empty()) sign_with(node.signed_with);
    return a;
  }

  DslGraph graph_;
  ChainOptions options_;
  std::optional<AumHash> first_parent_;
  std::map<std::string, Aum> aums_;
  std::map<std::string, AumHash> hashes_;
};

}  // namespace latchkey::tka::testing
