#include "server/netmap.h"

#include <algorithm>

#include "tailcfg/codec.h"

namespace latchkey::server {

using tailcfg::GoTime;
using tailcfg::MapResponse;
using tailcfg::Node;
using tailcfg::PeerChange;

namespace {

template <std::size_t N>
std::string key_str(const ByteArray<N>& raw) {
  return std::string(raw.begin(), raw.end());
}

template <class T>
bool sorted_contains(const std::vector<T>& v, const T& x) {
  return std::binary_search(v.begin(), v.end(), x);
}

}  // namespace

bool NetmapDelta::touches(NodeId viewer) const {
  return sorted_contains(changed, viewer) || sorted_contains(removed, viewer) ||
         sorted_contains(mutation_patched, viewer);
}

bool NetmapDelta::only_own_patch(NodeId viewer) const {
  return changed.empty() && removed.empty() && !tka_info && patches.size() == 1 && patches[0].node_id == viewer;
}

bool NetmapDelta::self_changed_for(NodeId viewer) const { return sorted_contains(self_changed, viewer); }

Netmap::Netmap(NetmapConfig config) : config_(std::move(config)) {}

void Netmap::set_user(const tailcfg::UserProfile& profile) { users_[profile.id] = profile; }

void Netmap::encode_peer(Entry& e) {
  e.node.online = e.online;
  e.node.last_seen = e.online ? std::nullopt : e.last_seen;
  e.node.expired = e.expired;
  e.peer_json = std::make_shared<const std::string>(tailcfg::encode_json(e.node));
  ++e.revision;
}

Node Netmap::self_view(const Entry& e) const {
  Node n = e.node;
  n.online.reset();
  n.last_seen.reset();
  if (config_.tailnet_lock_capability) n.cap_map.try_emplace(kTailnetLockCapability);
  return n;
}

void Netmap::set_tka_info(std::optional<tailcfg::TkaInfo> info) {
  if (info == tka_info_) return;
  tka_info_ = std::move(info);
  pending_tka_ = true;
}

bool Netmap::set_key_signature(NodeId id, Bytes signature) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.node.key_signature == signature) return false;
  if (signature.empty()) {
    it->second.node.key_signature.clear();
    encode_peer(it->second);
    mark_changed(id);
  } else {
    update_patchable(id, &Node::key_signature, &PeerChange::key_signature, std::move(signature));
  }
  pending_self_.insert(id);
  return true;
}

void Netmap::index_expiry(const Entry& e, bool add) {
  if (e.node.key_expiry.is_zero()) return;
  auto item = std::make_pair(e.node.key_expiry.unix_nanos(), e.node.id);
  if (add) {
    expiry_queue_.insert(item);
  } else {
    expiry_queue_.erase(item);
  }
}

void Netmap::mark_changed(NodeId id) {
  pending_changed_.insert(id);
  pending_patches_.erase(id);
  pending_removed_.erase(id);
}

PeerChange& Netmap::patch_for(NodeId id) {
  PeerChange& p = pending_patches_[id];
  p.node_id = id;
  return p;
}

void Netmap::upsert_node(Node node) {
  const NodeId id = node.id;
  auto [it, inserted] = nodes_.try_emplace(id);
  Entry& e = it->second;
  if (!inserted) {
    by_node_key_.erase(key_str(e.node.key.raw()));
    by_machine_key_.erase(key_str(e.node.machine.raw()));
    if (!e.expired) index_expiry(e, false);
  }
  e.node = std::move(node);
  e.expired = false;
  by_node_key_[key_str(e.node.key.raw())] = id;
  by_machine_key_[key_str(e.node.machine.raw())] = id;
  index_expiry(e, true);
  encode_peer(e);
  mark_changed(id);
}

void Netmap::remove_node(NodeId id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  Entry& e = it->second;
  by_node_key_.erase(key_str(e.node.key.raw()));
  by_machine_key_.erase(key_str(e.node.machine.raw()));
  if (!e.expired) index_expiry(e, false);
  if (e.online) --online_count_;
  nodes_.erase(it);
  pending_changed_.erase(id);
  pending_patches_.erase(id);
  pending_self_.erase(id);
  pending_removed_.insert(id);
}

const Node* Netmap::node(NodeId id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second.node;
}

std::optional<NodeId> Netmap::find_by_node_key(const key::NodePublic& k) const {
  auto it = by_node_key_.find(key_str(k.raw()));
  if (it == by_node_key_.end()) return std::nullopt;
  return it->second;
}

