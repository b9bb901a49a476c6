// The client's peer table (client/peer_table.h): every peer's Tailnet Lock
// verdict as upstream's peer filter (ipn/ipnlocal/tailnet-lock.go
// tkaFilterNetmapLocked and its rotation tracker) would decide it, kept right
// through deltas and authority changes, with exposure by mode, log lines and
// counters. The property test at the end compares every step of random
// sequences with a from-scratch port of upstream's filter.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "client/peer_table.h"
#include "key/nl_key.h"
#include "key/node_key.h"
#include "tka/node_key_signing.h"
#include "tka/sig.h"
#include "tka/state.h"

namespace latchkey::client {
namespace {

tka::State authority(std::initializer_list<const key::NLPrivate*> keys) {
  tka::State s;
  s.keys.emplace();
  for (const auto* k : keys) s.keys->push_back(tka::trusted_key(k->public_key()));
  s.disablement_values = std::vector<tka::NullableBytes>{Bytes(32, 1)};
  return s;
}

// The rotation signature a node makes with its own lock key when its node
// key changes (upstream ResignNKS).
Bytes rotate(const key::NLPrivate& node_nl, const key::NodePublic& new_key, const Bytes& old_sig) {
  auto r = tka::resign_node_key_signature(node_nl.raw(), new_key, old_sig);
  EXPECT_TRUE(r.ok()) << r.message();
  return r.ok() ? *r : Bytes{};
}

tailcfg::Node peer(tailcfg::NodeId id, const key::NodePublic& k, Bytes sig = {}) {
  tailcfg::Node n;
  n.id = id;
  n.name = "peer" + std::to_string(id) + ".example.ts.net.";
  n.key = k;
  n.key_signature = std::move(sig);
  return n;
}

PeerBatch full(std::vector<tailcfg::Node> nodes) {
  PeerBatch b;
  b.full = std::move(nodes);
  return b;
}

PeerBatch changed(tailcfg::Node n) {
  PeerBatch b;
  b.changed.push_back(std::move(n));
  return b;
}

struct Fixture {
  std::vector<std::string> log;
  PeerTable table;
  explicit Fixture(LockMode mode = LockMode::VerifyAndLog)
      : table(mode, [] { return tailcfg::GoTime{}; }, [this](std::string_view l) { log.emplace_back(l); }) {}
  LockVerdict verdict(tailcfg::NodeId id) const { return table.find(id)->verdict; }
  const std::string& reason(tailcfg::NodeId id) const { return table.find(id)->reason; }
};

struct Keys {
  key::NLPrivate a = key::NLPrivate::generate();  // trusted
  key::NLPrivate b = key::NLPrivate::generate();  // trusted only sometimes
  key::NLPrivate n1 = key::NLPrivate::generate(); // peer 1's own lock key
  key::NodePublic k1 = key::NodePrivate::generate().public_key();
  key::NodePublic k2 = key::NodePrivate::generate().public_key();
  key::NodePublic k3 = key::NodePrivate::generate().public_key();
};

TEST(PeerTableVerdicts, EachCaseOfUpstreamsFilterWithItsReason) {
  Keys k;
  Fixture f;
  auto exempt = peer(6, k.k3);
  exempt.unsigned_peer_api_only = true;
  f.table.apply(full({peer(1, k.k1, tka::sign_node_key(k.a, k.k1, k.n1.key_id())),  //
                      peer(2, k.k2),                                    //
                      peer(3, k.k3, Bytes{0xff, 0x00}),                 //
                      peer(4, k.k2, tka::sign_node_key(k.b, k.k2, {})),             //
                      peer(5, k.k3, tka::sign_node_key(k.a, k.k1, {})),             //
                      exempt}));
  for (tailcfg::NodeId id = 1; id <= 6; ++id) EXPECT_EQ(f.verdict(id), LockVerdict::None) << id;

  f.table.set_lock(LockView::pending());
  for (tailcfg::NodeId id = 1; id <= 6; ++id) EXPECT_EQ(f.verdict(id), LockVerdict::Pending) << id;
  EXPECT_TRUE(f.log.empty()) << "fail-open states refuse nobody";

  f.table.set_lock(LockView::active(authority({&k.a})));
  EXPECT_EQ(f.verdict(1), LockVerdict::Authorized);
  EXPECT_EQ(f.verdict(2), LockVerdict::Unsigned);
  EXPECT_EQ(f.reason(2), "missing signature");
  EXPECT_EQ(f.verdict(3), LockVerdict::Unauthorized);
  EXPECT_EQ(f.reason(3).rfind("unserialize: ", 0), 0u) << f.reason(3);
  EXPECT_EQ(f.verdict(4), LockVerdict::Unauthorized);
  EXPECT_EQ(f.reason(4), "key: key not found");
  EXPECT_EQ(f.verdict(5), LockVerdict::Unauthorized);
  EXPECT_EQ(f.reason(5), "signature does not authorize nodeKey") << "a signature made for another node";
  EXPECT_EQ(f.verdict(6), LockVerdict::Exempt);

  // Each reason is the one upstream's own check gives.
  const tka::State st = authority({&k.a});
  for (tailcfg::NodeId id : {3, 4, 5}) {
    const auto* e = f.table.find(id);
    auto up = tka::node_key_authorized(st, e->node->key, e->node->key_signature);
    ASSERT_FALSE(up.ok());
    EXPECT_EQ(e->reason, up.message());
  }
  EXPECT_EQ(f.table.counters().would_reject_total, 4u);
  EXPECT_EQ(f.table.counters().peers[static_cast<std::size_t>(LockVerdict::Unauthorized)], 3u);
  ASSERT_EQ(f.log.size(), 4u);
  EXPECT_EQ(f.log[0].find("tailnet lock: peer peer2.example.ts.net. (id 2, nodekey:"), 0u) << f.log[0];
  EXPECT_NE(f.log[0].find("pending -> unsigned: missing signature (would reject; admitted)"), std::string::npos)
      << f.log[0];
  for (tailcfg::NodeId id = 1; id <= 6; ++id) EXPECT_TRUE(f.table.find(id)->exposed) << "verify-and-log admits all";
}

TEST(PeerTableVerdicts, AuthorityChangesRejudgeEveryPeerOnceAndLogOnlyTransitions) {
  Keys k;
  Fixture f;
  f.table.set_lock(LockView::active(authority({&k.a})));
  f.table.apply(full({peer(1, k.k1, tka::sign_node_key(k.b, k.k1, {})), peer(2, k.k2, tka::sign_node_key(k.a, k.k2, {}))}));
  EXPECT_EQ(f.verdict(1), LockVerdict::Unauthorized);
  EXPECT_EQ(f.log.size(), 1u);
  EXPECT_EQ(f.table.counters().verifications_total, 1u) << "the untrusted signature needs no cryptography";

  // `lock add` of B: peer 1 becomes authorized, logged as a recovery.
  auto changes = f.table.set_lock(LockView::active(authority({&k.a, &k.b})));
  EXPECT_EQ(f.verdict(1), LockVerdict::Authorized);
  ASSERT_EQ(changes.size(), 1u) << "peer 2's verdict did not change";
  EXPECT_EQ(changes[0].id, 1);
  EXPECT_EQ(changes[0].old_verdict, LockVerdict::Unauthorized);
  EXPECT_EQ(f.log.size(), 2u);
  EXPECT_NE(f.log[1].find("unauthorized -> authorized"), std::string::npos) << f.log[1];
  EXPECT_EQ(f.table.counters().verifications_total, 2u);

  // `lock remove` of B: a peer signed by a removed key is refused again,
  // without verifying anything (the cached result stands).
  f.table.set_lock(LockView::active(authority({&k.a})));
  EXPECT_EQ(f.verdict(1), LockVerdict::Unauthorized);
  EXPECT_EQ(f.reason(1), "key: key not found");
  EXPECT_EQ(f.table.counters().verifications_total, 2u);
  EXPECT_EQ(f.table.counters().would_reject_total, 2u);

  // The same authority again changes nothing.
  EXPECT_TRUE(f.table.set_lock(LockView::active(authority({&k.a}))).empty());
  EXPECT_EQ(f.log.size(), 3u);

  // Lock disabled: every peer back to none, nobody refused.
  f.table.set_lock(LockView::off());
  EXPECT_EQ(f.verdict(1), LockVerdict::None);
  EXPECT_EQ(f.table.counters().peers[static_cast<std::size_t>(LockVerdict::None)], 2u);
}

TEST(PeerTableVerdicts, EnforceModeHidesRefusedPeersAndCountsThemAsRejected) {
  Keys k;
  Fixture f(LockMode::Enforce);
  f.table.set_lock(LockView::active(authority({&k.a})));
  auto changes = f.table.apply(full({peer(1, k.k1, tka::sign_node_key(k.a, k.k1, {})), peer(2, k.k2)}));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(f.table.find(1)->exposed);
  EXPECT_FALSE(f.table.find(2)->exposed);
  EXPECT_EQ(f.table.counters().rejected_total, 1u);
  EXPECT_EQ(f.table.counters().would_reject_total, 0u);
  EXPECT_NE(f.log.at(0).find("(rejected)"), std::string::npos) << f.log[0];
  // Signing peer 2 (a patch with its new signature) exposes it.
  PeerBatch b;
  tailcfg::PeerChange pc;
  pc.node_id = 2;
  pc.key_signature = tka::sign_node_key(k.a, k.k2, {});
  b.patches.push_back(pc);
  changes = f.table.apply(std::move(b));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].was_exposed);
  EXPECT_TRUE(changes[0].exposed);
  EXPECT_EQ(f.verdict(2), LockVerdict::Authorized);
}

