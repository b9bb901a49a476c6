// ClientStatus: the §5.6 status document — its exact text (field order,
// names, time form, peers sorted), the round trip through the strict
// reader, and one refusal per kind of bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/status.h"

namespace latchkey::client {
namespace {

using namespace std::chrono_literals;

key::NodePublic node_key(std::uint8_t fill) {
  ByteArray<32> raw{};
  raw.fill(fill);
  return key::NodePublic::from_raw(raw);
}

std::string hex_of(std::uint8_t fill) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) {
    s += digits[fill >> 4];
    s += digits[fill & 15];
  }
  return s;
}

// 2026-01-02T03:04:05Z
const StatusTime kExpiry = StatusTime(std::chrono::seconds(1767323045));

ClientStatus sample() {
  ClientStatus st;
  st.backend_state = BackendState::Running;
  st.self.name = "a.example.ts.net.";
  st.self.node_id = 5;
  st.self.stable_id = "n5";
  st.self.node_key = node_key(0x11);
  st.self.addresses = {"100.64.0.5/32", "fd7a:115c:a1e0::5/128"};
  st.self.online = true;
  st.self.key_expiry = kExpiry;
  st.self.lock_verdict = LockVerdict::Authorized;
  PeerStatus b;
  b.name = "b.example.ts.net.";
  b.node_id = 9;
  b.node_key = node_key(0x22);
  b.addresses = {"100.64.0.9/32"};
  b.online = false;
  b.lock_verdict = LockVerdict::Unauthorized;
  b.lock_reason = "key: key not found";
  b.exposed = true;
  PeerStatus c;
  c.name = "c.example.ts.net.";
  c.node_id = 7;
  c.node_key = node_key(0x33);
  c.addresses = {"100.64.0.7/32"};
  c.online = true;
  c.lock_verdict = LockVerdict::Authorized;
  st.peers = {b, c};  // out of order on purpose
  st.lock.state = LockView::State::Active;
  st.lock.mode = LockMode::VerifyAndLog;
  st.lock.head = "WYIVHDR7JUIXBWAJT5UPSCAILEXB7OMINDFEFEPOPNTUCNXMY2KA";
  st.lock.state_id = "123:456";
  st.lock.nl_public = "tlpub:" + hex_of(0x44);
  st.lock.trusted_keys = {{"tlpub:" + hex_of(0x44), 1}, {"tlpub:" + hex_of(0x55), 2}};
  st.lock.would_reject_total = 3;
  st.lock.last_sync_error = "offer: HTTP 503";
  st.lock.last_sync_at = kExpiry - 3600s + 500ms;
  st.counters.map_frames_total = {4, 1, 9};
  st.counters.map_errors_total = {{"decode", 2}};
  st.counters.reconnects_total = 1;
  st.counters.lock_peers[static_cast<std::size_t>(LockVerdict::Authorized)] = 1;
  st.counters.lock_peers[static_cast<std::size_t>(LockVerdict::Unauthorized)] = 1;
  st.counters.lock_sync_errors_total[static_cast<std::size_t>(SyncStage::Offer)] = 2;
  st.counters.retry_after_total = {{"/machine/tka/sync/offer", 1}};
  return st;
}

TEST(ClientStatus, ExactDocument) {
  const std::string k11 = "nodekey:" + hex_of(0x11), k22 = "nodekey:" + hex_of(0x22), k33 = "nodekey:" + hex_of(0x33);
  const std::string t44 = "tlpub:" + hex_of(0x44), t55 = "tlpub:" + hex_of(0x55);
  EXPECT_EQ(status_to_json(sample()),
            R"({"schema":1,"backend_state":"running","auth_url":"",)"
            R"("self":{"name":"a.example.ts.net.","node_id":5,"stable_id":"n5","node_key":")" + k11 +
                R"(","addresses":["100.64.0.5/32","fd7a:115c:a1e0::5/128"],"online":true,)"
                R"("key_expiry":"2026-01-02T03:04:05Z","lock_verdict":"authorized","lock_reason":""},)"
                R"("peers":[{"name":"c.example.ts.net.","node_id":7,"node_key":")" + k33 +
                R"(","addresses":["100.64.0.7/32"],"online":true,"lock_verdict":"authorized","lock_reason":"",)"
                R"("exposed":true},{"name":"b.example.ts.net.","node_id":9,"node_key":")" + k22 +
                R"(","addresses":["100.64.0.9/32"],"online":false,"lock_verdict":"unauthorized",)"
                R"("lock_reason":"key: key not found","exposed":true}],)"
                R"("lock":{"enabled":true,"state":"active","mode":"log",)"
                R"("head":"WYIVHDR7JUIXBWAJT5UPSCAILEXB7OMINDFEFEPOPNTUCNXMY2KA","state_id":"123:456",)"
                R"("nl_public":")" + t44 + R"(","trusted_keys":[{"key":")" + t44 + R"(","votes":1},{"key":")" + t55 +
                R"(","votes":2}],"would_reject_total":3,"rejected_total":0,"last_sync_error":"offer: HTTP 503",)"
                R"("last_sync_at":"2026-01-02T02:04:05.5Z"},)"
                R"("counters":{"map_frames_total":{"keepalive":4,"full":1,"delta":9},)"
                R"("map_errors_total":{"decode":2},"reconnects_total":1,)"
                R"("lock_peers":{"authorized":1,"unauthorized":1},"lock_sync_errors_total":{"offer":2},)"
                R"("retry_after_total":{"/machine/tka/sync/offer":1}}})");
}

