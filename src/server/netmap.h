// Netmap: the in-memory model of one tailnet that the map stream is served
// from — nodes (as tailcfg::Node, the peer view), their users, online state,
// endpoints and DERP home — and the MapResponses made from it: a full map
// for one node (self Node, Peers sorted by ID, DERPMap, DNSConfig, Domain,
// PacketFilter, UserProfiles, ControlTime) and, for changes, deltas
// (PeersChanged, PeersRemoved, PeersChangedPatch).
//
// Changes are applied at once but announced in batches: mutators record
// what changed, take_batch() collects it (the server calls it every few tens
// of milliseconds) and encodes the delta once for every viewer that is not
// itself part of the change. Each node's peer JSON is encoded when the node
// changes and cached, and full maps splice the cached texts
// (MapResponse::peers_encoded), so no change ever re-encodes the world.
//
// Sans-IO and single-threaded: the caller serialises access and passes the
// time in. Mirrors headscale's hscontrol/mapper (batcher, tail.go) and
// upstream's testcontrol map building; the delta forms are what upstream's
// controlclient/map.go applies.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "key/machine_key.h"
#include "key/node_key.h"
#include "tailcfg/derp_map.h"
#include "tailcfg/dns_config.h"
#include "tailcfg/filter.h"
#include "tailcfg/go_time.h"
#include "tailcfg/map_response.h"
#include "tailcfg/node.h"
#include "tailcfg/user.h"

namespace latchkey::server {

using tailcfg::NodeId;
using tailcfg::UserId;

struct NetmapConfig {
  std::string domain;  // MapResponse.Domain (the tailnet's name)
  tailcfg::DerpMap derp_map;
  std::optional<tailcfg::DnsConfig> dns_config;
  std::vector<tailcfg::FilterRule> packet_filter = tailcfg::filter_allow_all();
  // Every node's own view carries the Tailnet Lock capability: upstream
  // clients without it ignore the lock entirely (no bootstrap, no peer
  // filtering, `tailscale lock init` refused).
  bool tailnet_lock_capability = true;
};

// The capability name (upstream tailcfg.CapabilityTailnetLock).
inline constexpr const char* kTailnetLockCapability = "https://tailscale.com/cap/tailnet-lock";

// What one batch of changes means to the viewers.
struct NetmapDelta {
  std::vector<NodeId> changed;                   // full node changes (added or altered), sorted
  std::vector<NodeId> removed;                   // sorted
  std::vector<tailcfg::PeerChange> patches;      // small changes, sorted by node
  // Nodes whose own view changed by a patch-only change (a new key
  // signature): each gets its own Node after the common message. Sorted.
  std::vector<NodeId> self_changed;
  // Nodes with a patch an upstream client would apply as a node mutation
  // (only DERPRegion, Endpoints, Online, LastSeen set). Sorted.
  std::vector<NodeId> mutation_patched;
  // Sent so that upstream rebuilds its netmap from its peer list instead
  // of applying the patches as mutations (see touches()): set while the
  // tailnet's lock is on and the batch has a mutation patch, since a locked
  // client holds no unsigned node as a peer and the patch of one would cut
  // its batch short just as its own would.
  bool rebuild = false;
  // The lock's new head (or that it is now disabled), for every viewer.
  std::optional<tailcfg::TkaInfo> tka_info;
  // The encoded delta for a viewer that appears in none of the lists above
  // (most viewers). Empty when the batch holds nothing.
  std::string common_json;
  bool empty() const {
    return changed.empty() && removed.empty() && patches.empty() && self_changed.empty() && !tka_info;
  }
  // Whether `viewer` needs its own encoding (delta_json()): it was added,
  // changed or removed, or its own patch is one an upstream client would
  // apply as a node mutation. Such a patch must never reach the node
  // itself: upstream (1.102, ipnlocal nodeBackend.UpdateNetmapDelta) stops
  // at the first mutation for a node that is not its peer — its own ID —
  // and, the mutations being sorted by node ID, silently drops every later
  // one, a new peer included. A patch with any other field (a new key
  // signature, Cap, DiscoKey) makes upstream rebuild the whole netmap from
  // its peer list, where a patch for an unknown ID is skipped, so a batch
  // that signs every node (init) is still encoded once, not per viewer;
  // so does a `rebuild` batch. The price: a batch in which k nodes came
  // online is encoded k + 1 times (each of them gets it without its own
  // patch) instead of once.
  bool touches(NodeId viewer) const;
  // Whether common_json says nothing to `viewer` but its own patch.
  bool only_own_patch(NodeId viewer) const;
  bool self_changed_for(NodeId viewer) const;
};

struct FullMapOptions {
  bool omit_peers = false;
};

class Netmap {
 public:
  explicit Netmap(NetmapConfig config);

  const NetmapConfig& config() const { return config_; }

  // Users: the profile sent in UserProfiles.
  void set_user(const tailcfg::UserProfile& profile);

  // Adds a node or replaces its description (key rotation, new hostinfo,
  // rename, ...): announced to peers as PeersChanged. Online state and last
  // seen are kept from the previous entry (the node's own fields for them
  // are ignored).
  void upsert_node(tailcfg::Node node);
  // Announced as PeersRemoved. No-op for an unknown id.
  void remove_node(NodeId id);

  const tailcfg::Node* node(NodeId id) const;
  std::optional<NodeId> find_by_node_key(const key::NodePublic& k) const;
  std::optional<NodeId> find_by_machine_key(const key::MachinePublic& k) const;
  std::size_t size() const { return nodes_.size(); }
  bool online(NodeId id) const;
  std::size_t online_count() const { return online_count_; }

