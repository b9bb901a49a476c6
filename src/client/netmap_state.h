// NetmapState: the non-peer half of the netmap a map session builds up,
// merged message by message with upstream's rules
// (control/controlclient/map.go updateStateFromResponse and netmap()).
// Peers are the peer table's business; this holds the self node, user
// profiles, DERP map, packet filter, DNS and the other tailnet-wide fields,
// and the Tailnet Lock wish with the capability that gates acting on it.
//
// Where our wire types cannot tell nil from empty (DERPMap.Regions,
// DERPHomeParams.RegionScore, MapResponse.PacketFilters and
// DisplayMessages), empty is read as nil, i.e. "unchanged": a server
// would have to send an explicitly empty region map or score table to see
// a difference.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/lock_want.h"
#include "client/map_session.h"
#include "tailcfg/derp_map.h"
#include "tailcfg/dns_config.h"
#include "tailcfg/filter.h"
#include "tailcfg/map_response.h"
#include "tailcfg/node.h"
#include "tailcfg/user.h"

namespace latchkey::client {

// The self-node capability that lets a node without local lock state act on
// TKAInfo (upstream tailcfg.CapabilityTailnetLock).
inline constexpr std::string_view kCapTailnetLock = "https://tailscale.com/cap/tailnet-lock";

class NetmapState {
 public:
  // Merges the non-peer parts of one update; u.peers is not touched. The
  // first update of a session starts from empty state, as upstream's fresh
  // mapSession does, so nothing (TKAInfo included) outlives its stream.
  void apply(MapUpdate&& u);

  // The self node: replaced whole by each message that carries one.
  const std::optional<tailcfg::Node>& self() const { return self_; }
  // Upserted by ID, never pruned.
  const std::map<tailcfg::UserId, tailcfg::UserProfile>& user_profiles() const { return user_profiles_; }
  const std::optional<tailcfg::DerpMap>& derp_map() const { return derp_map_; }
  // The named filter chunks ("base" is the legacy PacketFilter).
  const std::map<std::string, std::vector<tailcfg::FilterRule>>& named_filters() const { return named_filters_; }
  // The effective filter: the chunks concatenated in sorted name order.
  const std::vector<tailcfg::FilterRule>& packet_filter() const { return packet_filter_; }
  const std::optional<tailcfg::DnsConfig>& dns() const { return dns_; }
  const std::optional<tailcfg::RawJson>& ssh_policy() const { return ssh_policy_; }
  bool collect_services() const { return collect_services_; }
  const std::string& domain() const { return domain_; }
  const std::string& domain_audit_log_id() const { return domain_audit_log_id_; }
  const std::optional<std::vector<std::string>>& health() const { return health_; }
  const std::map<std::string, tailcfg::DisplayMessage>& display_messages() const { return display_messages_; }

  // What control says about the lock in this session.
  const LockWant& lock_want() const { return lock_want_; }
  // Whether the self node carries the tailnet-lock capability (a CapMap key
  // or, from older servers, a Capabilities entry). Without it, and without
  // local lock state, a node ignores TKAInfo.
  bool tailnet_lock_capable() const;

 private:
  void merge_derp_map(tailcfg::DerpMap&& dm);
  void merge_packet_filters(tailcfg::MapResponse& m);
  void merge_display_messages(tailcfg::MapResponse& m);

  std::optional<tailcfg::Node> self_;
  std::map<tailcfg::UserId, tailcfg::UserProfile> user_profiles_;
  std::optional<tailcfg::DerpMap> derp_map_;
  std::map<std::string, std::vector<tailcfg::FilterRule>> named_filters_;
  std::vector<tailcfg::FilterRule> packet_filter_;
  std::optional<tailcfg::DnsConfig> dns_;
  std::optional<tailcfg::RawJson> ssh_policy_;
  bool collect_services_ = false;
  std::string domain_;
  std::string domain_audit_log_id_;
  std::optional<std::vector<std::string>> health_;
  std::map<std::string, tailcfg::DisplayMessage> display_messages_;
  LockWant lock_want_;
};

}  // namespace latchkey::client