TEST(PeerTableVerdicts, KeyRotationMakesTheOldKeyObsolete) {
  Keys k;
  Fixture f;
  f.table.set_lock(LockView::active(authority({&k.a})));
  const Bytes sig1 = tka::sign_node_key(k.a, k.k1, k.n1.key_id());
  f.table.apply(full({peer(1, k.k1, sig1)}));
  EXPECT_EQ(f.verdict(1), LockVerdict::Authorized);
  // The node rotated to k2; control lists the new node and (stale) the old
  // one: the old key is obsolete.
  f.table.apply(changed(peer(2, k.k2, rotate(k.n1, k.k2, sig1))));
  EXPECT_EQ(f.verdict(2), LockVerdict::Authorized);
  EXPECT_EQ(f.verdict(1), LockVerdict::ObsoleteKey);
  EXPECT_EQ(f.reason(1), "key rotation");
  // The rotated node leaves: the old key is no longer obsolete.
  PeerBatch gone;
  gone.removed.push_back(2);
  auto changes = f.table.apply(std::move(gone));
  EXPECT_EQ(f.verdict(1), LockVerdict::Authorized);
  ASSERT_EQ(changes.size(), 2u);
}

TEST(PeerTableVerdicts, TwoRotationsOfOneWrappingKeyWithEqualChainsAreBothObsolete) {
  Keys k;
  Fixture f;
  f.table.set_lock(LockView::active(authority({&k.a})));
  const Bytes sig1 = tka::sign_node_key(k.a, k.k1, k.n1.key_id());
  // A cloned node: both copies rotated from k1, to k2 and to k3.
  f.table.apply(full({peer(2, k.k2, rotate(k.n1, k.k2, sig1)), peer(3, k.k3, rotate(k.n1, k.k3, sig1))}));
  EXPECT_EQ(f.verdict(2), LockVerdict::ObsoleteKey);
  EXPECT_EQ(f.verdict(3), LockVerdict::ObsoleteKey);
  // One of them rotates once more: the longer chain wins.
  const auto k4 = key::NodePrivate::generate().public_key();
  f.table.apply(changed(peer(3, k4, rotate(k.n1, k4, f.table.find(3)->node->key_signature))));
  EXPECT_EQ(f.verdict(3), LockVerdict::Authorized);
  EXPECT_EQ(f.verdict(2), LockVerdict::ObsoleteKey);
}

