// MapSession: the client's reading of a /machine/map stream — framing,
// decoding, the first-message rule, keepalives, upgradeNode, the split into
// PeerBatch and the rest, TKAInfo per session, and bounded refusal of bad
// input.
#include "client/map_session.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <string>

#include "client/map_test_util.h"
#include "client/upgrade_node.h"
#include "key/disco_key.h"

namespace latchkey::client {
namespace {

using testing::aum_hash_text;
using testing::drain;
using testing::frame;
using testing::make_node;
using testing::push;

tailcfg::MapResponse first_map() {
  tailcfg::MapResponse m;
  m.node = make_node(1, "100.64.0.1/32");
  m.peers = {make_node(2, "100.64.0.2/32"), make_node(3, "100.64.0.3/32")};
  m.domain = "example.ts.net";
  return m;
}

tailcfg::MapResponse keepalive() {
  tailcfg::MapResponse m;
  m.keep_alive = true;
  return m;
}

TEST(MapSession, FullMapThenEachDeltaKindBecomesAPeerBatch) {
  MapSession s;
  MapUpdate full = push(s, first_map());
  EXPECT_TRUE(full.first);
  ASSERT_TRUE(full.peers.full);
  ASSERT_EQ(full.peers.full->size(), 2u);
  EXPECT_EQ((*full.peers.full)[1].id, 3);
  ASSERT_TRUE(full.rest.node);
  EXPECT_EQ(full.rest.node->id, 1);
  EXPECT_EQ(full.rest.domain, "example.ts.net");
  EXPECT_TRUE(full.rest.peers.empty());

  tailcfg::MapResponse removed;
  removed.peers_removed = {3};
  MapUpdate u = push(s, removed);
  EXPECT_FALSE(u.first);
  EXPECT_FALSE(u.peers.full);
  EXPECT_EQ(u.peers.removed, std::vector<tailcfg::NodeId>{3});
  EXPECT_FALSE(u.rest.node);

  tailcfg::MapResponse changed;
  changed.peers_changed = {make_node(4, "100.64.0.4/32")};
  u = push(s, changed);
  ASSERT_EQ(u.peers.changed.size(), 1u);
  EXPECT_EQ(u.peers.changed[0].id, 4);
  EXPECT_TRUE(u.rest.peers_changed.empty());

  tailcfg::MapResponse seen;
  seen.peer_seen_change = {{2, true}, {4, false}};
  u = push(s, seen);
  EXPECT_EQ(u.peers.seen, (std::map<tailcfg::NodeId, bool>{{2, true}, {4, false}}));

  tailcfg::MapResponse online;
  online.online_change = {{2, false}};
  u = push(s, online);
  EXPECT_EQ(u.peers.online, (std::map<tailcfg::NodeId, bool>{{2, false}}));

  tailcfg::MapResponse patch;
  tailcfg::PeerChange pc;
  pc.node_id = 2;
  pc.derp_region = 9;
  pc.key = key::NodePrivate::generate().public_key();
  pc.key_signature = Bytes{1, 2, 3};
  patch.peers_changed_patch = {pc};
  u = push(s, patch);
  ASSERT_EQ(u.peers.patches.size(), 1u);
  EXPECT_EQ(u.peers.patches[0], pc);

  EXPECT_EQ(s.counters().full, 1u);
  EXPECT_EQ(s.counters().delta, 5u);
  EXPECT_EQ(s.counters().keepalive, 0u);
}

TEST(MapSession, NonEmptyPeersPrecludesTheOtherPeerFields) {
  MapSession s;
  push(s, first_map());
  tailcfg::MapResponse m;
  m.peers = {make_node(5, "100.64.0.5/32")};
  m.peers_removed = {2};
  m.peers_changed = {make_node(6, "100.64.0.6/32")};
  m.online_change = {{5, true}};
  MapUpdate u = push(s, m);
  ASSERT_TRUE(u.peers.full);
  ASSERT_EQ(u.peers.full->size(), 1u);
  EXPECT_EQ((*u.peers.full)[0].id, 5);
  EXPECT_TRUE(u.peers.removed.empty());
  EXPECT_TRUE(u.peers.changed.empty());
  EXPECT_TRUE(u.peers.online.empty());
  // Nor are they left in the rest for anyone to apply.
  EXPECT_TRUE(u.rest.peers_removed.empty());
  EXPECT_TRUE(u.rest.peers_changed.empty());
  EXPECT_TRUE(u.rest.online_change.empty());
}

TEST(MapSession, UpgradesSelfPeersAndChangedNodes) {
  MapSession s;
  tailcfg::MapResponse m = first_map();
  m.node->legacy_derp_string = "127.3.3.40:7";
  m.node->capabilities = {"https://example.com/cap/a"};
  m.node->cap_map["https://example.com/cap/b"] = std::vector<tailcfg::RawJson>{{"1"}};
  // An unsigned, API-only peer advertising a route it must not get.
  m.peers[0].unsigned_peer_api_only = true;
  m.peers[0].allowed_ips =
      std::vector<tailcfg::IpPrefix>{*tailcfg::IpPrefix::parse("100.64.0.2/32"), *tailcfg::IpPrefix::parse("10.0.0.0/8")};
  m.peers[1].home_derp = 3;
  m.peers[1].legacy_derp_string = "127.3.3.40:9";
  MapUpdate u = push(s, m);

  const tailcfg::Node& self = *u.rest.node;
  EXPECT_EQ(self.home_derp, 7);
  EXPECT_TRUE(self.legacy_derp_string.empty());
  EXPECT_EQ(self.allowed_ips, self.addresses);
  ASSERT_EQ(self.cap_map.count("https://example.com/cap/a"), 1u);
  EXPECT_FALSE(self.cap_map.at("https://example.com/cap/a"));  // folded in as nil
  EXPECT_EQ(self.cap_map.at("https://example.com/cap/b")->size(), 1u);

  const auto& peers = *u.peers.full;
  EXPECT_EQ(peers[0].allowed_ips, peers[0].addresses);
  EXPECT_EQ(peers[1].home_derp, 3);  // an explicit HomeDERP wins over the legacy string
  EXPECT_TRUE(peers[1].legacy_derp_string.empty());
  EXPECT_EQ(peers[1].allowed_ips, peers[1].addresses);

  tailcfg::MapResponse changed;
  changed.peers_changed = {make_node(4, "100.64.0.4/32")};
  changed.peers_changed[0].legacy_derp_string = "127.3.3.40:12";
  u = push(s, changed);
  EXPECT_EQ(u.peers.changed[0].home_derp, 12);
  EXPECT_EQ(u.peers.changed[0].allowed_ips, u.peers.changed[0].addresses);
}

TEST(UpgradeNode, LegacyDerpStringOnlyFromTheMagicAddress) {
  const auto home = [](const std::string& legacy) {
    tailcfg::Node n;
    n.legacy_derp_string = legacy;
    upgrade_node(n);
    EXPECT_TRUE(n.legacy_derp_string.empty()) << legacy;
    return n.home_derp;
  };
  EXPECT_EQ(home("127.3.3.40:5"), 5);
  EXPECT_EQ(home("[127.3.3.40]:6"), 6);
  EXPECT_EQ(home("1.2.3.4:5"), 0);
  EXPECT_EQ(home("127.3.3.40:x"), 0);
  EXPECT_EQ(home("127.3.3.40:"), 0);
  EXPECT_EQ(home("127.3.3.40"), 0);
  EXPECT_EQ(home("::127.3.3.40:5"), 0);
}

TEST(UpgradeNode, KeepsExplicitAllowedIpsOfSignedNodes) {
  tailcfg::Node n = make_node(2, "100.64.0.2/32");
  n.allowed_ips = std::vector<tailcfg::IpPrefix>{*tailcfg::IpPrefix::parse("100.64.0.2/32"),
                                                 *tailcfg::IpPrefix::parse("10.0.0.0/8")};
  upgrade_node(n);
  EXPECT_EQ(n.allowed_ips->size(), 2u);
}

TEST(MapSession, KeepAliveOnlyMessagesAreCountedAndProduceNoUpdate) {
  MapSession s;
  for (int i = 0; i < 3; ++i) s.feed(frame(keepalive()));
  EXPECT_TRUE(drain(s).empty());
  EXPECT_EQ(s.counters().keepalive, 3u);
  EXPECT_EQ(s.counters().full, 0u);
  // A keepalive before the first map does not stand in for it.
  MapUpdate u = push(s, first_map());
  EXPECT_TRUE(u.first);
  s.feed(frame(keepalive()));
  EXPECT_TRUE(drain(s).empty());
  EXPECT_EQ(s.counters().keepalive, 4u);
  EXPECT_EQ(s.counters().full, 1u);
  EXPECT_EQ(s.counters().delta, 0u);
}

TEST(MapSession, TkaInfoIsPerSession) {
  MapSession s;
  // Absent in the first message: lock off.
  MapUpdate u = push(s, first_map());
  ASSERT_TRUE(u.lock);
  EXPECT_FALSE(u.lock->enabled);
  EXPECT_FALSE(u.lock->head);
  // Absent later: unchanged.
  tailcfg::MapResponse delta;
  delta.domain = "other.ts.net";
  EXPECT_FALSE(push(s, delta).lock);

  tailcfg::MapResponse on;
  on.tka_info = tailcfg::TkaInfo{aum_hash_text(7), false};
  u = push(s, on);
  ASSERT_TRUE(u.lock);
  EXPECT_TRUE(u.lock->enabled);
  ASSERT_TRUE(u.lock->head);
  EXPECT_EQ(u.lock->head->bytes[0], 7);
  EXPECT_FALSE(u.rest.tka_info);  // moved into `lock`

  tailcfg::MapResponse off;
  off.tka_info = tailcfg::TkaInfo{"", true};
  u = push(s, off);
  ASSERT_TRUE(u.lock);
  EXPECT_FALSE(u.lock->enabled);
  EXPECT_TRUE(u.lock->head_error.empty());
  EXPECT_EQ(s.counters().tka_head_errors, 0u);

  // A new session starts again from "no TKAInfo yet".
  MapSession again;
  u = push(again, first_map());
  ASSERT_TRUE(u.lock);
  EXPECT_FALSE(u.lock->enabled);
}

TEST(MapSession, UnparsableTkaHeadIsReportedAndLockNotEnabled) {
  MapSession s;
  tailcfg::MapResponse m = first_map();
  m.tka_info = tailcfg::TkaInfo{"not-an-aum-hash", false};
  MapUpdate u = push(s, m);
  ASSERT_TRUE(u.lock);
  EXPECT_FALSE(u.lock->enabled);
  EXPECT_FALSE(u.lock->head);
  EXPECT_NE(u.lock->head_error.find("not-an-aum-hash"), std::string::npos) << u.lock->head_error;
  EXPECT_EQ(s.counters().tka_head_errors, 1u);
  EXPECT_FALSE(s.ended());  // reported, not fatal
}

TEST(MapSession, PlainFramesWhenZstdWasNotAsked) {
  MapSession s(MapSessionOptions{.zstd = false});
  s.feed(frame(first_map(), false));
  auto ups = drain(s);
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_EQ(ups[0].rest.node->id, 1);
}

TEST(MapSession, TruncatedFrameWaitsForMoreBytes) {
  MapSession s;
  Bytes f = frame(first_map());
  Bytes both = f;
  const Bytes k = frame(keepalive());
  both.insert(both.end(), k.begin(), k.end());
  // Byte by byte: nothing until the first frame is complete, no error.
  std::vector<MapUpdate> got;
  for (std::size_t i = 0; i < both.size(); ++i) {
    s.feed(ByteView(&both[i], 1));
    auto u = s.next();
    ASSERT_TRUE(u.ok()) << u.message();
    if (u->has_value()) {
      EXPECT_EQ(i, f.size() - 1);
      got.push_back(std::move(**u));
    }
  }
  EXPECT_EQ(got.size(), 1u);
  EXPECT_FALSE(s.ended());
  EXPECT_EQ(s.counters().keepalive, 1u);
}

TEST(MapSession, MalformedJsonEndsTheSessionAfterTheGoodMessages) {
  MapSession s;
  Bytes bytes = frame(first_map());
  transport::append_map_frame(bytes, R"({"Domain": "x", )", true);
  s.feed(bytes);
  auto first = s.next();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  auto bad = s.next();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("undecodable MapResponse"), std::string::npos) << bad.message();
  EXPECT_TRUE(s.ended());
  EXPECT_EQ(s.counters().decode_errors, 1u);
  // Over for good: later bytes are not read.
  s.feed(frame(keepalive()));
  auto again = s.next();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.message(), bad.message());
  EXPECT_EQ(s.counters().keepalive, 0u);
}