std::optional<NodeId> Netmap::find_by_machine_key(const key::MachinePublic& k) const {
  auto it = by_machine_key_.find(key_str(k.raw()));
  if (it == by_machine_key_.end()) return std::nullopt;
  return it->second;
}

bool Netmap::online(NodeId id) const {
  auto it = nodes_.find(id);
  return it != nodes_.end() && it->second.online;
}

template <class T, class P>
bool Netmap::update_patchable(NodeId id, T Node::*field, P PeerChange::*patch_field, T value) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.node.*field == value) return false;
  Entry& e = it->second;
  e.node.*field = std::move(value);
  encode_peer(e);
  if (!pending_changed_.count(id)) patch_for(id).*patch_field = e.node.*field;
  return true;
}

bool Netmap::update_endpoints(NodeId id, std::vector<tailcfg::AddrPort> endpoints) {
  return update_patchable(id, &Node::endpoints, &PeerChange::endpoints, std::move(endpoints));
}

bool Netmap::update_disco_key(NodeId id, const key::DiscoPublic& disco) {
  return update_patchable(id, &Node::disco_key, &PeerChange::disco_key, disco);
}

bool Netmap::update_cap(NodeId id, tailcfg::CapabilityVersion cap) {
  return update_patchable(id, &Node::cap, &PeerChange::cap, cap);
}

bool Netmap::update_hostinfo(NodeId id, tailcfg::Hostinfo hostinfo) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return false;
  Entry& e = it->second;
  if (e.node.hostinfo && *e.node.hostinfo == hostinfo) return false;
  const tailcfg::DerpRegionId derp = hostinfo.net_info ? hostinfo.net_info->preferred_derp : 0;
  // Apart from NetInfo (which only the DERP home of reaches peers as a
  // patch), is this a change peers must see in full?
  bool full = true;
  if (e.node.hostinfo) {
    tailcfg::Hostinfo a = *e.node.hostinfo;
    tailcfg::Hostinfo b = hostinfo;
    a.net_info.reset();
    b.net_info.reset();
    full = !(a == b);
  }
  const bool derp_changed = derp != e.node.home_derp;
  e.node.hostinfo = std::move(hostinfo);
  e.node.home_derp = derp;
  encode_peer(e);
  if (full) {
    mark_changed(id);
  } else if (derp_changed && !pending_changed_.count(id)) {
    patch_for(id).derp_region = derp;
  }
  return true;
}

bool Netmap::set_online(NodeId id, bool online, GoTime now) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.online == online) return false;
  Entry& e = it->second;
  e.online = online;
  if (online) {
    ++online_count_;
  } else {
    --online_count_;
    e.last_seen = now;
  }
  encode_peer(e);
  if (!pending_changed_.count(id)) {
    PeerChange& p = patch_for(id);
    p.online = online;
    if (!online) {
      p.last_seen = now;
    } else {
      p.last_seen.reset();
    }
  }
  return true;
}

void Netmap::expire_keys(GoTime now) {
  const std::int64_t t = now.unix_nanos();
  while (!expiry_queue_.empty() && expiry_queue_.begin()->first <= t) {
    const NodeId id = expiry_queue_.begin()->second;
    expiry_queue_.erase(expiry_queue_.begin());
    auto it = nodes_.find(id);
    if (it == nodes_.end()) continue;
    it->second.expired = true;
    encode_peer(it->second);
    mark_changed(id);
  }
}

std::vector<tailcfg::UserProfile> Netmap::profiles_for(const std::set<UserId>& users) const {
  std::vector<tailcfg::UserProfile> out;
  out.reserve(users.size());
  for (UserId u : users) {
    auto it = users_.find(u);
    if (it != users_.end()) out.push_back(it->second);
  }
  return out;
}

std::optional<MapResponse> Netmap::full_map(NodeId self, GoTime now, const FullMapOptions& options) const {
  auto it = nodes_.find(self);
  if (it == nodes_.end()) return std::nullopt;
  MapResponse r;
  r.node = self_view(it->second);
  r.derp_map = config_.derp_map;
  std::set<UserId> users{it->second.node.user};
  if (!options.omit_peers) {
    r.peers_encoded.reserve(nodes_.size());
    for (const auto& [id, e] : nodes_) {
      if (id == self) continue;
      r.peers_encoded.push_back(e.peer_json);
      users.insert(e.node.user);
    }
  }
  r.dns_config = config_.dns_config;
  r.domain = config_.domain;
  r.packet_filter = config_.packet_filter;
  r.user_profiles = profiles_for(users);
  r.control_time = now;
  r.tka_info = tka_info_;
  return r;
}

