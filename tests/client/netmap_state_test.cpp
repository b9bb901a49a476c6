// NetmapState: upstream's merge rules for the non-peer netmap fields, fed
// through a real MapSession so the per-session rules hold as in use.
#include "client/netmap_state.h"

#include <gtest/gtest.h>

#include <string>

#include "client/map_test_util.h"

namespace latchkey::client {
namespace {

using testing::aum_hash_text;
using testing::make_node;

// One stream: each message goes through a MapSession into the state.
struct Stream {
  MapSession session;
  NetmapState* state;
  explicit Stream(NetmapState& s) : state(&s) {}
  void send(const tailcfg::MapResponse& m) { state->apply(testing::push(session, m)); }
};

tailcfg::MapResponse with_self() {
  tailcfg::MapResponse m;
  m.node = make_node(1, "100.64.0.1/32");
  return m;
}

tailcfg::FilterRule rule(const std::string& src) {
  tailcfg::FilterRule r;
  r.src_ips = std::vector<std::string>{src};
  return r;
}

std::vector<std::string> sources(const std::vector<tailcfg::FilterRule>& rules) {
  std::vector<std::string> out;
  for (const auto& r : rules) out.push_back(r.src_ips->front());
  return out;
}

tailcfg::DerpRegion region(tailcfg::DerpRegionId id) {
  tailcfg::DerpRegion r;
  r.region_id = id;
  r.region_code = "r" + std::to_string(id);
  r.nodes = std::vector<tailcfg::DerpNode>{};
  return r;
}

TEST(NetmapState, SelfNodeReplacesAndCarriesTheLockCapability) {
  NetmapState st;
  Stream s(st);
  tailcfg::MapResponse m = with_self();
  m.node->capabilities = {std::string(kCapTailnetLock)};
  s.send(m);
  ASSERT_TRUE(st.self());
  EXPECT_EQ(st.self()->id, 1);
  EXPECT_TRUE(st.tailnet_lock_capable());

  // A new self node replaces the old one whole, capabilities included.
  tailcfg::MapResponse next;
  next.node = make_node(1, "100.64.0.9/32");
  s.send(next);
  EXPECT_EQ(st.self()->addresses->front().to_string(), "100.64.0.9/32");
  EXPECT_FALSE(st.tailnet_lock_capable());

  // The CapMap form counts as well.
  next.node->cap_map[std::string(kCapTailnetLock)] = std::nullopt;
  s.send(next);
  EXPECT_TRUE(st.tailnet_lock_capable());

  // A message without Node keeps it.
  tailcfg::MapResponse other;
  other.domain = "x.ts.net";
  s.send(other);
  EXPECT_TRUE(st.tailnet_lock_capable());
}

TEST(NetmapState, UserProfilesAreUpsertedById) {
  NetmapState st;
  Stream s(st);
  tailcfg::MapResponse m = with_self();
  m.user_profiles = {{1, "a@example.com", "A", "", {}}, {2, "b@example.com", "B", "", {}}};
  s.send(m);
  tailcfg::MapResponse d;
  d.user_profiles = {{2, "b@example.com", "B renamed", "", {}}, {3, "c@example.com", "C", "", {}}};
  s.send(d);
  ASSERT_EQ(st.user_profiles().size(), 3u);
  EXPECT_EQ(st.user_profiles().at(1).display_name, "A");
  EXPECT_EQ(st.user_profiles().at(2).display_name, "B renamed");
  EXPECT_EQ(st.user_profiles().at(3).display_name, "C");
}

TEST(NetmapState, DerpMapZeroFieldsKeepThePreviousValues) {
  NetmapState st;
  Stream s(st);
  tailcfg::MapResponse m = with_self();
  m.derp_map.emplace();
  m.derp_map->regions = {{1, region(1)}, {2, region(2)}};
  m.derp_map->omit_default_regions = true;
  m.derp_map->home_params = tailcfg::DerpHomeParams{{{1, 1.5}}};
  s.send(m);
  ASSERT_TRUE(st.derp_map());
  EXPECT_EQ(st.derp_map()->regions.size(), 2u);

  // No regions, HomeParams without a score: both inherited.
  tailcfg::MapResponse d;
  d.derp_map.emplace();
  d.derp_map->home_params = tailcfg::DerpHomeParams{};
  s.send(d);
  EXPECT_EQ(st.derp_map()->regions.size(), 2u);
  EXPECT_TRUE(st.derp_map()->omit_default_regions);
  ASSERT_TRUE(st.derp_map()->home_params);
  EXPECT_EQ(st.derp_map()->home_params->region_score.at(1), 1.5);

  // New regions replace the set (and OmitDefaultRegions with them); absent
  // HomeParams are kept.
  tailcfg::MapResponse r;
  r.derp_map.emplace();
  r.derp_map->regions = {{3, region(3)}};
  s.send(r);
  ASSERT_EQ(st.derp_map()->regions.size(), 1u);
  EXPECT_EQ(st.derp_map()->regions.count(3), 1u);
  EXPECT_FALSE(st.derp_map()->omit_default_regions);
  ASSERT_TRUE(st.derp_map()->home_params);
  EXPECT_EQ(st.derp_map()->home_params->region_score.at(1), 1.5);

  // A new score replaces the old one.
  tailcfg::MapResponse h;
  h.derp_map.emplace();
  h.derp_map->home_params = tailcfg::DerpHomeParams{{{3, 0.5}}};
  s.send(h);
  EXPECT_EQ(st.derp_map()->home_params->region_score, (std::map<tailcfg::DerpRegionId, double>{{3, 0.5}}));
}

TEST(NetmapState, NamedPacketFiltersMergeAndConcatenateInNameOrder) {
  NetmapState st;
  Stream s(st);
  tailcfg::MapResponse m = with_self();
  m.packet_filter = std::vector<tailcfg::FilterRule>{rule("base-1")};
  s.send(m);
  EXPECT_EQ(sources(st.packet_filter()), (std::vector<std::string>{"base-1"}));

  tailcfg::MapResponse add;
  add.packet_filters = {{"b", std::vector<tailcfg::FilterRule>{rule("b-1"), rule("b-2")}},
                        {"a", std::vector<tailcfg::FilterRule>{rule("a-1")}}};
  s.send(add);
  EXPECT_EQ(sources(st.packet_filter()), (std::vector<std::string>{"a-1", "b-1", "b-2", "base-1"}));  // "b" < "base"

  // A message without filters changes nothing.
  tailcfg::MapResponse none;
  none.domain = "x.ts.net";
  s.send(none);
  EXPECT_EQ(st.packet_filter().size(), 4u);

  // name: null deletes that chunk.
  tailcfg::MapResponse del;
  del.packet_filters = {{"base", std::nullopt}};
  s.send(del);
  EXPECT_EQ(sources(st.packet_filter()), (std::vector<std::string>{"a-1", "b-1", "b-2"}));

  // "*": null clears everything before the other names apply.
  tailcfg::MapResponse clear;
  clear.packet_filters = {{"*", std::nullopt}, {"c", std::vector<tailcfg::FilterRule>{rule("c-1")}}};
  s.send(clear);
  EXPECT_EQ(sources(st.packet_filter()), (std::vector<std::string>{"c-1"}));
  EXPECT_EQ(st.named_filters().size(), 1u);

  // "*" with rules is not a chunk.
  tailcfg::MapResponse star;
  star.packet_filters = {{"*", std::vector<tailcfg::FilterRule>{rule("star")}}};
  s.send(star);
  EXPECT_EQ(sources(st.packet_filter()), (std::vector<std::string>{"c-1"}));

  // An empty PacketFilter is a present, empty "base" chunk.
  tailcfg::MapResponse empty_base;
  empty_base.packet_filter = std::vector<tailcfg::FilterRule>{};
  s.send(empty_base);
  EXPECT_EQ(st.named_filters().count("base"), 1u);
  EXPECT_EQ(sources(st.packet_filter()), (std::vector<std::string>{"c-1"}));
}

TEST(NetmapState, DnsConfigIsReplacedWhole) {
  NetmapState st;
  Stream s(st);
  tailcfg::MapResponse m = with_self();
  m.dns_config.emplace();
  m.dns_config->domains = {"example.ts.net"};
  m.dns_config->routes["corp."] = std::vector<tailcfg::DnsResolver>{};
  s.send(m);
  ASSERT_TRUE(st.dns());
  EXPECT_EQ(st.dns()->routes.size(), 1u);

  tailcfg::MapResponse keep;
  keep.domain = "x.ts.net";
  s.send(keep);
  EXPECT_EQ(st.dns()->domains, std::vector<std::string>{"example.ts.net"});

  tailcfg::MapResponse replace;
  replace.dns_config.emplace();
  replace.dns_config->domains = {"other.ts.net"};
  s.send(replace);
  EXPECT_EQ(st.dns()->domains, std::vector<std::string>{"other.ts.net"});
  EXPECT_TRUE(st.dns()->routes.empty());  // not merged with the old config
}

TEST(NetmapState, ScalarFieldsChangeOnlyWhenSet) {
  NetmapState st;
  Stream s(st);
  tailcfg::MapResponse m = with_self();
  m.domain = "example.ts.net";
  m.domain_data_plane_audit_log_id = "audit1";
  m.collect_services = tailcfg::OptBool::True;
  m.health = std::vector<std::string>{"bad thing"};
  s.send(m);
  EXPECT_EQ(st.domain(), "example.ts.net");
  EXPECT_TRUE(st.collect_services());

  tailcfg::MapResponse keep;
  keep.peers_removed = {5};
  s.send(keep);
  EXPECT_EQ(st.domain(), "example.ts.net");
  EXPECT_EQ(st.domain_audit_log_id(), "audit1");
  EXPECT_TRUE(st.collect_services());
  ASSERT_TRUE(st.health());
  EXPECT_EQ(st.health()->size(), 1u);

  tailcfg::MapResponse change;
  change.collect_services = tailcfg::OptBool::False;
  change.health = std::vector<std::string>{};  // present and empty: all clear
  s.send(change);
  EXPECT_FALSE(st.collect_services());
  ASSERT_TRUE(st.health());
  EXPECT_TRUE(st.health()->empty());
}

TEST(NetmapState, DisplayMessagesMergeLikeNamedFilters) {
  NetmapState st;
  Stream s(st);
  tailcfg::MapResponse m = with_self();
  m.display_messages = {{"a", tailcfg::DisplayMessage{"A", "text a", "low", false, std::nullopt}},
                        {"b", tailcfg::DisplayMessage{"B", "text b", "high", true, std::nullopt}}};
  s.send(m);
  EXPECT_EQ(st.display_messages().size(), 2u);

  tailcfg::MapResponse del;
  del.display_messages = {{"a", std::nullopt}};
  s.send(del);
  ASSERT_EQ(st.display_messages().size(), 1u);
  EXPECT_EQ(st.display_messages().at("b").title, "B");

  tailcfg::MapResponse clear;
  clear.display_messages = {{"*", std::nullopt},
                            {"c", tailcfg::DisplayMessage{"C", "text c", "medium", false, std::nullopt}}};
  s.send(clear);
  ASSERT_EQ(st.display_messages().size(), 1u);
  EXPECT_EQ(st.display_messages().count("c"), 1u);
}

TEST(NetmapState, TkaInfoNilFirstMeansOffAndNilLaterMeansUnchanged) {
  NetmapState st;
  Stream s(st);
  s.send(with_self());
  EXPECT_FALSE(st.lock_want().enabled);

  tailcfg::MapResponse on;
  on.tka_info = tailcfg::TkaInfo{aum_hash_text(5), false};
  s.send(on);
  EXPECT_TRUE(st.lock_want().enabled);
  ASSERT_TRUE(st.lock_want().head);
  EXPECT_EQ(st.lock_want().head->to_string(), aum_hash_text(5));

  tailcfg::MapResponse nil_later;
  nil_later.domain = "x.ts.net";
  s.send(nil_later);
  EXPECT_TRUE(st.lock_want().enabled);
  EXPECT_EQ(st.lock_want().head->to_string(), aum_hash_text(5));

  tailcfg::MapResponse disabled;
  disabled.tka_info = tailcfg::TkaInfo{"", true};
  s.send(disabled);
  EXPECT_FALSE(st.lock_want().enabled);
  EXPECT_FALSE(st.lock_want().head);
}

TEST(NetmapState, UnparsableTkaHeadLeavesTheLockOff) {
  NetmapState st;
  Stream s(st);
  tailcfg::MapResponse m = with_self();
  m.tka_info = tailcfg::TkaInfo{aum_hash_text(5).substr(1), false};  // 51 characters
  s.send(m);
  EXPECT_FALSE(st.lock_want().enabled);
  EXPECT_FALSE(st.lock_want().head);
  EXPECT_FALSE(st.lock_want().head_error.empty());
}

TEST(NetmapState, ANewSessionStartsFromEmptyStateAndForgetsTkaInfo) {
  NetmapState st;
  {
    Stream s(st);
    tailcfg::MapResponse m = with_self();
    m.tka_info = tailcfg::TkaInfo{aum_hash_text(5), false};
    m.domain = "example.ts.net";
    m.packet_filter = std::vector<tailcfg::FilterRule>{rule("base-1")};
    s.send(m);
    EXPECT_TRUE(st.lock_want().enabled);
  }
  Stream again(st);
  again.send(with_self());
  EXPECT_FALSE(st.lock_want().enabled);
  EXPECT_FALSE(st.lock_want().head);
  EXPECT_TRUE(st.domain().empty());
  EXPECT_TRUE(st.packet_filter().empty());
  ASSERT_TRUE(st.self());
}

}  // namespace
}  // namespace latchkey::client