TEST(PeerTableDeltas, EachDeltaKindGoesThroughTheTableAndUnknownIdsAreIgnored) {
  Keys k;
  Fixture f;
  f.table.set_lock(LockView::active(authority({&k.a})));
  f.table.apply(full({peer(1, k.k1, tka::sign_node_key(k.a, k.k1, {})), peer(2, k.k2, tka::sign_node_key(k.a, k.k2, {}))}));
  PeerBatch b;
  b.online[1] = true;
  b.online[99] = true;  // unknown: ignored
  b.seen[2] = true;
  tailcfg::PeerChange pc;
  pc.node_id = 2;
  pc.derp_region = 7;
  b.patches.push_back(pc);
  pc.node_id = 42;  // unknown: ignored
  b.patches.push_back(pc);
  auto changes = f.table.apply(std::move(b));
  EXPECT_EQ(changes.size(), 2u);
  EXPECT_EQ(f.table.size(), 2u);
  EXPECT_EQ(f.table.find(1)->node->online, std::optional<bool>(true));
  EXPECT_TRUE(f.table.find(2)->node->last_seen.has_value());
  EXPECT_EQ(f.table.find(2)->node->home_derp, 7);
  EXPECT_EQ(f.table.counters().verifications_total, 2u) << "no change of key or signature, no new check";

  // A patch with a new key but the old signature: the signature is for another key.
  PeerBatch kb;
  tailcfg::PeerChange kc;
  kc.node_id = 1;
  kc.key = k.k3;
  kb.patches.push_back(kc);
  f.table.apply(std::move(kb));
  EXPECT_EQ(f.verdict(1), LockVerdict::Unauthorized);
  EXPECT_EQ(f.reason(1), "signature does not authorize nodeKey");

  // A full map replaces the set.
  changes = f.table.apply(full({peer(3, k.k3)}));
  EXPECT_EQ(f.table.size(), 1u);
  std::map<tailcfg::NodeId, PeerEvent::Kind> kinds;
  for (const auto& c : changes) kinds[c.id] = c.kind;
  EXPECT_EQ(kinds[1], PeerEvent::Kind::Removed);
  EXPECT_EQ(kinds[2], PeerEvent::Kind::Removed);
  EXPECT_EQ(kinds[3], PeerEvent::Kind::Added);
  std::size_t total = 0;
  for (auto n : f.table.counters().peers) total += n;
  EXPECT_EQ(total, 1u) << "the per-verdict gauge follows removals";
}