TEST(ClientStatus, EmptyStatusHasNullTimesAndEmptyMaps) {
  ClientStatus st;
  const auto j = nlohmann::json::parse(status_to_json(st));
  EXPECT_EQ(j["backend_state"], "starting");
  EXPECT_TRUE(j["self"]["key_expiry"].is_null());
  EXPECT_TRUE(j["lock"]["last_sync_at"].is_null());
  EXPECT_EQ(j["lock"]["enabled"], false);
  EXPECT_EQ(j["lock"]["state"], "off");
  EXPECT_EQ(j["self"]["lock_verdict"], "none");
  EXPECT_EQ(j["peers"], nlohmann::json::array());
  EXPECT_EQ(j["counters"]["lock_peers"], nlohmann::json::object());
  EXPECT_EQ(j["counters"]["lock_sync_errors_total"], nlohmann::json::object());
  auto back = status_from_json(status_to_json(st));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, st);
}

TEST(ClientStatus, RoundTripKeepsEverything) {
  ClientStatus st = sample();
  for (auto s : {BackendState::Starting, BackendState::NeedsLogin, BackendState::Running, BackendState::Stopped}) {
    for (auto m : {LockMode::VerifyAndLog, LockMode::Enforce}) {
      st.backend_state = s;
      st.lock.mode = m;
      st.auth_url = s == BackendState::NeedsLogin ? "https://login.example/a/b" : "";
      auto back = status_from_json(status_to_json(st));
      ASSERT_TRUE(back.ok()) << back.message();
      ClientStatus want = st;
      std::swap(want.peers[0], want.peers[1]);  // the document sorts them
      EXPECT_EQ(*back, want);
    }
  }
  for (std::size_t v = 0; v < kLockVerdictCount; ++v) {
    st.self.lock_verdict = static_cast<LockVerdict>(v);
    st.counters.lock_peers.fill(0);
    st.counters.lock_peers[v] = 10 + v;
    auto back = status_from_json(status_to_json(st));
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_EQ(back->self.lock_verdict, st.self.lock_verdict);
    EXPECT_EQ(back->counters.lock_peers, st.counters.lock_peers);
  }
}

TEST(ClientStatus, EnumNames) {
  EXPECT_EQ(backend_state_name(BackendState::NeedsLogin), "needs_login");
  EXPECT_EQ(backend_state_name(BackendState::Stopped), "stopped");
  EXPECT_EQ(lock_state_name(LockView::State::Pending), "pending");
  EXPECT_EQ(lock_mode_name(LockMode::VerifyAndLog), "log");
  EXPECT_EQ(lock_mode_name(LockMode::Enforce), "enforce");
}

// Applies `edit` to the sample document and reads it back; the error text.
std::string refusal(const std::function<void(nlohmann::ordered_json&)>& edit) {
  auto j = nlohmann::ordered_json::parse(status_to_json(sample()));
  edit(j);
  auto r = status_from_json(j.dump());
  if (r.ok()) return "(accepted)";
  return r.message();
}

