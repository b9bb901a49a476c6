#include "client/peer_table.h"

#include <algorithm>
#include <unordered_set>

namespace latchkey::client {

PeerTable::PeerTable(LockMode mode, Clock now, LogSink log)
    : mode_(mode), now_(std::move(now)), log_(std::move(log)), view_(LockView::off()) {}

const PeerEntry* PeerTable::find(tailcfg::NodeId id) const {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : &it->second;
}

std::vector<std::pair<tailcfg::NodeId, const PeerEntry*>> PeerTable::sorted() const {
  std::vector<std::pair<tailcfg::NodeId, const PeerEntry*>> out;
  out.reserve(peers_.size());
  for (const auto& [id, e] : peers_) out.emplace_back(id, &e);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

ChangeSet PeerTable::apply(PeerBatch&& batch) {
  Touched touched;
  apply_into(std::move(batch), touched);
  return finish(touched);
}

void PeerTable::apply_into(PeerBatch&& batch, Touched& touched) {
  // Copy-on-write edit of a known peer; unknown IDs are ignored, as upstream.
  auto edit = [&](tailcfg::NodeId id, auto&& change) {
    const PeerEntry* e = find(id);
    if (!e) return;
    auto copy = std::make_shared<tailcfg::Node>(*e->node);
    change(*copy);
    put(std::move(copy), touched);
  };

  if (batch.full) {
    std::unordered_set<tailcfg::NodeId> listed;
    for (const auto& n : *batch.full) listed.insert(n.id);
    std::vector<tailcfg::NodeId> gone;
    for (const auto& [id, e] : peers_) {
      if (!listed.contains(id)) gone.push_back(id);
    }
    for (auto id : gone) remove(id, touched);
    for (auto& n : *batch.full) put(std::make_shared<const tailcfg::Node>(std::move(n)), touched);
    return;
  }
  for (auto id : batch.removed) {
    if (find(id)) remove(id, touched);
  }
  for (auto& n : batch.changed) put(std::make_shared<const tailcfg::Node>(std::move(n)), touched);
  // (Plain pairs, not structured bindings: clang 14 cannot capture those.)
  for (const auto& seen : batch.seen) {
    edit(seen.first, [&](tailcfg::Node& n) {
      n.last_seen = seen.second ? std::optional<tailcfg::GoTime>(now_()) : std::nullopt;
    });
  }
  for (const auto& online : batch.online) {
    edit(online.first, [&](tailcfg::Node& n) { n.online = online.second; });
  }
  for (auto& pc : batch.patches) {
    // Non-zero fields overwrite (upstream map.go); our PeerChange cannot
    // tell an empty list or map from an absent one, and neither means a
    // change to upstream's clients in practice.
    edit(pc.node_id, [&](tailcfg::Node& n) {
      if (pc.derp_region != 0) n.home_derp = pc.derp_region;
      if (pc.cap != 0) n.cap = pc.cap;
      if (!pc.endpoints.empty()) n.endpoints = pc.endpoints;
      if (pc.key) n.key = *pc.key;
      if (pc.disco_key) n.disco_key = *pc.disco_key;
      if (pc.online) n.online = *pc.online;
      if (pc.last_seen) n.last_seen = *pc.last_seen;
      if (pc.key_expiry) n.key_expiry = *pc.key_expiry;
      if (!pc.key_signature.empty()) n.key_signature = pc.key_signature;
      if (!pc.cap_map.empty()) n.cap_map = pc.cap_map;
    });
  }
}

ChangeSet PeerTable::set_lock(std::shared_ptr<const LockView> view, std::vector<PeerBatch> then) {
  Touched touched;
  touched.list.reserve(peers_.size());
  for (const auto& [id, e] : peers_) note(id, touched);
  view_ = std::move(view);
  // The batches go in under the new view, and every peer's transition is
  // taken from before the whole change, so a signature arriving with the
  // authority it needs is never judged without it in between.
  for (auto& b : then) apply_into(std::move(b), touched);
  if (view_->state == LockView::State::Active) {
    // Only signatures whose key ID is trusted now and that were never
    // checked need cryptography; the rest keep their cached result.
    std::vector<VerifyItem> items;
    for (auto& [id, e] : peers_) {
      if (e.check.shape() == SigCheck::Shape::Checkable && e.check.crypto() == SigCheck::Crypto::Unknown) {
        items.push_back({&e.node->key, e.node->key_signature, &e.check});
      }
    }
    verify_all(items, *view_->authority);
    for (const VerifyItem& item : items) {
      if (item.check->crypto() != SigCheck::Crypto::Unknown) ++counters_.verifications_total;
    }
  }
  // Who counts as verified changed with the authority: rebuild the tracker
  // (every peer is re-judged below, so the keys it reports do not matter).
  std::unordered_set<key::NodePublic> keys;
  rotation_.clear();
  for (const auto& [id, e] : peers_) {
    if (const RotationFacts* f = rotation_of(e)) rotation_.set(id, e.node->key, f, keys);
  }
  return finish(touched);
}

Judgement PeerTable::judge_node(const tailcfg::Node& node) const {
  SigCheck check = SigCheck::examine(node.key, node.key_signature);
  if (view_->state == LockView::State::Active && check.trusts(*view_->authority)) {
    check.verify(node.key, node.key_signature, *view_->authority);
  }
  return judge(*view_, node.unsigned_peer_api_only, check, rotation_.obsolete(node.key));
}

void PeerTable::note(tailcfg::NodeId id, Touched& touched) {
  if (!touched.ids.insert(id).second) return;
  const PeerEntry* e = find(id);
  touched.list.push_back(e ? Before{id, e->node, e->verdict, e->exposed} : Before{id, nullptr, LockVerdict::None, false});
}

void PeerTable::note_keys(const std::unordered_set<key::NodePublic>& keys, Touched& touched) {
  for (const auto& k : keys) {
    if (auto ids = by_key_.find(k); ids != by_key_.end()) {
      for (auto id : ids->second) note(id, touched);
    }
  }
}

void PeerTable::index_key(const key::NodePublic& key, tailcfg::NodeId id, bool add) {
  auto& ids = by_key_[key];
  if (add) {
    ids.push_back(id);
    return;
  }
  std::erase(ids, id);
  if (ids.empty()) by_key_.erase(key);
}

const RotationFacts* PeerTable::rotation_of(const PeerEntry& e) const {
  if (view_->state != LockView::State::Active || e.node->unsigned_peer_api_only) return nullptr;
  if (e.check.crypto() != SigCheck::Crypto::Verified || !e.check.rotation()) return nullptr;
  if (!e.check.trusts(*view_->authority)) return nullptr;
  return &*e.check.rotation();
}

void PeerTable::verify_one(PeerEntry& e) {
  if (view_->state != LockView::State::Active) return;
  if (e.check.shape() != SigCheck::Shape::Checkable || e.check.crypto() != SigCheck::Crypto::Unknown) return;
  if (!e.check.trusts(*view_->authority)) return;
  e.check.verify(e.node->key, e.node->key_signature, *view_->authority);
  ++counters_.verifications_total;
}

void PeerTable::put(std::shared_ptr<const tailcfg::Node> node, Touched& touched) {
  const tailcfg::NodeId id = node->id;
  note(id, touched);
  auto [it, inserted] = peers_.try_emplace(id);
  PeerEntry& e = it->second;
  const bool same_key = !inserted && e.node->key == node->key;
  const bool same_sig = same_key && e.node->key_signature == node->key_signature;
  if (!same_key) {
    if (!inserted) index_key(e.node->key, id, false);
    index_key(node->key, id, true);
  }
  e.node = std::move(node);
  if (!same_sig) e.check = SigCheck::examine(e.node->key, e.node->key_signature);
  verify_one(e);
  // Other peers whose key a changed rotation contribution names.
  std::unordered_set<key::NodePublic> keys;
  rotation_.set(id, e.node->key, rotation_of(e), keys);
  note_keys(keys, touched);
}

void PeerTable::remove(tailcfg::NodeId id, Touched& touched) {
  note(id, touched);
  auto it = peers_.find(id);
  std::unordered_set<key::NodePublic> keys;
  rotation_.set(id, it->second.node->key, nullptr, keys);
  index_key(it->second.node->key, id, false);
  peers_.erase(it);
  note_keys(keys, touched);
}

void PeerTable::rejudge(PeerEntry& e) {
  Judgement j = judge(*view_, e.node->unsigned_peer_api_only, e.check, rotation_.obsolete(e.node->key));
  e.verdict = j.verdict;
  e.reason = std::move(j.reason);
  e.exposed = mode_ == LockMode::VerifyAndLog || !is_rejection(e.verdict);
}

ChangeSet PeerTable::finish(Touched& touched) {
  // By ID, so that logs and events come in a stable order.
  std::sort(touched.list.begin(), touched.list.end(), [](const Before& a, const Before& b) { return a.id < b.id; });
  ChangeSet out;
  for (Before& b : touched.list) {
    const bool existed = b.node != nullptr;
    if (existed) --counters_.peers[static_cast<std::size_t>(b.verdict)];
    auto it = peers_.find(b.id);
    if (it == peers_.end()) {
      if (existed) out.push_back({PeerEvent::Kind::Removed, b.id, std::move(b.node), b.verdict, b.verdict, b.exposed, false});
      continue;
    }
    PeerEntry& e = it->second;
    rejudge(e);
    ++counters_.peers[static_cast<std::size_t>(e.verdict)];
    const bool verdict_changed = !existed || e.verdict != b.verdict;
    if (verdict_changed && is_rejection(e.verdict) && !(existed && is_rejection(b.verdict))) {
      ++(mode_ == LockMode::Enforce ? counters_.rejected_total : counters_.would_reject_total);
    }
    // Refusals and recoveries are logged once each; admissions are not (a
    // full map of a large tailnet would flood the log).
    if (log_ && verdict_changed && (is_rejection(e.verdict) || (existed && is_rejection(b.verdict)))) {
      std::string line = "tailnet lock: peer " + e.node->name + " (id " + std::to_string(b.id) + ", " +
                         e.node->key.to_string() + ") " + (existed ? std::string(verdict_name(b.verdict)) : "new") +
                         " -> " + std::string(verdict_name(e.verdict));
      if (!e.reason.empty()) line += ": " + e.reason;
      if (is_rejection(e.verdict)) line += mode_ == LockMode::Enforce ? " (rejected)" : " (would reject; admitted)";
      log_(line);
    }
    if (!existed || b.node != e.node || verdict_changed || b.exposed != e.exposed) {
      out.push_back({existed ? PeerEvent::Kind::Changed : PeerEvent::Kind::Added, b.id, e.node, b.verdict, e.verdict,
                     b.exposed, e.exposed});
    }
  }
  return out;
}

}  // namespace latchkey::client