  // What a node reports in its MapRequests. Each returns whether anything
  // changed. Endpoints, disco key and DERP home go out as PeersChangedPatch;
  // other Hostinfo changes as PeersChanged.
  bool update_endpoints(NodeId id, std::vector<tailcfg::AddrPort> endpoints);
  bool update_disco_key(NodeId id, const key::DiscoPublic& disco);
  bool update_hostinfo(NodeId id, tailcfg::Hostinfo hostinfo);
  bool update_cap(NodeId id, tailcfg::CapabilityVersion cap);
  // Online when the node has a map stream open. Going offline records
  // `now` as last seen. Sent as a patch (Online, LastSeen).
  bool set_online(NodeId id, bool online, tailcfg::GoTime now);
  // Marks peers whose key expired at or before `now` (Expired: true, as a
  // PeersChanged). Cheap when nothing is due.
  void expire_keys(tailcfg::GoTime now);

  // Tailnet Lock. The lock's state as maps show it: every full map carries
  // it while the lock is on (clients keep it per map session, and a full
  // map without it means "off"), and a change goes out in the next batch,
  // in the same delta as any signatures changed with it, so no peer is
  // briefly unsigned under new keys. nullopt: the lock was never enabled.
  void set_tka_info(std::optional<tailcfg::TkaInfo> info);
  const std::optional<tailcfg::TkaInfo>& tka_info() const { return tka_info_; }
  // A node's node-key signature (Node.KeySignature; empty: none). A new
  // signature goes to peers as a patch (PeerChange.KeySignature) and to the
  // node itself as its Node; a removed one as a whole-node change (an empty
  // KeySignature patch means "unchanged" to upstream clients). False when
  // unknown or unchanged.
  bool set_key_signature(NodeId id, Bytes signature);

  // The full MapResponse for `self`, encoded. Fails (nullopt) for an unknown
  // node.
  std::optional<std::string> full_map_json(NodeId self, tailcfg::GoTime now, const FullMapOptions& options = {}) const;
  // The same as a value (tests; not the fast path).
  std::optional<tailcfg::MapResponse> full_map(NodeId self, tailcfg::GoTime now,
                                               const FullMapOptions& options = {}) const;

  bool has_pending() const {
    return !pending_changed_.empty() || !pending_removed_.empty() || !pending_patches_.empty() ||
           !pending_self_.empty() || pending_tka_;
  }
  // Collects the changes recorded since the last call and encodes the
  // common delta.
  NetmapDelta take_batch();
  // The delta as `viewer` must see it: common_json unless the viewer is
  // itself in the batch (then its own node comes as Node, and it is left out
  // of the peer lists). Empty when nothing in the batch concerns it.
  // With `self_current` the viewer's own entry is left out entirely: its
  // full map, sent after these changes were applied, already showed them.
  std::string delta_json(const NetmapDelta& delta, NodeId viewer, bool self_current = false) const;
  // For a viewer that is not touched but in self_changed: the message with
  // its own Node, sent after common_json. Empty when there is none to send.
  std::string self_json(const NetmapDelta& delta, NodeId viewer, bool self_current = false) const;
  // The revision of a node's entry (0 for an unknown node).
  std::uint64_t revision(NodeId id) const;

  // The cached peer encoding of a node (tests, benchmarks).
  std::shared_ptr<const std::string> peer_json(NodeId id) const;

 private:
  struct Entry {
    tailcfg::Node node;  // Online/LastSeen/Expired filled from the fields below when encoding
    bool online = false;
    std::optional<tailcfg::GoTime> last_seen;
    bool expired = false;
    std::shared_ptr<const std::string> peer_json;
    // Bumped on every change to the entry (each re-encode): lets a map
    // stream tell whether its full map already showed the node's own state.
    std::uint64_t revision = 0;
  };

  void encode_peer(Entry& e);
  tailcfg::Node self_view(const Entry& e) const;
  tailcfg::PeerChange& patch_for(NodeId id);
  // Sets a node field that a PeerChange can carry (node.*field, sent as
  // patch.*patch_field): re-encodes the peer and puts the new value in the
  // node's pending patch, unless the whole node is pending anyway. False
  // when the node is unknown or the value is unchanged.
  template <class T, class P>
  bool update_patchable(NodeId id, T tailcfg::Node::*field, P tailcfg::PeerChange::*patch_field, T value);
  void mark_changed(NodeId id);
  void index_expiry(const Entry& e, bool add);
  std::vector<tailcfg::UserProfile> profiles_for(const std::set<UserId>& users) const;
  std::string encode_delta(const NetmapDelta& delta, std::optional<NodeId> viewer, bool self_current = false) const;

  NetmapConfig config_;
  std::map<NodeId, Entry> nodes_;  // ordered: Peers go out sorted by ID
  std::map<UserId, tailcfg::UserProfile> users_;
  std::unordered_map<std::string, NodeId> by_node_key_;     // raw key bytes as string
  std::unordered_map<std::string, NodeId> by_machine_key_;  // raw key bytes as string
  std::set<std::pair<std::int64_t, NodeId>> expiry_queue_;  // (unix nanos, id) of unexpired keys
  std::size_t online_count_ = 0;

  std::set<NodeId> pending_changed_;
  std::set<NodeId> pending_removed_;
  std::map<NodeId, tailcfg::PeerChange> pending_patches_;
  std::set<NodeId> pending_self_;
  std::optional<tailcfg::TkaInfo> tka_info_;
  bool pending_tka_ = false;
};

}  // namespace latchkey::server