// ---- the property test -------------------------------------------------

// Upstream's filter, ported from scratch (tkaFilterNetmapLocked and
// rotationTracker.obsoleteKeys) over a plain list of peers.
std::map<tailcfg::NodeId, LockVerdict> reference(const std::map<tailcfg::NodeId, tailcfg::Node>& peers,
                                                 const LockView& view) {
  std::map<tailcfg::NodeId, LockVerdict> out;
  if (view.state != LockView::State::Active) {
    for (const auto& [id, n] : peers) out[id] = view.state == LockView::State::Off ? LockVerdict::None : LockVerdict::Pending;
    return out;
  }
  std::set<key::NodePublic> obsolete;
  std::map<Bytes, std::vector<std::pair<key::NodePublic, std::size_t>>> by_wrapping;
  for (const auto& [id, n] : peers) {
    if (n.unsigned_peer_api_only) continue;
    if (n.key_signature.empty()) {
      out[id] = LockVerdict::Unsigned;
      continue;
    }
    auto details = tka::node_key_authorized(*view.authority, n.key, n.key_signature);
    if (!details) {
      out[id] = LockVerdict::Unauthorized;
      continue;
    }
    if (*details) {
      obsolete.insert((*details)->prev_node_keys.begin(), (*details)->prev_node_keys.end());
      const auto& init = (*details)->initial_sig;
      if (init && init->kind == tka::SigKind::Direct) {
        by_wrapping[init->wrapping_pubkey].emplace_back(n.key, (*details)->prev_node_keys.size());
      }
    }
  }
  for (auto& [wk, v] : by_wrapping) {
    std::erase_if(v, [&](const auto& rd) { return obsolete.contains(rd.first); });
    if (v.empty()) continue;
    std::stable_sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    if (v.size() >= 2 && v[0].second == v[1].second) {
      for (const auto& rd : v) obsolete.insert(rd.first);
    } else {
      for (std::size_t i = 1; i < v.size(); ++i) obsolete.insert(v[i].first);
    }
  }
  for (const auto& [id, n] : peers) {
    if (out.contains(id)) continue;
    if (obsolete.contains(n.key)) {
      out[id] = LockVerdict::ObsoleteKey;
    } else {
      out[id] = n.unsigned_peer_api_only ? LockVerdict::Exempt : LockVerdict::Authorized;
    }
  }
  return out;
}

