// PeerBatch: the peer part of one MapResponse, in the order upstream's map
// session applies it (control/controlclient/map.go updateStateFromResponse):
// a non-empty Peers replaces the whole set and precludes everything else;
// otherwise PeersRemoved, PeersChanged (whole nodes), PeerSeenChange,
// OnlineChange, then PeersChangedPatch. The map session builds one per
// message; the peer table is the only thing that applies it.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "tailcfg/map_response.h"
#include "tailcfg/node.h"
#include "tailcfg/types.h"

namespace latchkey::client {

struct PeerBatch {
  // Set iff the message's Peers was non-empty (upstream cannot tell an empty
  // Peers from an absent one, and neither can we).
  std::optional<std::vector<tailcfg::Node>> full;
  std::vector<tailcfg::NodeId> removed;
  std::vector<tailcfg::Node> changed;
  std::map<tailcfg::NodeId, bool> seen;    // true: LastSeen = now; false: cleared
  std::map<tailcfg::NodeId, bool> online;  // Online flag
  std::vector<tailcfg::PeerChange> patches;

  bool empty() const {
    return !full && removed.empty() && changed.empty() && seen.empty() && online.empty() && patches.empty();
  }

  // Takes the peer fields out of a decoded MapResponse.
  static PeerBatch take_from(tailcfg::MapResponse& m) {
    PeerBatch b;
    if (!m.peers.empty()) {
      b.full = std::move(m.peers);
      m.peers.clear();
      return b;
    }
    b.removed = std::move(m.peers_removed);
    b.changed = std::move(m.peers_changed);
    b.seen = std::move(m.peer_seen_change);
    b.online = std::move(m.online_change);
    b.patches = std::move(m.peers_changed_patch);
    return b;
  }
};

}  // namespace latchkey::client