TEST(ClientStatus, ReaderRefusesAnotherSchema) {
  EXPECT_EQ(refusal([](auto& j) { j["schema"] = 2; }),
            "status: schema 2 is not supported (this latchkey reads schema 1; is the running latchkey up a "
            "different version?)");
  EXPECT_EQ(refusal([](auto& j) { j.erase("schema"); }), "status: schema is missing");
  EXPECT_EQ(refusal([](auto& j) { j["schema"] = "1"; }), "status: schema is not a number");
}

TEST(ClientStatus, ReaderRefusesBadInput) {
  EXPECT_EQ(status_from_json("{").message(), "status: not a JSON document");
  EXPECT_EQ(status_from_json("[]").message(), "status: the document is not an object");
  EXPECT_EQ(refusal([](auto& j) { j["self"].erase("node_key"); }), "status: self.node_key is missing");
  EXPECT_EQ(refusal([](auto& j) { j["extra"] = 1; }), "status: extra is not a field of status schema 1");
  EXPECT_EQ(refusal([](auto& j) { j["peers"][0]["colour"] = "red"; }),
            "status: peers[0].colour is not a field of status schema 1");
  EXPECT_EQ(refusal([](auto& j) { j["backend_state"] = "dancing"; }),
            "status: backend_state: unknown value \"dancing\"");
  EXPECT_EQ(refusal([](auto& j) { j["peers"][1]["lock_verdict"] = "trusted"; }),
            "status: peers[1].lock_verdict: unknown verdict \"trusted\"");
  EXPECT_EQ(refusal([](auto& j) { j["lock"]["enabled"] = false; }),
            "status: lock.enabled is false but lock.state is \"active\"");
  EXPECT_EQ(refusal([](auto& j) { j["lock"]["mode"] = "strict"; }), "status: lock.mode: unknown value \"strict\"");
  EXPECT_EQ(refusal([](auto& j) { j["self"]["online"] = 1; }), "status: self.online is not true or false");
  EXPECT_EQ(refusal([](auto& j) { j["self"]["node_id"] = "5"; }), "status: self.node_id is not an integer");
  EXPECT_EQ(refusal([](auto& j) { j["self"]["addresses"][1] = 5; }), "status: self.addresses[1] is not a string");
  EXPECT_EQ(refusal([](auto& j) { j["lock"]["would_reject_total"] = -1; }),
            "status: lock.would_reject_total is not a non-negative integer");
  EXPECT_EQ(refusal([](auto& j) { j["counters"]["lock_peers"]["trusted"] = 1; }),
            "status: counters.lock_peers: unknown value \"trusted\"");
  EXPECT_EQ(refusal([](auto& j) { j["counters"]["lock_sync_errors_total"]["dns"] = 1; }),
            "status: counters.lock_sync_errors_total: unknown value \"dns\"");
  EXPECT_EQ(refusal([](auto& j) { j["counters"]["map_errors_total"]["decode"] = 1.5; }),
            "status: counters.map_errors_total.decode is not a non-negative integer");
  EXPECT_EQ(refusal([](auto& j) { j["lock"]["trusted_keys"][0]["votes"] = 1ll << 40; }),
            "status: lock.trusted_keys[0].votes is out of range");
  EXPECT_EQ(refusal([](auto& j) { j["self"]["key_expiry"] = 5; }),
            "status: self.key_expiry is neither null nor an RFC 3339 time");
  EXPECT_NE(refusal([](auto& j) { j["self"]["key_expiry"] = "yesterday"; }).find("status: self.key_expiry: "),
            std::string::npos);
  EXPECT_NE(refusal([](auto& j) { j["peers"][0]["node_key"] = "nodekey:zz"; }).find("status: peers[0].node_key: "),
            std::string::npos);
}

TEST(ClientStatus, ReaderRefusesUnsortedOrRepeatedPeers) {
  EXPECT_EQ(refusal([](auto& j) { std::swap(j["peers"][0], j["peers"][1]); }),
            "status: peers[1].node_id 7 is out of order (peers are sorted by node_id, each once)");
  EXPECT_EQ(refusal([](auto& j) { j["peers"][1]["node_id"] = 7; }),
            "status: peers[1].node_id 7 is out of order (peers are sorted by node_id, each once)");
}

TEST(ClientStatus, ReaderAcceptsOtherTimeOffsets) {
  auto j = nlohmann::ordered_json::parse(status_to_json(sample()));
  j["self"]["key_expiry"] = "2026-01-02T05:04:05+02:00";
  auto r = status_from_json(j.dump());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->self.key_expiry, kExpiry);
}

}  // namespace
}  // namespace latchkey::client
