// Netmap: full maps, batched deltas (PeersChanged, PeersRemoved,
// PeersChangedPatch), per-node cached encodings, key expiry.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "key/disco_key.h"
#include "key/machine_key.h"
#include "key/node_key.h"
#include "server/netmap.h"
#include "tailcfg/codec.h"

namespace latchkey::server {
namespace {

using nlohmann::json;
using tailcfg::AddrPort;
using tailcfg::GoTime;
using tailcfg::IpAddr;
using tailcfg::IpPrefix;

tailcfg::Node make_node(NodeId id, UserId user) {
  tailcfg::Node n;
  n.id = id;
  n.stable_id = "n" + std::to_string(id);
  n.name = "node" + std::to_string(id) + ".example.ts.net.";
  n.user = user;
  n.key = key::NodePrivate::generate().public_key();
  n.machine = key::MachinePrivate::generate().public_key();
  n.disco_key = key::DiscoPrivate::generate().public_key();
  auto a = *IpPrefix::make(IpAddr::v4(100, 64, 0, static_cast<std::uint8_t>(id)), 32);
  n.addresses = std::vector<IpPrefix>{a};
  n.allowed_ips = std::vector<IpPrefix>{a};
  n.machine_authorized = true;
  tailcfg::Hostinfo hi;
  hi.hostname = "node" + std::to_string(id);
  hi.os = "linux";
  n.hostinfo = hi;
  return n;
}

NetmapConfig config() {
  NetmapConfig c;
  c.domain = "example.ts.net";
  tailcfg::DerpRegion r;
  r.region_id = 900;
  r.region_code = "test";
  r.region_name = "Test";
  r.nodes = std::vector<tailcfg::DerpNode>{};
  c.derp_map.regions[900] = r;
  return c;
}

Netmap three_nodes() {
  Netmap m(config());
  m.set_user({1, "alice@example", "Alice", "", {}});
  m.set_user({2, "bob@example", "Bob", "", {}});
  m.upsert_node(make_node(3, 2));
  m.upsert_node(make_node(1, 1));
  m.upsert_node(make_node(2, 1));
  (void)m.take_batch();
  return m;
}

const GoTime kNow = GoTime::from_unix(1'800'000'000);

TEST(Netmap, FullMapHasSelfSortedPeersAndEverything) {
  Netmap m = three_nodes();
  auto text = m.full_map_json(2, kNow);
  ASSERT_TRUE(text);
  json j = json::parse(*text);
  EXPECT_EQ(j["Node"]["ID"], 2);
  EXPECT_FALSE(j["Node"].contains("Online"));  // the self node carries no online state
  ASSERT_EQ(j["Peers"].size(), 2u);
  EXPECT_EQ(j["Peers"][0]["ID"], 1);
  EXPECT_EQ(j["Peers"][1]["ID"], 3);
  EXPECT_EQ(j["Peers"][0]["Online"], false);
  EXPECT_EQ(j["Domain"], "example.ts.net");
  EXPECT_EQ(j["DERPMap"]["Regions"]["900"]["RegionCode"], "test");
  EXPECT_EQ(j["PacketFilter"], json::parse(R"([{"SrcIPs":["*"],"DstPorts":[{"IP":"*","Ports":{"First":0,"Last":65535}}]}])"));
  ASSERT_EQ(j["UserProfiles"].size(), 2u);
  EXPECT_EQ(j["UserProfiles"][0]["ID"], 1);
  EXPECT_EQ(j["UserProfiles"][1]["ID"], 2);
  EXPECT_EQ(j["ControlTime"], "2027-01-15T08:00:00Z");

  // The spliced encoding equals the plain encoding of the same value.
  auto value = m.full_map(2, kNow);
  ASSERT_TRUE(value);
  tailcfg::MapResponse plain = *value;
  plain.peers_encoded.clear();
  plain.peers.push_back(*tailcfg::decode_json<tailcfg::Node>(*m.peer_json(1)));
  plain.peers.push_back(*tailcfg::decode_json<tailcfg::Node>(*m.peer_json(3)));
  EXPECT_EQ(tailcfg::encode_json(plain), *text);
  // And decodes as a MapResponse.
  EXPECT_TRUE(tailcfg::decode_json<tailcfg::MapResponse>(*text).ok());

  // OmitPeers; unknown node.
  json lite = json::parse(*m.full_map_json(2, kNow, {true}));
  EXPECT_FALSE(lite.contains("Peers"));
  EXPECT_EQ(lite["UserProfiles"].size(), 1u);
  EXPECT_FALSE(m.full_map_json(99, kNow));
}

TEST(Netmap, NewNodeIsPeersChangedForOthersAndSelfNodeForItself) {
  Netmap m = three_nodes();
  EXPECT_FALSE(m.has_pending());
  m.set_user({3, "carol@example", "Carol", "", {}});
  m.upsert_node(make_node(4, 3));
  ASSERT_TRUE(m.has_pending());
  NetmapDelta d = m.take_batch();
  EXPECT_FALSE(m.has_pending());
  EXPECT_EQ(d.changed, std::vector<NodeId>{4});
  json j = json::parse(m.delta_json(d, 1));
  ASSERT_EQ(j["PeersChanged"].size(), 1u);
  EXPECT_EQ(j["PeersChanged"][0]["ID"], 4);
  EXPECT_EQ(j["UserProfiles"][0]["ID"], 3);
  EXPECT_FALSE(j.contains("Peers"));
  EXPECT_EQ(m.delta_json(d, 1), d.common_json);
  // The node itself gets its Node, no PeersChanged.
  json self = json::parse(m.delta_json(d, 4));
  EXPECT_EQ(self["Node"]["ID"], 4);
  EXPECT_FALSE(self.contains("PeersChanged"));
}

// A stream opened after the node's own changes (its full map already shows
// them) gets neither a Node nor itself as a peer from that batch, but still
// the other nodes' changes; a later change of its own comes through.
TEST(Netmap, SelfCurrentLeavesTheViewerOutOfItsDelta) {
  Netmap m = three_nodes();
  m.upsert_node(make_node(1, 1));  // node 1 re-registered (changed)
  m.upsert_node(make_node(4, 1));  // and a new peer
  const std::uint64_t seen = m.revision(1);
  EXPECT_GT(seen, 0u);
  EXPECT_EQ(m.revision(99), 0u);
  NetmapDelta d = m.take_batch();
  json j = json::parse(m.delta_json(d, 1, /*self_current=*/true));
  EXPECT_FALSE(j.contains("Node"));
  ASSERT_EQ(j["PeersChanged"].size(), 1u);
  EXPECT_EQ(j["PeersChanged"][0]["ID"], 4);
  EXPECT_TRUE(json::parse(m.delta_json(d, 1))["Node"].is_object());

  m.upsert_node(make_node(1, 1));
  EXPECT_GT(m.revision(1), seen);
  NetmapDelta d2 = m.take_batch();
  EXPECT_EQ(m.delta_json(d2, 1, /*self_current=*/true), "");
  EXPECT_EQ(json::parse(m.delta_json(d2, 1))["Node"]["ID"], 1);
}

TEST(Netmap, EndpointsOnlineAndDerpArePatches) {
  Netmap m = three_nodes();
  auto ep = *AddrPort::parse("192.0.2.1:41641");
  EXPECT_TRUE(m.update_endpoints(1, {ep}));
  EXPECT_FALSE(m.update_endpoints(1, {ep}));  // unchanged
  EXPECT_TRUE(m.set_online(1, true, kNow));
  EXPECT_EQ(m.online_count(), 1u);
  tailcfg::Hostinfo hi = *m.node(1)->hostinfo;
  hi.net_info = tailcfg::NetInfo{};
  hi.net_info->preferred_derp = 900;
  EXPECT_TRUE(m.update_hostinfo(1, hi));
  NetmapDelta d = m.take_batch();
  EXPECT_TRUE(d.changed.empty());
  ASSERT_EQ(d.patches.size(), 1u);
  EXPECT_EQ(json::parse(d.common_json),
            json::parse(R"({"PeersChangedPatch":[{"NodeID":1,"DERPRegion":900,"Endpoints":["192.0.2.1:41641"],"Online":true}]})"));
  // The node's own patch is not sent to itself.
  EXPECT_EQ(m.delta_json(d, 1), "");
  // The cache follows: a new full map shows the new state.
  json full = json::parse(*m.full_map_json(2, kNow));
  EXPECT_EQ(full["Peers"][0]["Endpoints"][0], "192.0.2.1:41641");
  EXPECT_EQ(full["Peers"][0]["Online"], true);
  EXPECT_EQ(full["Peers"][0]["HomeDERP"], 900);

  // Offline records last seen.
  EXPECT_TRUE(m.set_online(1, false, kNow));
  d = m.take_batch();
  EXPECT_EQ(json::parse(d.common_json),
            json::parse(R"({"PeersChangedPatch":[{"NodeID":1,"Online":false,"LastSeen":"2027-01-15T08:00:00Z"}]})"));
  EXPECT_EQ(m.online_count(), 0u);
}

// The interop failure this pins down: node 1's endpoint patch and a new
// node 4 in one batch. Upstream applies a delta's mutations sorted by node
// ID and stops at the first one for a node that is not its peer, so a
// message to node 1 holding its own patch would lose node 4 with no error.
// Node 1 gets the batch without its own patch; everyone else the shared one.
TEST(Netmap, AViewerNeverGetsItsOwnMutationPatchBesideOtherChanges) {
  Netmap m = three_nodes();
  EXPECT_TRUE(m.update_endpoints(1, {*AddrPort::parse("192.0.2.1:41641")}));
  EXPECT_TRUE(m.set_online(2, true, kNow));
  m.upsert_node(make_node(4, 1));
  NetmapDelta d = m.take_batch();
  EXPECT_EQ(d.mutation_patched, (std::vector<NodeId>{1, 2}));
  for (NodeId viewer : {1, 2}) {
    EXPECT_TRUE(d.touches(viewer));
    json own = json::parse(m.delta_json(d, viewer));
    ASSERT_EQ(own["PeersChanged"].size(), 1u) << own.dump();
    EXPECT_EQ(own["PeersChanged"][0]["ID"], 4);
    ASSERT_EQ(own["PeersChangedPatch"].size(), 1u) << own.dump();
    EXPECT_EQ(own["PeersChangedPatch"][0]["NodeID"], viewer == 1 ? 2 : 1);
  }
  // Node 3 has no patch of its own: the shared message, with both.
  EXPECT_FALSE(d.touches(3));
  EXPECT_EQ(m.delta_json(d, 3), d.common_json);
  EXPECT_EQ(json::parse(d.common_json)["PeersChangedPatch"].size(), 2u);

  // A patch upstream cannot apply as a mutation (here Cap) makes it rebuild
  // the netmap from its peer list, which skips an unknown ID: shared.
  EXPECT_TRUE(m.update_cap(1, 130));
  EXPECT_TRUE(m.set_online(3, true, kNow));
  d = m.take_batch();
  EXPECT_EQ(d.mutation_patched, (std::vector<NodeId>{3}));
  EXPECT_FALSE(d.touches(1));
  EXPECT_TRUE(d.touches(3));
  EXPECT_EQ(json::parse(m.delta_json(d, 3))["PeersChangedPatch"].size(), 1u);
}

// Under the lock a client holds no unsigned node as a peer, so any node's
// mutation patch could cut its batch short: such batches carry an
// unchanged Domain, which makes upstream rebuild from its peer list (where
// unknown IDs are skipped), and are shared by every viewer again.
TEST(Netmap, UnderTheLockABatchWithMutationPatchesMakesClientsRebuild) {
  Netmap m = three_nodes();
  m.set_tka_info(tailcfg::TkaInfo{"HEAD", false});
  (void)m.take_batch();
  EXPECT_TRUE(m.set_online(2, true, kNow));
  m.upsert_node(make_node(4, 1));
  NetmapDelta d = m.take_batch();
  EXPECT_TRUE(d.rebuild);
  EXPECT_TRUE(d.mutation_patched.empty());
  json common = json::parse(d.common_json);
  EXPECT_EQ(common["Domain"], "example.ts.net");
  EXPECT_EQ(common["PeersChangedPatch"].size(), 1u);
  EXPECT_FALSE(d.touches(2));
  EXPECT_EQ(m.delta_json(d, 2), d.common_json);
  // A batch without mutation patches needs none.
  m.upsert_node(make_node(5, 1));
  d = m.take_batch();
  EXPECT_FALSE(d.rebuild);
  EXPECT_FALSE(json::parse(d.common_json).contains("Domain"));
  // Nor a tailnet whose lock was switched off.
  m.set_tka_info(std::nullopt);
  (void)m.take_batch();
  EXPECT_TRUE(m.set_online(2, false, kNow));
  d = m.take_batch();
  EXPECT_FALSE(d.rebuild);
  EXPECT_EQ(d.mutation_patched, std::vector<NodeId>{2});
}

TEST(Netmap, DiscoKeyAndCapArePatches) {
  Netmap m = three_nodes();
  const key::DiscoPublic disco = key::DiscoPrivate::generate().public_key();
  EXPECT_TRUE(m.update_disco_key(2, disco));
  EXPECT_FALSE(m.update_disco_key(2, disco));  // unchanged
  EXPECT_FALSE(m.update_disco_key(9, disco));  // unknown node
  EXPECT_TRUE(m.update_cap(2, 130));
  EXPECT_FALSE(m.update_cap(2, 130));
  EXPECT_FALSE(m.update_cap(9, 130));
  NetmapDelta d = m.take_batch();
  EXPECT_TRUE(d.changed.empty());
  ASSERT_EQ(d.patches.size(), 1u);
  EXPECT_EQ(json::parse(d.common_json),
            json::parse(R"({"PeersChangedPatch":[{"NodeID":2,"Cap":130,"DiscoKey":")" + disco.to_string() + R"("}]})"));
  EXPECT_EQ(m.node(2)->disco_key, disco);
  EXPECT_EQ(m.node(2)->cap, 130);
  json full = json::parse(*m.full_map_json(1, kNow));
  ASSERT_EQ(full["Peers"][0]["ID"], 2);
  EXPECT_EQ(full["Peers"][0]["DiscoKey"], disco.to_string());
  EXPECT_EQ(full["Peers"][0]["Cap"], 130);
}

// Signing the whole tailnet (init/finish) is one message shared by every
// viewer: the signatures as patches (upstream clients skip the patch for
// their own ID), then each node's own Node with its own signature. Removing
// a signature is a whole-node change: an empty patch means "unchanged".
TEST(Netmap, NewKeySignaturesArePatchesAndEachNodeGetsItsOwnNode) {
  Netmap m = three_nodes();
  const Bytes s1{1, 2, 3}, s2{4, 5, 6}, s3{7, 8, 9};
  m.set_tka_info(tailcfg::TkaInfo{"HEAD", false});
  EXPECT_TRUE(m.set_key_signature(1, s1));
  EXPECT_TRUE(m.set_key_signature(2, s2));
  EXPECT_TRUE(m.set_key_signature(3, s3));
  EXPECT_FALSE(m.set_key_signature(3, s3));  // unchanged
  EXPECT_FALSE(m.set_key_signature(9, s3));  // unknown node
  NetmapDelta d = m.take_batch();
  EXPECT_TRUE(d.changed.empty());
  EXPECT_EQ(d.self_changed, (std::vector<NodeId>{1, 2, 3}));
  EXPECT_EQ(json::parse(d.common_json),
            json::parse(R"({"PeersChangedPatch":[{"NodeID":1,"KeySignature":"AQID"},{"NodeID":2,"KeySignature":"BAUG"},)"
                        R"({"NodeID":3,"KeySignature":"BwgJ"}],"TKAInfo":{"Head":"HEAD"}})"));
  for (NodeId viewer : {1, 2, 3}) {
    EXPECT_FALSE(d.touches(viewer));
    EXPECT_EQ(m.delta_json(d, viewer), d.common_json);
    json self = json::parse(m.self_json(d, viewer));
    EXPECT_EQ(self.size(), 1u) << self.dump();
    EXPECT_EQ(self["Node"]["ID"], viewer);
    EXPECT_EQ(self["Node"]["KeySignature"], viewer == 1 ? "AQID" : viewer == 2 ? "BAUG" : "BwgJ");
    // A stream whose full map came after the change already has it.
    EXPECT_EQ(m.self_json(d, viewer, /*self_current=*/true), "");
  }
  EXPECT_EQ(json::parse(*m.full_map_json(1, kNow))["Peers"][0]["KeySignature"], "BAUG");

  // Removed: the whole node again, without the field.
  EXPECT_TRUE(m.set_key_signature(2, {}));
  d = m.take_batch();
  EXPECT_EQ(d.changed, std::vector<NodeId>{2});
  EXPECT_TRUE(d.patches.empty());
  json j = json::parse(d.common_json);
  EXPECT_EQ(j["PeersChanged"][0]["ID"], 2);
  EXPECT_FALSE(j["PeersChanged"][0].contains("KeySignature"));
  json own = json::parse(m.delta_json(d, 2));
  EXPECT_EQ(own["Node"]["ID"], 2);
  EXPECT_FALSE(own["Node"].contains("KeySignature"));
  EXPECT_EQ(m.self_json(d, 2), "");  // already in its delta

  // A new signature of a node whose whole entry is pending anyway rides
  // with it; a node removed in the same batch gets nothing of its own.
  m.upsert_node(make_node(4, 1));
  EXPECT_TRUE(m.set_key_signature(4, s1));
  EXPECT_TRUE(m.set_key_signature(3, s1));
  m.remove_node(3);
  d = m.take_batch();
  EXPECT_EQ(d.changed, std::vector<NodeId>{4});
  EXPECT_TRUE(d.patches.empty());
  EXPECT_EQ(d.self_changed, std::vector<NodeId>{4});
  EXPECT_EQ(json::parse(d.common_json)["PeersChanged"][0]["KeySignature"], "AQID");
  EXPECT_EQ(json::parse(m.delta_json(d, 4))["Node"]["KeySignature"], "AQID");
  EXPECT_EQ(m.delta_json(d, 3), "");
}

TEST(Netmap, HostinfoChangeBeyondNetInfoIsFull) {
  Netmap m = three_nodes();
  tailcfg::Hostinfo hi = *m.node(3)->hostinfo;
  hi.os_version = "6.1";
  EXPECT_TRUE(m.update_hostinfo(3, hi));
  EXPECT_TRUE(m.update_endpoints(3, {*AddrPort::parse("192.0.2.3:1")}));  // folded into the full change
  NetmapDelta d = m.take_batch();
  EXPECT_EQ(d.changed, std::vector<NodeId>{3});
  EXPECT_TRUE(d.patches.empty());
  json j = json::parse(d.common_json);
  EXPECT_EQ(j["PeersChanged"][0]["Hostinfo"]["OSVersion"], "6.1");
  EXPECT_EQ(j["PeersChanged"][0]["Endpoints"][0], "192.0.2.3:1");
}

TEST(Netmap, RemovalSupersedesAndLookupsFollow) {
  Netmap m = three_nodes();
  const auto nk = m.node(2)->key;
  const auto mk = m.node(2)->machine;
  EXPECT_EQ(m.find_by_node_key(nk), std::optional<NodeId>(2));
  EXPECT_EQ(m.find_by_machine_key(mk), std::optional<NodeId>(2));
  EXPECT_TRUE(m.update_endpoints(2, {*AddrPort::parse("192.0.2.2:1")}));
  m.remove_node(2);
  EXPECT_FALSE(m.find_by_node_key(nk));
  EXPECT_FALSE(m.find_by_machine_key(mk));
  NetmapDelta d = m.take_batch();
  EXPECT_TRUE(d.patches.empty());
  EXPECT_EQ(json::parse(d.common_json), json::parse(R"({"PeersRemoved":[2]})"));
  EXPECT_EQ(m.delta_json(d, 2), "");  // the removed node's stream is ended by the server
  json full = json::parse(*m.full_map_json(1, kNow));
  EXPECT_EQ(full["Peers"].size(), 1u);
}

TEST(Netmap, KeyRotationReindexesAndKeepsOnlineState) {
  Netmap m = three_nodes();
  m.set_online(1, true, kNow);
  tailcfg::Node n = *m.node(1);
  const auto old_key = n.key;
  n.key = key::NodePrivate::generate().public_key();
  m.upsert_node(n);
  EXPECT_FALSE(m.find_by_node_key(old_key));
  EXPECT_EQ(m.find_by_node_key(n.key), std::optional<NodeId>(1));
  EXPECT_TRUE(m.online(1));
  NetmapDelta d = m.take_batch();
  EXPECT_EQ(d.changed, std::vector<NodeId>{1});
  EXPECT_TRUE(d.patches.empty());  // the online patch is folded into the full change
  json j = json::parse(d.common_json);
  EXPECT_EQ(j["PeersChanged"][0]["Key"], n.key.to_string());
  EXPECT_EQ(j["PeersChanged"][0]["Online"], true);
}

TEST(Netmap, ExpiredKeysAreAnnounced) {
  Netmap m = three_nodes();
  tailcfg::Node n = *m.node(3);
  n.key_expiry = GoTime::from_unix(kNow.unix_seconds() + 60);
  m.upsert_node(n);
  (void)m.take_batch();
  m.expire_keys(kNow);
  EXPECT_FALSE(m.has_pending());
  m.expire_keys(GoTime::from_unix(kNow.unix_seconds() + 61));
  NetmapDelta d = m.take_batch();
  EXPECT_EQ(d.changed, std::vector<NodeId>{3});
  EXPECT_EQ(json::parse(d.common_json)["PeersChanged"][0]["Expired"], true);
  m.expire_keys(GoTime::from_unix(kNow.unix_seconds() + 120));  // once only
  EXPECT_FALSE(m.has_pending());
}

TEST(Netmap, ChangesTouchOnlyTheChangedNodesEncoding) {
  Netmap m = three_nodes();
  auto before1 = m.peer_json(1);
  auto before3 = m.peer_json(3);
  m.update_endpoints(3, {*AddrPort::parse("192.0.2.3:2")});
  EXPECT_EQ(m.peer_json(1), before1);  // same cached object, not re-encoded
  EXPECT_NE(m.peer_json(3), before3);
}

}  // namespace
}  // namespace latchkey::server