TEST(MapSession, WrongJsonTypeIsAnError) {
  MapSession s;
  s.feed(transport::map_frame(R"({"Node": 5})", true));
  auto u = s.next();
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.message().find("undecodable MapResponse"), std::string::npos) << u.message();
}

TEST(MapSession, OversizedLengthPrefixIsRefusedBeforeItsBody) {
  MapSession s(MapSessionOptions{.max_map_bytes = 1024});
  // Announces ~2 GiB; only the four prefix bytes are ever fed.
  const Bytes prefix = {0xff, 0xff, 0xff, 0x7f};
  s.feed(prefix);
  auto u = s.next();
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.message().find("2147483647 bytes exceeds the limit of 1024"), std::string::npos) << u.message();
  EXPECT_EQ(s.counters().decode_errors, 1u);
}

TEST(MapSession, ZstdBombWithDeclaredSizeIsRefused) {
  MapSession s(MapSessionOptions{.max_map_bytes = 64 << 10});
  tailcfg::MapResponse m = first_map();
  m.domain = std::string(1 << 20, 'a');  // 1 MiB of JSON, a few hundred bytes compressed
  const Bytes f = frame(m);
  ASSERT_LT(f.size(), 64u << 10);
  s.feed(f);
  auto u = s.next();
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.message().find("above the limit"), std::string::npos) << u.message();
}

