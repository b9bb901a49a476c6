// The load tool (bench/server/load): its MapResponse scanner against maps
// and deltas the server's own Netmap encodes, and one small run of its core
// against a real `latchkey serve` process — every node gets a complete view
// and every endpoint change reaches every peer; and with the lock phase,
// every signature and every sync arrives. No timing assertions: the
// figures belong in docs/performance.md, not in a test.
#include <gtest/gtest.h>

#include "base/base64.h"
#include "key/disco_key.h"
#include "key/machine_key.h"
#include "key/node_key.h"
#include "load_run.h"
#include "map_scan.h"
#include "server/netmap.h"
#include "server/server_fixture.h"

namespace latchkey::load {
namespace {

using tailcfg::AddrPort;
using tailcfg::IpAddr;

tailcfg::Node scan_node(server::NodeId id) {
  tailcfg::Node n;
  n.id = id;
  n.stable_id = "n" + std::to_string(id);
  n.name = "node" + std::to_string(id) + ".example.ts.net.";
  n.user = 1;
  n.key = key::NodePrivate::generate().public_key();
  n.machine = key::MachinePrivate::generate().public_key();
  n.disco_key = key::DiscoPrivate::generate().public_key();
  n.endpoints = {AddrPort(IpAddr::v4(192, 0, 2, 1), static_cast<std::uint16_t>(1000 + id))};
  tailcfg::Hostinfo hi;
  hi.hostname = "host \"quoted\" \\ {[" + std::to_string(id);  // escapes and brackets inside strings
  hi.os = "linux";
  n.hostinfo = hi;
  return n;
}

TEST(LoadMapScan, ReadsPeersOfTheServersFullMap) {
  server::Netmap m(server::NetmapConfig{});
  m.set_user({1, "alice@example", "Alice", "", {}});
  for (server::NodeId id : {5, 2, 9}) m.upsert_node(scan_node(id));
  (void)m.set_online(9, true, tailcfg::GoTime::from_unix(1'800'000'000));
  (void)m.take_batch();
  auto json = m.full_map_json(2, tailcfg::GoTime::from_unix(1'800'000'000));
  ASSERT_TRUE(json);
  auto s = scan_map_response(*json);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(s->keep_alive);
  EXPECT_EQ(s->self, 2);
  EXPECT_TRUE(s->has_peers);
  EXPECT_EQ(s->peers, (std::vector<NodeId>{5, 9}));
  ASSERT_EQ(s->endpoints.size(), 2u);
  EXPECT_EQ(s->endpoints[0].node, 5);
  EXPECT_EQ(s->endpoints[0].port, 1005);
  EXPECT_EQ(s->endpoints[1].port, 1009);
  ASSERT_EQ(s->online.size(), 2u);  // every peer carries Online, false too
  EXPECT_EQ(s->online[0].node, 5);
  EXPECT_FALSE(s->online[0].online);
  EXPECT_EQ(s->online[1].node, 9);
  EXPECT_TRUE(s->online[1].online);
}

TEST(LoadMapScan, ReadsTheServersDeltas) {
  server::Netmap m(server::NetmapConfig{});
  m.set_user({1, "alice@example", "Alice", "", {}});
  for (server::NodeId id : {1, 2, 3, 4, 5}) m.upsert_node(scan_node(id));
  (void)m.set_online(5, true, tailcfg::GoTime::from_unix(1'800'000'000));
  (void)m.take_batch();
  ASSERT_TRUE(m.update_endpoints(3, {AddrPort(IpAddr::v4(198, 51, 100, 7), 20005)}));
  ASSERT_TRUE(m.set_online(5, false, tailcfg::GoTime::from_unix(1'800'000'060)));
  m.remove_node(4);
  m.upsert_node(scan_node(6));
  auto delta = m.take_batch();
  const std::string text = m.delta_json(delta, 1);  // the summary holds views into it
  auto s = scan_map_response(text);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(s->has_peers);
  EXPECT_EQ(s->peers_changed, std::vector<NodeId>{6});
  EXPECT_EQ(s->peers_removed, std::vector<NodeId>{4});
  EXPECT_EQ(s->patched, (std::vector<NodeId>{3, 5}));
  ASSERT_EQ(s->endpoints.size(), 2u);
  EXPECT_EQ(s->endpoints[0].node, 6);
  EXPECT_EQ(s->endpoints[0].port, 1006);
  EXPECT_EQ(s->endpoints[1].node, 3);
  EXPECT_EQ(s->endpoints[1].port, 20005);
  // The new node's entry and node 5's offline patch carry Online.
  ASSERT_EQ(s->online.size(), 2u);
  EXPECT_EQ(s->online[0].node, 6);
  EXPECT_FALSE(s->online[0].online);
  EXPECT_EQ(s->online[1].node, 5);
  EXPECT_FALSE(s->online[1].online);

  auto k = scan_map_response(R"({"KeepAlive":true})");
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->keep_alive);
}

TEST(LoadMapScan, ReadsTheLockHeadAndPeersKeySignatures) {
  server::Netmap m(server::NetmapConfig{});
  m.set_user({1, "alice@example", "Alice", "", {}});
  for (server::NodeId id : {1, 2, 3}) m.upsert_node(scan_node(id));
  (void)m.take_batch();
  const Bytes sig{0xa4, 0x01, 0x01, 0xfb, 0xff, 0x3e};  // base64 with '+' and '/'
  m.set_tka_info(tailcfg::TkaInfo{"HEADHASH", false});
  ASSERT_TRUE(m.set_key_signature(3, sig));
  auto delta = m.take_batch();
  const std::string text = m.delta_json(delta, 1);  // the summary holds views into it
  auto s = scan_map_response(text);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(s->tka_head.has_value());
  EXPECT_EQ(*s->tka_head, "HEADHASH");
  ASSERT_EQ(s->key_signatures.size(), 1u);
  EXPECT_EQ(s->key_signatures[0].node, 3);
  EXPECT_EQ(s->key_signatures[0].signature, base64_encode(sig));

  auto json = m.full_map_json(1, tailcfg::GoTime::from_unix(1'800'000'000));
  ASSERT_TRUE(json);
  auto full = scan_map_response(*json);
  ASSERT_TRUE(full.ok()) << full.message();
  EXPECT_EQ(full->tka_head, std::optional<std::string_view>("HEADHASH"));
  ASSERT_EQ(full->key_signatures.size(), 1u);
  EXPECT_EQ(full->key_signatures[0].node, 3);

  auto none = scan_map_response(R"({"TKAInfo":{"Disabled":true},"Peers":[{"ID":4,"KeySignature":null}]})");
  ASSERT_TRUE(none.ok()) << none.message();
  EXPECT_EQ(none->tka_head, std::optional<std::string_view>(""));
  EXPECT_TRUE(none->key_signatures.empty());
}

TEST(LoadMapScan, RefusesBrokenJson) {
  for (const char* bad : {"", "{", R"({"Peers":[{"ID":1})", R"({"Peers":[{"Name":"x"}]})", R"({"A":[}]})",
                          R"({"PeersRemoved":[1,x]})", R"({"Node":{"ID":"1"}})", R"({"A":"unterminated})",
                          R"({"PeersChangedPatch":[{"NodeID":1,"Online":"yes"}]})",
                          R"({} trailing)"}) {
    EXPECT_FALSE(scan_map_response(bad).ok()) << bad;
  }
  std::string deep = R"({"A":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_FALSE(scan_map_response(deep).ok());
}

#ifdef LATCHKEY_BINARY
TEST(LoadSmoke, TwentyNodesGetCompleteViewsAndEveryChange) {
  server::testing::TempDir dir;
  LoadOptions o;
  o.server_binary = LATCHKEY_BINARY;
  o.work_dir = dir.path();
  o.nodes = 20;
  o.changes = 3;
  o.in_flight = 8;
  o.settle = std::chrono::milliseconds(200);
  o.change_gap = std::chrono::milliseconds(50);
  o.phase_timeout = std::chrono::seconds(120);
  auto r = run_load(o);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->errors, 0u) << r->first_error << "\n" << r->server_log_tail;
  EXPECT_EQ(r->registered, 20u);
  EXPECT_EQ(r->full_maps, 20u);
  EXPECT_EQ(r->complete, 20u);
  EXPECT_EQ(r->changes_sent, 3);
  EXPECT_EQ(r->changes_complete, 3);
  EXPECT_EQ(r->delivery_ms.size(), 3u * 19u);  // every change at every other node, once
  EXPECT_EQ(r->change_ms.size(), 3u);
  EXPECT_GT(r->server_idle.rss_kib, 0);
  EXPECT_GT(r->server_online.cpu_seconds, 0.0);
  EXPECT_EQ(r->server_exit, "exited with status 0");
  EXPECT_TRUE(r->passed());
}

TEST(LoadSmoke, LockPhaseEnablesTheLockAndEverySignatureAndSyncArrives) {
  server::testing::TempDir dir;
  LoadOptions o;
  o.server_binary = LATCHKEY_BINARY;
  o.work_dir = dir.path();
  o.nodes = 12;
  o.changes = 1;
  o.lock_changes = 3;
  o.in_flight = 8;
  o.settle = std::chrono::milliseconds(200);
  o.change_gap = std::chrono::milliseconds(50);
  o.phase_timeout = std::chrono::seconds(120);
  auto r = run_load(o);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->errors, 0u) << r->first_error << "\n" << r->server_log_tail;
  EXPECT_TRUE(r->lock_requested);
  EXPECT_TRUE(r->lock_enabled);
  EXPECT_EQ(r->lock_signatures, 12u);  // every node signed in init/finish
  EXPECT_GT(r->lock_init_finish_ms, 0.0);
  EXPECT_EQ(r->lock_changes_sent, 3);
  EXPECT_EQ(r->lock_changes_complete, 3);
  EXPECT_EQ(r->lock_delivery_ms.size(), 3u * 11u);  // every re-signature at every other node, once
  EXPECT_EQ(r->lock_change_ms.size(), 3u);
  EXPECT_EQ(r->lock_syncs, 12u);  // every node synced to the new head
  EXPECT_EQ(r->lock_sync_ms.size(), 12u);
  EXPECT_EQ(r->server_exit, "exited with status 0");
  EXPECT_TRUE(r->passed());
}
#endif

}  // namespace
}  // namespace latchkey::load
