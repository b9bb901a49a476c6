// State: applying each AUM kind, checkpoint validation limits, nil vs empty
// on the wire, fork weight, AUM verification, and the disablement checks of
// chains.json (against each case's expected disablement values).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tka/aum.h"
#include "tka/aum_verification.h"
#include "tka/state.h"
#include "vector_support.h"

namespace latchkey::tka {
namespace {

using testing::json;

crypto::Ed25519Private signer(std::uint8_t b) {
  crypto::Ed25519Seed seed;
  seed.fill(b);
  return crypto::ed25519_from_seed(seed);
}

Key key_of(const crypto::Ed25519Private& priv, std::uint64_t votes = 1) {
  const auto pub = crypto::ed25519_public(priv);
  Key k;
  k.kind = KeyKind::Ed25519;
  k.votes = votes;
  k.public_key = Bytes(pub.begin(), pub.end());
  return k;
}

State genesis_state(std::vector<Key> keys) {
  State s;
  s.keys = std::move(keys);
  s.disablement_values = std::vector<NullableBytes>{Bytes(32, 0xa5)};
  s.state_id1 = 7;
  s.state_id2 = 9;
  return s;
}

Aum checkpoint(const State& s) {
  Aum a;
  a.kind = AumKind::Checkpoint;
  a.state = s;
  return a;
}

Aum child_of(const Aum& parent, AumKind kind) {
  Aum a;
  a.kind = kind;
  const auto h = parent.hash();
  a.prev_aum_hash = Bytes(h.bytes.begin(), h.bytes.end());
  return a;
}

TEST(State, AppliesEachKindAsUpstream) {
  const auto a = signer(1), b = signer(2);
  const Aum genesis = checkpoint(genesis_state({key_of(a, 2)}));
  // A checkpoint's state becomes the state at the checkpoint; applying one
  // to an empty state requires matching state IDs.
  EXPECT_EQ(State{}.apply_verified_aum(genesis).message(), "checkpointed state has an incorrect stateID");
  Result<State> s0 = genesis.state->clone_for_update(genesis);
  EXPECT_EQ(s0->last_aum_hash, genesis.hash());
  EXPECT_EQ(s0->state_id1, 7u);

  Aum add = child_of(genesis, AumKind::AddKey);
  add.key = key_of(b);
  auto s1 = s0->apply_verified_aum(add);
  ASSERT_TRUE(s1.ok()) << s1.message();
  EXPECT_EQ(s1->keys->size(), 2u);
  EXPECT_EQ(s1->last_aum_hash, add.hash());
  EXPECT_EQ(s0->keys->size(), 1u);  // the old state is untouched
  EXPECT_EQ(s1->apply_verified_aum(child_of(add, AumKind::AddKey)).message(), "no key to add provided");
  Aum dup = child_of(add, AumKind::AddKey);
  dup.key = key_of(b);
  EXPECT_EQ(s1->apply_verified_aum(dup).message(), "key already exists");

  Aum update = child_of(add, AumKind::UpdateKey);
  update.key_id = *key_of(b).public_key;
  update.votes = 5;
  update.meta = Metadata{{"name", "b"}};
  auto s2 = s1->apply_verified_aum(update);
  ASSERT_TRUE(s2.ok()) << s2.message();
  auto kb = s2->get_key(*key_of(b).public_key);
  ASSERT_TRUE(kb.ok());
  EXPECT_EQ(kb->votes, 5u);
  EXPECT_EQ(kb->meta->at("name"), "b");
  Aum too_heavy = child_of(add, AumKind::UpdateKey);
  too_heavy.key_id = *key_of(b).public_key;
  too_heavy.votes = 5000;
  EXPECT_EQ(s1->apply_verified_aum(too_heavy).message(),
            "updated key fails validation: excessive key weight: 5000 > 4096");
  Aum unknown = child_of(add, AumKind::UpdateKey);
  unknown.key_id = Bytes(32, 1);
  unknown.votes = 1;
  EXPECT_EQ(s1->apply_verified_aum(unknown).message(), kErrNoSuchKey);

  Aum remove = child_of(update, AumKind::RemoveKey);
  remove.key_id = *key_of(a).public_key;
  auto s3 = s2->apply_verified_aum(remove);
  ASSERT_TRUE(s3.ok()) << s3.message();
  ASSERT_EQ(s3->keys->size(), 1u);
  EXPECT_EQ(s3->keys->front().public_key, key_of(b).public_key);
  Aum remove_again = child_of(remove, AumKind::RemoveKey);
  remove_again.key_id = *key_of(a).public_key;
  EXPECT_EQ(s3->apply_verified_aum(remove_again).message(), kErrNoSuchKey);

  // No-op and unknown kinds only move LastAUMHash.
  for (auto kind : {AumKind::NoOp, static_cast<AumKind>(77)}) {
    Aum other = child_of(remove, kind);
    auto s4 = s3->apply_verified_aum(other);
    ASSERT_TRUE(s4.ok());
    EXPECT_EQ(s4->keys, s3->keys);
    EXPECT_EQ(s4->last_aum_hash, other.hash());
  }

  // Checkpoints must keep the state IDs and chain to the last AUM.
  Aum cp = child_of(remove, AumKind::Checkpoint);
  EXPECT_EQ(s3->apply_verified_aum(cp).message(), "missing checkpoint state");
  State changed = genesis_state({key_of(a)});
  changed.state_id2 = 10;
  cp.state = changed;
  EXPECT_EQ(s3->apply_verified_aum(cp).message(), "checkpointed state has an incorrect stateID");
  EXPECT_EQ(s3->apply_verified_aum(genesis).message(), "parent AUMHash mismatch");
}

TEST(State, CheckpointValidationLimits) {
  const auto a = signer(1);
  State s = genesis_state({key_of(a)});
  EXPECT_TRUE(s.static_validate_checkpoint().ok());
  State dup_dv = s;
  dup_dv.disablement_values->push_back(Bytes(32, 0xa5));
  EXPECT_EQ(dup_dv.static_validate_checkpoint().message(), "disablement[0]: duplicates disablement[1]");
  State nil_dv = s;
  nil_dv.disablement_values->push_back(std::nullopt);
  EXPECT_EQ(nil_dv.static_validate_checkpoint().message(), "disablement[1]: invalid length (got 0, want 32)");
  State dup_key = s;
  dup_key.keys->push_back(key_of(a, 3));
  EXPECT_EQ(dup_key.static_validate_checkpoint().message(), "key[0]: duplicates key[1]");
  State no_keys = s;
  no_keys.keys->clear();
  EXPECT_EQ(no_keys.static_validate_checkpoint().message(), "at least one key is required");
}

TEST(State, KeepsNilAndEmptyApartOnTheWire) {
  State s;
  EXPECT_EQ(hex_encode(s.serialize()), "a301f602f603f6");
  s.disablement_values.emplace();
  s.keys.emplace();
  EXPECT_EQ(hex_encode(s.serialize()), "a301f602800380");
  s.disablement_values->push_back(std::nullopt);
  s.disablement_values->push_back(Bytes{});
  s.state_id2 = 1;
  const Bytes encoded = s.serialize();
  EXPECT_EQ(hex_encode(encoded), "a401f60282f6400380" "0501");
  auto back = State::unserialize(encoded);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, s);
}

TEST(Aum, WeightCountsDistinctTrustedSigners) {
  const auto a = signer(1), b = signer(2), c = signer(3);
  State s = genesis_state({key_of(a, 2), key_of(b, 3)});
  Aum noop;
  noop.kind = AumKind::NoOp;
  noop.prev_aum_hash = Bytes(32, 1);
  EXPECT_EQ(noop.weight(s), 0u);
  noop.sign(a);
  noop.sign(a);  // the same key twice counts once
  noop.sign(c);  // untrusted: counts nothing
  EXPECT_EQ(noop.weight(s), 2u);
  noop.sign(b);
  EXPECT_EQ(noop.weight(s), 5u);
}

TEST(AumVerification, ChecksSignersParentAndLastKeyAsUpstream) {
  const auto a = signer(1), b = signer(2);
  const State s0 = genesis_state({key_of(a)});
  Aum genesis = checkpoint(s0);
  EXPECT_EQ(verify_aum_now(genesis, s0, true).message(), "unsigned AUM");
  genesis.sign(a);
  EXPECT_TRUE(verify_aum_now(genesis, s0, true).ok());
  Result<State> s1 = genesis.state->clone_for_update(genesis);

  Aum noop = child_of(genesis, AumKind::NoOp);
  noop.sign(b);
  EXPECT_EQ(verify_aum_now(noop, *s1, false).message(), "bad keyID on signature 0: key not found");
  noop.signatures.clear();
  noop.sign(a);
  EXPECT_TRUE(verify_aum_now(noop, *s1, false).ok());
  Aum tampered = noop;
  tampered.kind = static_cast<AumKind>(9);
  EXPECT_EQ(verify_aum_now(tampered, *s1, false).message(), "signature 0: invalid signature");

  Aum orphan = noop;
  orphan.prev_aum_hash.reset();
  EXPECT_EQ(verify_aum_now(orphan, *s1, false).message(), "aum has no parent");
  EXPECT_EQ(verify_aum_now(noop, State{}, false).message(),
            "cannot check update parent hash against a state with no previous AUM");
  Aum wrong_parent = noop;
  wrong_parent.prev_aum_hash = Bytes(32, 0xee);
  EXPECT_EQ(verify_aum_now(wrong_parent, *s1, false).message().rfind("aum with parent ", 0), 0u);

  Aum remove_last = child_of(genesis, AumKind::RemoveKey);
  remove_last.key_id = *key_of(a).public_key;
  remove_last.sign(a);
  EXPECT_EQ(verify_aum_now(remove_last, *s1, false).message(), "cannot remove the last key in the state");

  Aum invalid = child_of(genesis, AumKind::AddKey);
  invalid.sign(a);
  EXPECT_EQ(verify_aum_now(invalid, *s1, false).message(), "invalid: AddKey AUMs must contain a key");
}

TEST(ChainsVectors, DisablementChecksMatchUpstream) {
  const json chains = testing::load_vectors("chains.json");
  // Argon2i with 16 MiB is slow by design: derive each distinct secret once,
  // and run the full State::check_disablement once per distinct verdict.
  std::map<std::string, std::string> derived;
  std::set<std::pair<std::string, bool>> checked_in_full;
  std::size_t cases = 0;
  for (const char* array : {"chains", "random_chains"}) {
    for (const auto& c : chains.at(array)) {
      if (!c.contains("disablement_checks")) continue;
      SCOPED_TRACE(c.at("name").get<std::string>());
      State final_state;
      final_state.disablement_values.emplace();
      std::set<std::string> values;
      for (const auto& v : c.at("expected").at("disablement_values")) {
        values.insert(v.get<std::string>());
        final_state.disablement_values->push_back(testing::unhex(v));
      }
      for (const auto& check : c.at("disablement_checks")) {
        const std::string secret = check.at("secret");
        const bool valid = check.at("valid").get<bool>();
        auto it = derived.find(secret);
        if (it == derived.end()) it = derived.emplace(secret, hex_encode(disablement_kdf(testing::unhex(secret)))).first;
        EXPECT_EQ(values.count(it->second) == 1, valid) << secret;
        if (checked_in_full.insert({secret, valid}).second) {
          EXPECT_EQ(final_state.check_disablement(testing::unhex(secret)), valid) << secret;
        }
        ++cases;
      }
    }
  }
  EXPECT_GT(cases, 100u);
}

}  // namespace
}  // namespace latchkey::tka
