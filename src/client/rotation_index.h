// RotationIndex: upstream's rotation tracker (ipn/ipnlocal/tailnet-lock.go
// rotationTracker), kept up to date peer by peer instead of rebuilt over the
// whole netmap, so that a delta costs time in the size of what it touches.
//
// A node key is obsolete when a verified rotation signature of some peer
// lists it among its previous keys, or when it loses within its wrapping-key
// group: peers whose chains start from a direct signature with the same
// wrapping key; among the members not already obsolete by the first rule,
// the one with the most previous keys survives, and a tie at the top makes
// all of them obsolete.
//
// Upstream walks the groups in Go map order, each seeing the keys earlier
// groups marked; that order matters only when one node key belongs to peers
// in two groups (duplicate node keys). Here each group sees only the first
// rule's keys, which makes the answer independent of order.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/bytes.h"
#include "client/lock_verdict.h"
#include "key/node_key.h"
#include "tailcfg/types.h"

namespace latchkey::client {

class RotationIndex {
 public:
  // Sets (or, with nullptr, withdraws) the contribution of peer `id`, whose
  // node key is `key`. Adds to `touched` every node key whose obsolete
  // answer may have changed.
  void set(tailcfg::NodeId id, const key::NodePublic& key, const RotationFacts* facts,
           std::unordered_set<key::NodePublic>& touched);
  void clear();

  bool obsolete(const key::NodePublic& key) const;
  std::size_t contributors() const { return contributions_.size(); }

 private:
  struct Contribution {
    key::NodePublic key;
    RotationFacts facts;
  };
  struct Member {
    tailcfg::NodeId id;
    key::NodePublic key;
    std::size_t prev_keys;
  };
  void add_prev(const key::NodePublic& k, int delta, std::unordered_set<key::NodePublic>& touched);
  void regroup(const Bytes& wrapping_key, std::unordered_set<key::NodePublic>& touched);

  std::unordered_map<tailcfg::NodeId, Contribution> contributions_;
  std::unordered_map<key::NodePublic, std::uint32_t> prev_refs_;  // first rule
  std::map<Bytes, std::vector<Member>> groups_;                   // by wrapping key
  std::map<Bytes, std::vector<key::NodePublic>> group_losers_;    // second rule, per group
  std::unordered_map<key::NodePublic, std::uint32_t> loser_refs_;
  // The groups holding a peer with this key (to regroup when the first rule's
  // answer for the key changes).
  std::unordered_map<key::NodePublic, std::vector<Bytes>> groups_of_key_;
};

}  // namespace latchkey::client