TEST(PeerTableProperty, EveryStepAgreesWithAFromScratchPortOfUpstreamsFilter) {
  std::mt19937 rng(20261207);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::vector<key::NLPrivate> trust = {key::NLPrivate::generate(), key::NLPrivate::generate(),
                                             key::NLPrivate::generate()};
  const std::vector<key::NLPrivate> node_nl = {key::NLPrivate::generate(), key::NLPrivate::generate(),
                                               key::NLPrivate::generate(), key::NLPrivate::generate()};
  for (int round = 0; round < 6; ++round) {
    Fixture f(round % 2 ? LockMode::Enforce : LockMode::VerifyAndLog);
    std::map<tailcfg::NodeId, tailcfg::Node> model;
    std::map<tailcfg::NodeId, std::size_t> owner;  // which node_nl a peer's chain belongs to
    std::shared_ptr<const LockView> view = LockView::off();
    tailcfg::NodeId next_id = 1;
    auto fresh_sig = [&](const key::NodePublic& nk, std::size_t o) -> Bytes {
      switch (pick(8)) {
        case 0:
          return {};
        case 1:
          return Bytes{0x01, 0x02};
        case 2:
          return tka::sign_node_key(trust[pick(3)], key::NodePrivate::generate().public_key(), {});  // for another key
        default:
          return tka::sign_node_key(trust[pick(3)], nk, node_nl[o].key_id());
      }
    };
    for (int step = 0; step < 120; ++step) {
      const std::size_t op = pick(10);
      if (op <= 2 || model.empty()) {  // a new peer
        tailcfg::Node n = peer(next_id++, key::NodePrivate::generate().public_key());
        const std::size_t o = pick(node_nl.size());
        n.key_signature = fresh_sig(n.key, o);
        n.unsigned_peer_api_only = pick(12) == 0;
        owner[n.id] = o;
        model[n.id] = n;
        f.table.apply(changed(n));
      } else if (op == 3) {  // removal
        auto it = std::next(model.begin(), static_cast<std::ptrdiff_t>(pick(model.size())));
        PeerBatch b;
        b.removed.push_back(it->first);
        model.erase(it);
        f.table.apply(std::move(b));
      } else if (op <= 5) {  // rotation: a peer's node key changes under a rotation signature
        auto it = std::next(model.begin(), static_cast<std::ptrdiff_t>(pick(model.size())));
        const auto nk = key::NodePrivate::generate().public_key();
        // (Only a signature that decodes can be re-signed.)
        auto resigned = tka::resign_node_key_signature(node_nl[owner[it->first]].raw(), nk, it->second.key_signature);
        if (!resigned) continue;
        const Bytes sig = *resigned;
        if (pick(2) == 0) {  // as a patch of the same peer
          it->second.key = nk;
          it->second.key_signature = sig;
          PeerBatch b;
          tailcfg::PeerChange pc;
          pc.node_id = it->first;
          pc.key = nk;
          pc.key_signature = sig;
          b.patches.push_back(pc);
          f.table.apply(std::move(b));
        } else {  // as a new peer beside the stale one (a clone, or control lagging)
          tailcfg::Node n = peer(next_id++, nk, sig);
          owner[n.id] = owner[it->first];
          model[n.id] = n;
          f.table.apply(changed(n));
        }
      } else if (op == 6) {  // re-signed
        auto it = std::next(model.begin(), static_cast<std::ptrdiff_t>(pick(model.size())));
        it->second.key_signature = fresh_sig(it->second.key, owner[it->first]);
        f.table.apply(changed(it->second));
      } else if (op == 7) {  // online flip: no verdict may change
        auto it = std::next(model.begin(), static_cast<std::ptrdiff_t>(pick(model.size())));
        PeerBatch b;
        b.online[it->first] = pick(2) == 0;
        it->second.online = b.online[it->first];
        f.table.apply(std::move(b));
      } else {  // authority change
        const std::size_t which = pick(6);
        if (which == 0) {
          view = LockView::off();
        } else if (which == 1) {
          view = LockView::pending();
        } else {
          tka::State s = authority({});
          for (std::size_t i = 0; i < trust.size(); ++i) {
            if (pick(3) != 0) s.keys->push_back(tka::trusted_key(trust[i].public_key()));
          }
          view = LockView::active(std::move(s));
        }
        f.table.set_lock(view);
      }
      const auto want = reference(model, *view);
      ASSERT_EQ(f.table.size(), model.size());
      std::array<std::size_t, kLockVerdictCount> gauge{};
      for (const auto& [id, v] : want) {
        const PeerEntry* e = f.table.find(id);
        ASSERT_NE(e, nullptr);
        ASSERT_EQ(e->verdict, v) << "round " << round << " step " << step << " peer " << id << ": got "
                                 << verdict_name(e->verdict) << " (" << e->reason << "), upstream "
                                 << verdict_name(v);
        ASSERT_EQ(e->exposed, f.table.mode() == LockMode::VerifyAndLog || !is_rejection(v));
        ++gauge[static_cast<std::size_t>(v)];
      }
      ASSERT_EQ(f.table.counters().peers, gauge);
    }
  }
}