TEST(MapSession, ZstdBombWithoutDeclaredSizeStopsAtTheBound) {
  // A zstd frame need not declare its size: only the bounded
  // decompression can stop this one.
  const std::string json = R"({"Domain":")" + std::string(1 << 20, 'a') + R"("})";
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
  Bytes z(ZSTD_compressBound(json.size()));
  ZSTD_outBuffer out{z.data(), z.size(), 0};
  ZSTD_inBuffer in{json.data(), json.size(), 0};
  const std::size_t left = ZSTD_compressStream2(c, &out, &in, ZSTD_e_end);
  ZSTD_freeCCtx(c);
  ASSERT_EQ(left, 0u);
  z.resize(out.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(z.data(), z.size()), ZSTD_CONTENTSIZE_UNKNOWN);

  Bytes f(4 + z.size());
  for (std::size_t i = 0; i < 4; ++i) f[i] = static_cast<std::uint8_t>(z.size() >> (8 * i));
  std::copy(z.begin(), z.end(), f.begin() + 4);
  MapSession s(MapSessionOptions{.max_map_bytes = 64 << 10});
  s.feed(f);
  auto u = s.next();
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.message().find("exceeds 65536 bytes"), std::string::npos) << u.message();
}

TEST(MapSession, CorruptZstdIsAnError) {
  MapSession s;
  s.feed(Bytes{4, 0, 0, 0, 1, 2, 3, 4});
  auto u = s.next();
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.message().find("zstd"), std::string::npos) << u.message();
}