std::optional<std::string> Netmap::full_map_json(NodeId self, GoTime now, const FullMapOptions& options) const {
  auto r = full_map(self, now, options);
  if (!r) return std::nullopt;
  std::string out;
  // Peers dominate the size; reserve for them up front.
  std::size_t estimate = 4096;
  for (const auto& p : r->peers_encoded) estimate += p->size() + 1;
  out.reserve(estimate);
  tailcfg::encode_json_to(out, *r);
  return out;
}

std::string Netmap::encode_delta(const NetmapDelta& delta, std::optional<NodeId> viewer, bool self_current) const {
  MapResponse r;
  std::set<UserId> users;
  for (NodeId id : delta.changed) {
    auto it = nodes_.find(id);
    if (it == nodes_.end()) continue;
    if (viewer && id == *viewer) {
      if (!self_current) r.node = self_view(it->second);
      continue;
    }
    r.peers_changed_encoded.push_back(it->second.peer_json);
    users.insert(it->second.node.user);
  }
  for (NodeId id : delta.removed) {
    if (viewer && id == *viewer) continue;
    r.peers_removed.push_back(id);
  }
  for (const PeerChange& p : delta.patches) {
    if (viewer && p.node_id == *viewer) continue;
    r.peers_changed_patch.push_back(p);
  }
  if (viewer && !self_current && !r.node && delta.self_changed_for(*viewer)) {
    if (auto it = nodes_.find(*viewer); it != nodes_.end()) r.node = self_view(it->second);
  }
  r.tka_info = delta.tka_info;
  if (!r.node && r.peers_changed_encoded.empty() && r.peers_removed.empty() && r.peers_changed_patch.empty() &&
      !r.tka_info) {
    return {};
  }
  if (delta.rebuild) {
    // Unchanged values; any field upstream cannot apply as a mutation does.
    if (config_.domain.empty()) {
      r.collect_services = tailcfg::OptBool::False;
    } else {
      r.domain = config_.domain;
    }
  }
  r.user_profiles = profiles_for(users);
  return tailcfg::encode_json(r);
}

NetmapDelta Netmap::take_batch() {
  NetmapDelta d;
  d.changed.assign(pending_changed_.begin(), pending_changed_.end());
  d.removed.assign(pending_removed_.begin(), pending_removed_.end());
  d.patches.reserve(pending_patches_.size());
  for (auto& [id, p] : pending_patches_) {
    // What upstream's NodeMutationsFromPatch accepts (types/netmap/nodemut.go).
    const bool mutation = p.cap == 0 && p.cap_map.empty() && !p.key && p.key_signature.empty() && !p.disco_key &&
                          !p.key_expiry;
    if (mutation) d.mutation_patched.push_back(id);
    d.patches.push_back(std::move(p));
  }
  d.self_changed.assign(pending_self_.begin(), pending_self_.end());
  // A lock that was switched off is announced as Disabled (an omitted
  // TKAInfo in a delta means "unchanged").
  if (pending_tka_) d.tka_info = tka_info_ ? *tka_info_ : tailcfg::TkaInfo{"", true};
  if (tka_info_ && !tka_info_->disabled && !d.mutation_patched.empty()) {
    d.rebuild = true;
    d.mutation_patched.clear();  // its own patch is harmless in a rebuild
  }
  pending_tka_ = false;
  pending_changed_.clear();
  pending_removed_.clear();
  pending_patches_.clear();
  pending_self_.clear();
  if (!d.empty()) d.common_json = encode_delta(d, std::nullopt);
  return d;
}

std::string Netmap::delta_json(const NetmapDelta& delta, NodeId viewer, bool self_current) const {
  if (delta.empty()) return {};
  if (!delta.touches(viewer)) return delta.only_own_patch(viewer) ? std::string() : delta.common_json;
  if (sorted_contains(delta.removed, viewer)) return {};
  return encode_delta(delta, viewer, self_current);
}

std::string Netmap::self_json(const NetmapDelta& delta, NodeId viewer, bool self_current) const {
  if (self_current || delta.touches(viewer) || !delta.self_changed_for(viewer)) return {};
  auto it = nodes_.find(viewer);
  if (it == nodes_.end()) return {};
  MapResponse r;
  r.node = self_view(it->second);
  return tailcfg::encode_json(r);
}

std::uint64_t Netmap::revision(NodeId id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? 0 : it->second.revision;
}

std::shared_ptr<const std::string> Netmap::peer_json(NodeId id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.peer_json;
}

}  // namespace latchkey::server