// The client's lock barrier: batches that arrived while the authority was
// fetched go in with it, and each peer has one transition, from before to
// after the whole change — never a refusal in between.
TEST(PeerTableVerdicts, BatchesHeldForAnAuthorityGoInWithItWithoutATransientRefusal) {
  Keys k;
  Fixture f;
  f.table.apply(full({peer(1, k.k1), peer(2, k.k2)}));
  PeerBatch signatures;
  for (auto [id, key] : {std::pair{tailcfg::NodeId{1}, k.k1}, std::pair{tailcfg::NodeId{2}, k.k2}}) {
    tailcfg::PeerChange pc;
    pc.node_id = id;
    pc.key_signature = tka::sign_node_key(k.a, key, {});
    signatures.patches.push_back(pc);
  }
  std::vector<PeerBatch> held;
  held.push_back(std::move(signatures));
  held.push_back(changed(peer(3, k.k3)));
  auto changes = f.table.set_lock(LockView::active(authority({&k.a})), std::move(held));
  EXPECT_EQ(f.verdict(1), LockVerdict::Authorized);
  EXPECT_EQ(f.verdict(2), LockVerdict::Authorized);
  EXPECT_EQ(f.verdict(3), LockVerdict::Unsigned);
  ASSERT_EQ(changes.size(), 3u);
  for (const auto& c : changes) {
    EXPECT_EQ(c.old_verdict, LockVerdict::None) << c.id;
    if (c.id == 3) {
      EXPECT_EQ(c.kind, PeerEvent::Kind::Added);
    }
  }
  EXPECT_EQ(f.table.counters().would_reject_total, 1u) << "only the unsigned newcomer";
  EXPECT_EQ(f.log.size(), 1u);
}

}  // namespace
}  // namespace latchkey::client
