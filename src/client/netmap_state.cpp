#include "client/netmap_state.h"

#include <algorithm>
#include <utility>

namespace latchkey::client {

void NetmapState::apply(MapUpdate&& u) {
  if (u.first) *this = NetmapState{};
  tailcfg::MapResponse& m = u.rest;

  if (m.node) self_ = std::move(*m.node);
  for (auto& up : m.user_profiles) {
    const tailcfg::UserId id = up.id;
    user_profiles_.insert_or_assign(id, std::move(up));
  }
  if (m.derp_map) merge_derp_map(std::move(*m.derp_map));
  merge_packet_filters(m);
  if (m.dns_config) dns_ = std::move(m.dns_config);
  if (m.ssh_policy) ssh_policy_ = std::move(m.ssh_policy);
  if (m.collect_services == tailcfg::OptBool::True || m.collect_services == tailcfg::OptBool::False) {
    collect_services_ = m.collect_services == tailcfg::OptBool::True;
  }
  if (!m.domain.empty()) domain_ = std::move(m.domain);
  if (!m.domain_data_plane_audit_log_id.empty()) domain_audit_log_id_ = std::move(m.domain_data_plane_audit_log_id);
  if (m.health) health_ = std::move(m.health);
  merge_display_messages(m);
  if (u.lock) lock_want_ = std::move(*u.lock);
}

// Zero fields of a new DERP map mean "keep the previous value": no regions
// keeps the regions (and OmitDefaultRegions), no HomeParams keeps them, and
// HomeParams without RegionScore inherits the score.
void NetmapState::merge_derp_map(tailcfg::DerpMap&& dm) {
  if (derp_map_) {
    if (dm.regions.empty()) {
      dm.regions = std::move(derp_map_->regions);
      dm.omit_default_regions = derp_map_->omit_default_regions;
    }
    if (!dm.home_params) {
      dm.home_params = std::move(derp_map_->home_params);
    } else if (derp_map_->home_params && dm.home_params->region_score.empty()) {
      dm.home_params->region_score = std::move(derp_map_->home_params->region_score);
    }
  }
  derp_map_ = std::move(dm);
}

// PacketFilter is the chunk "base"; in PacketFilters "*": null clears every
// chunk first, name: null deletes one, name: rules sets one.
void NetmapState::merge_packet_filters(tailcfg::MapResponse& m) {
  bool changed = false;
  if (m.packet_filter) {
    named_filters_.insert_or_assign("base", std::move(*m.packet_filter));
    changed = true;
  }
  if (!m.packet_filters.empty()) {
    changed = true;
    if (auto star = m.packet_filters.find("*"); star != m.packet_filters.end() && !star->second) {
      named_filters_.clear();
    }
    for (auto& [name, rules] : m.packet_filters) {
      if (name == "*") continue;
      if (rules) {
        named_filters_.insert_or_assign(name, std::move(*rules));
      } else {
        named_filters_.erase(name);
      }
    }
  }
  if (!changed) return;
  packet_filter_.clear();
  for (const auto& [name, rules] : named_filters_) packet_filter_.insert(packet_filter_.end(), rules.begin(), rules.end());
}

// Same shape as PacketFilters: "*": null clears, id: null deletes.
void NetmapState::merge_display_messages(tailcfg::MapResponse& m) {
  if (auto star = m.display_messages.find("*"); star != m.display_messages.end() && !star->second) {
    display_messages_.clear();
  }
  for (auto& [id, msg] : m.display_messages) {
    if (id == "*") continue;
    if (msg) {
      display_messages_.insert_or_assign(id, std::move(*msg));
    } else {
      display_messages_.erase(id);
    }
  }
}

bool NetmapState::tailnet_lock_capable() const {
  if (!self_) return false;
  if (self_->cap_map.count(std::string(kCapTailnetLock)) != 0) return true;
  return std::find(self_->capabilities.begin(), self_->capabilities.end(), kCapTailnetLock) !=
         self_->capabilities.end();
}

}  // namespace latchkey::client