TEST(MapSession, FirstMessageWithoutNodeEndsTheSession) {
  MapSession s;
  s.feed(frame(keepalive()));
  tailcfg::MapResponse m = first_map();
  m.node.reset();
  s.feed(frame(m));
  auto u = s.next();
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.message(), "initial MapResponse lacked node");
  EXPECT_TRUE(s.ended());
  EXPECT_EQ(s.counters().keepalive, 1u);
  EXPECT_EQ(s.counters().full, 0u);
  // A later message with Node does not revive it.
  s.feed(frame(first_map()));
  EXPECT_FALSE(s.next().ok());
}

TEST(MapSession, RequestForTheStreamAndForALiteUpdate) {
  MapRequestParams p;
  p.version = 142;
  p.node_key = key::NodePrivate::generate().public_key();
  p.disco_key = key::DiscoPrivate::generate().public_key();
  p.hostinfo.backend_log_id = "abc";
  p.tka_head = aum_hash_text(3);

  const tailcfg::MapRequest r = MapSession::request(p);
  EXPECT_EQ(r.version, 142);
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(r.node_key, p.node_key);
  EXPECT_EQ(r.disco_key, p.disco_key);
  EXPECT_TRUE(r.stream);
  EXPECT_FALSE(r.omit_peers);
  ASSERT_TRUE(r.hostinfo);
  EXPECT_EQ(r.hostinfo->backend_log_id, "abc");
  EXPECT_EQ(r.tka_head, p.tka_head);
  EXPECT_EQ(r.compress, "zstd");
  EXPECT_TRUE(r.endpoints.empty());

  p.kind = MapRequestKind::LiteUpdate;
  const tailcfg::MapRequest lite = MapSession::request(p);
  EXPECT_FALSE(lite.stream);
  EXPECT_TRUE(lite.omit_peers);
  EXPECT_TRUE(lite.keep_alive);
  EXPECT_EQ(lite.compress, "zstd");
}

}  // namespace
}  // namespace latchkey::client
