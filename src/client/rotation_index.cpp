#include "client/rotation_index.h"

#include <algorithm>
#include <set>

namespace latchkey::client {

bool RotationIndex::obsolete(const key::NodePublic& key) const {
  return prev_refs_.contains(key) || loser_refs_.contains(key);
}

void RotationIndex::clear() {
  contributions_.clear();
  prev_refs_.clear();
  groups_.clear();
  group_losers_.clear();
  loser_refs_.clear();
  groups_of_key_.clear();
}

void RotationIndex::add_prev(const key::NodePublic& k, int delta, std::unordered_set<key::NodePublic>& touched) {
  auto& n = prev_refs_[k];
  const bool was = n > 0;
  n = static_cast<std::uint32_t>(static_cast<int>(n) + delta);
  const bool is = n > 0;
  if (!is) prev_refs_.erase(k);  // `n` dangles from here
  if (was != is) touched.insert(k);
}

void RotationIndex::set(tailcfg::NodeId id, const key::NodePublic& key, const RotationFacts* facts,
                        std::unordered_set<key::NodePublic>& touched) {
  auto it = contributions_.find(id);
  if (it == contributions_.end() && !facts) return;
  if (it != contributions_.end() && facts && it->second.key == key && it->second.facts == *facts) return;

  std::set<Bytes> dirty_groups;
  std::unordered_set<key::NodePublic> prev_changed;
  auto withdraw_or_add = [&](const key::NodePublic& k, const RotationFacts& f, int delta) {
    for (const auto& prev : f.prev_node_keys) {
      std::unordered_set<key::NodePublic> changed;
      add_prev(prev, delta, changed);
      prev_changed.insert(changed.begin(), changed.end());
    }
    if (f.direct_wrapping_key.empty()) return;
    dirty_groups.insert(f.direct_wrapping_key);
    auto& members = groups_[f.direct_wrapping_key];
    auto& of_key = groups_of_key_[k];
    if (delta > 0) {
      members.push_back({id, k, f.prev_node_keys.size()});
      of_key.push_back(f.direct_wrapping_key);
    } else {
      std::erase_if(members, [&](const Member& m) { return m.id == id; });
      if (members.empty()) groups_.erase(f.direct_wrapping_key);
      if (auto pos = std::find(of_key.begin(), of_key.end(), f.direct_wrapping_key); pos != of_key.end()) {
        of_key.erase(pos);
      }
      if (of_key.empty()) groups_of_key_.erase(k);
    }
  };
  if (it != contributions_.end()) {
    withdraw_or_add(it->second.key, it->second.facts, -1);
    contributions_.erase(it);
  }
  if (facts) {
    withdraw_or_add(key, *facts, +1);
    contributions_.emplace(id, Contribution{key, *facts});
  }
  // A key that changed under the first rule changes its group's outcome.
  for (const auto& k : prev_changed) {
    touched.insert(k);
    if (auto g = groups_of_key_.find(k); g != groups_of_key_.end()) dirty_groups.insert(g->second.begin(), g->second.end());
  }
  for (const Bytes& g : dirty_groups) regroup(g, touched);
}

void RotationIndex::regroup(const Bytes& wrapping_key, std::unordered_set<key::NodePublic>& touched) {
  std::vector<key::NodePublic> losers;
  if (auto g = groups_.find(wrapping_key); g != groups_.end()) {
    std::vector<const Member*> live;
    for (const Member& m : g->second) {
      if (!prev_refs_.contains(m.key)) live.push_back(&m);
    }
    if (live.size() >= 2) {
      std::size_t best = 0, best_count = 0;
      for (const Member* m : live) {
        if (m->prev_keys > best) {
          best = m->prev_keys;
          best_count = 1;
        } else if (m->prev_keys == best) {
          ++best_count;
        }
      }
      // A tie at the top: no way to tell the newest, so none survives.
      for (const Member* m : live) {
        if (best_count >= 2 || m->prev_keys != best) losers.push_back(m->key);
      }
    }
  }
  auto& old = group_losers_[wrapping_key];
  for (const auto& k : old) {
    if (--loser_refs_[k] == 0) loser_refs_.erase(k);
    touched.insert(k);
  }
  for (const auto& k : losers) {
    ++loser_refs_[k];
    touched.insert(k);
  }
  if (losers.empty()) {
    group_losers_.erase(wrapping_key);
  } else {
    old = std::move(losers);
  }
}

}  // namespace latchkey::client
