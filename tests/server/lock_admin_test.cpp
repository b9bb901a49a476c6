// The server admin's view and control of Tailnet Lock through the admin API
// (GET /v1/lock, GET /v1/lock/log, POST /v1/lock/disable): the decoder's
// routes and refusals, each node's verdict as upstream's client computes
// it, the chain newest first, and disabling with the support disablement
// secret reaching every map stream as a node's `tailscale lock disable`
// does. Nodes take part over real TS2021 connections (server/lock_node.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "server/admin_api.h"
#include "server/lock_node.h"
#include "server/server_fixture.h"
#include "server/tailnet_lock.h"
#include "tailcfg/go_time.h"

namespace latchkey::server {
namespace {

using nlohmann::json;
using testing::add_key_aums;
using testing::direct_signature;
using testing::enable;
using testing::lock_key;
using testing::LockNode;
using testing::ServerFixture;
using transport::testing::run_loopback;
using Op = AdminCall::Op;
namespace asio = boost::asio;

const Bytes kSupportSecret(32, 0x5a);

Result<AdminCall> decode(std::string method, std::string target, std::string body = "") {
  return decode_admin_request({std::move(method), std::move(target), std::move(body)});
}

json answer(AdminApi& api, std::string method, std::string target, std::string body, unsigned want_status) {
  const AdminResponse r = api.handle({std::move(method), std::move(target), std::move(body)},
                                     std::chrono::system_clock::now());
  EXPECT_EQ(r.status, want_status) << r.body;
  return json::parse(r.body);
}

// The node entry with this id in a GET /v1/lock answer (null when absent).
json node_entry(const json& status, store::NodeId id) {
  for (const auto& n : status["nodes"]) {
    if (n["id"] == id) return n;
  }
  return nullptr;
}

TEST(LockAdminDecode, Routes) {
  EXPECT_EQ(decode("GET", "/v1/lock")->op, Op::LockStatus);
  auto log = decode("GET", "/v1/lock/log");
  ASSERT_TRUE(log.ok()) << log.message();
  EXPECT_EQ(log->op, Op::LockLog);
  EXPECT_EQ(log->limit, 50u);
  EXPECT_EQ(decode("GET", "/v1/lock/log?limit=7")->limit, 7u);
  EXPECT_EQ(decode("GET", "/v1/lock/log?limit=1000")->limit, 1000u);
  auto off = decode("POST", "/v1/lock/disable", R"({"support":true})");
  ASSERT_TRUE(off.ok()) << off.message();
  EXPECT_EQ(off->op, Op::LockDisable);
}

TEST(LockAdminDecode, RefusalsSayWhatWasWrong) {
  struct Case {
    const char* method;
    const char* target;
    const char* body;
    ErrorKind kind;
    const char* text;
  };
  const Case cases[] = {
      {"GET", "/v1/lock/x", "", ErrorKind::NotFound, "no admin API route /v1/lock/x"},
      {"GET", "/v1/lock/log/1", "", ErrorKind::NotFound, "no admin API route"},
      {"POST", "/v1/lock", "", ErrorKind::Conflict, "method POST is not allowed on /v1/lock"},
      {"GET", "/v1/lock/disable", "", ErrorKind::Conflict, "not allowed"},
      {"DELETE", "/v1/lock/log", "", ErrorKind::Conflict, "not allowed"},
      {"GET", "/v1/lock", "{}", ErrorKind::Invalid, "takes no request body"},
      {"GET", "/v1/lock?user=a", "", ErrorKind::Invalid, "takes no query parameters"},
      {"GET", "/v1/lock/log?limit=0", "", ErrorKind::Invalid, "invalid limit \"0\""},
      {"GET", "/v1/lock/log?limit=x", "", ErrorKind::Invalid, "invalid limit \"x\""},
      {"GET", "/v1/lock/log?limit=1001", "", ErrorKind::Invalid, "larger than 1000"},
      {"GET", "/v1/lock/log?limit=5&x=1", "", ErrorKind::Invalid, "unsupported query"},
      {"GET", "/v1/lock/log?user=a", "", ErrorKind::Invalid, "only limit=N"},
      {"POST", "/v1/lock/disable", "", ErrorKind::Invalid, "not valid JSON"},
      {"POST", "/v1/lock/disable", "{\"support\":", ErrorKind::Invalid, "not valid JSON"},
      {"POST", "/v1/lock/disable", "[true]", ErrorKind::Invalid, "want a JSON object"},
      {"POST", "/v1/lock/disable", "{}", ErrorKind::Invalid, "field \"support\" must be true"},
      {"POST", "/v1/lock/disable", R"({"support":"yes"})", ErrorKind::Invalid, "field \"support\" must be true"},
      {"POST", "/v1/lock/disable", R"({"support":false})", ErrorKind::Invalid, "only the support disablement"},
      {"POST", "/v1/lock/disable", R"({"support":true,"secret":"x"})", ErrorKind::Invalid, "unknown field"},
      {"POST", "/v1/lock/disable?x=1", R"({"support":true})", ErrorKind::Invalid, "takes no query parameters"},
  };
  for (const auto& c : cases) {
    auto r = decode(c.method, c.target, c.body);
    ASSERT_FALSE(r.ok()) << c.method << " " << c.target << " " << c.body;
    EXPECT_EQ(r.kind(), c.kind) << c.target << ": " << r.message();
    EXPECT_NE(r.message().find(c.text), std::string::npos) << c.target << " " << c.body << ": " << r.message();
  }
}

TEST(LockAdmin, WithoutALockServiceTheRoutesAreUnavailable) {
  asio::io_context io;
  ServerFixture f(io);
  AdminApi api(f.server->tailnet());
  for (const char* target : {"/v1/lock", "/v1/lock/log"}) {
    const json e = answer(api, "GET", target, "", 503);
    EXPECT_NE(e["error"].get<std::string>().find("without a tailnet lock service"), std::string::npos) << e;
  }
  answer(api, "POST", "/v1/lock/disable", R"({"support":true})", 503);
  // A malformed body is still refused first, as on any route.
  answer(api, "POST", "/v1/lock/disable", "{", 400);
}

TEST(LockAdmin, OffStatusEmptyLogAndDisableRefused) {
  asio::io_context io;
  ServerFixture f(io);
  AdminApi api(f.server->tailnet(), &f.server->tailnet_lock());
  const json s = answer(api, "GET", "/v1/lock", "", 200);
  EXPECT_EQ(s, (json{{"mode", "off"}}));
  EXPECT_EQ(answer(api, "GET", "/v1/lock/log", "", 200), json::array());
  const json e = answer(api, "POST", "/v1/lock/disable", R"({"support":true})", 409);
  EXPECT_EQ(e["error"], "tailnet lock is not enabled");
  EXPECT_EQ(f.server->tailnet_lock().mode(), TailnetLock::Mode::Off);
  answer(api, "POST", "/v1/lock/disable", "{}", 400);
}

TEST(LockAdmin, StatusShowsTheKeysAndEveryNodesVerdict) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    AdminApi api(f.server->tailnet(), &f.server->tailnet_lock());
    LockNode a, b, c, d;
    CO_ASSERT_TRUE(co_await a.join(f, "alpha"));
    CO_ASSERT_TRUE(co_await b.join(f, "beta"));
    tka::Aum genesis;
    CO_ASSERT_TRUE(co_await enable(a, 2, genesis, kSupportSecret));
    // c joins after init: unsigned. d carries a signature by a key the lock
    // does not trust (the server's RPCs refuse such a one, so it is written
    // to the store directly: as if the lock's keys changed after signing).
    CO_ASSERT_TRUE(co_await c.join(f, "gamma"));
    CO_ASSERT_TRUE(co_await d.join(f, "delta"));
    const key::NLPrivate stranger = key::NLPrivate::generate();
    const Bytes forged = direct_signature(stranger, d.node.public_key(), d.nl.key_id());
    CO_ASSERT_TRUE(f.db->set_node_key_signature(d.id, forged, std::chrono::system_clock::now()).ok());

    const json s = answer(api, "GET", "/v1/lock", "", 200);
    EXPECT_EQ(s["mode"], "enabled");
    EXPECT_EQ(s["head"], genesis.hash().to_string());
    CO_ASSERT_TRUE(s["trusted_keys"].size() == 1u);
    EXPECT_EQ(s["trusted_keys"][0]["key"], a.nl.public_key().cli_string());
    EXPECT_EQ(s["trusted_keys"][0]["votes"], 1);
    EXPECT_EQ(s["disablement_secrets"], 2);
    EXPECT_EQ(s["support_disablement"], true);
    EXPECT_EQ(s["nodes"].size(), 4u);

    for (LockNode* n : {&a, &b}) {
      const json e = node_entry(s, n->id);
      EXPECT_EQ(e["signature"], "signed") << e;
      EXPECT_EQ(e["signed_by"], a.nl.public_key().cli_string()) << e;
      EXPECT_EQ(e["node_key"], n->node.public_key().to_string());
      EXPECT_EQ(e["nl_key"], n->nl.public_key().cli_string());
      EXPECT_FALSE(e.contains("reason"));
    }
    const json ec = node_entry(s, c.id);
    EXPECT_EQ(ec["signature"], "unsigned") << ec;
    EXPECT_EQ(ec["name"], "gamma");
    EXPECT_FALSE(ec.contains("signed_by"));
    const json ed = node_entry(s, d.id);
    EXPECT_EQ(ed["signature"], "invalid") << ed;
    EXPECT_NE(ed["reason"].get<std::string>().find("key not found"), std::string::npos) << ed;
    EXPECT_FALSE(ed.contains("signed_by"));

    // A signature for another node's key is invalid too, with upstream's reason.
    const Bytes misplaced = direct_signature(a.nl, a.node.public_key(), c.nl.key_id());
    CO_ASSERT_TRUE(f.db->set_node_key_signature(c.id, misplaced, std::chrono::system_clock::now()).ok());
    const json again = answer(api, "GET", "/v1/lock", "", 200);
    const json ec2 = node_entry(again, c.id);
    EXPECT_EQ(ec2["signature"], "invalid") << ec2;
    EXPECT_NE(ec2["reason"].get<std::string>().find("does not authorize"), std::string::npos) << ec2;
    for (LockNode* n : {&a, &b, &c, &d}) n->conn->close();
  });
}

TEST(LockAdmin, LogListsTheChainNewestFirst) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    AdminApi api(f.server->tailnet(), &f.server->tailnet_lock());
    LockNode a, b;
    CO_ASSERT_TRUE(co_await a.join(f, "alpha"));
    CO_ASSERT_TRUE(co_await b.join(f, "beta"));
    tka::Aum genesis;
    const auto before = std::chrono::system_clock::now();
    CO_ASSERT_TRUE(co_await enable(a, 2, genesis));
    // `tailscale lock add` of b's key, signed by a.
    const std::vector<tka::Aum> add = add_key_aums(std::vector<tka::Aum>(1, genesis), a.nl, lock_key(b.nl));
    CO_ASSERT_TRUE(add.size() == 1u);
    tailcfg::TkaSyncSendRequest send;
    send.version = 145;
    send.node_key = a.node.public_key();
    send.head = genesis.hash().to_string();
    send.interactive = true;
    send.missing_aums.emplace();
    send.missing_aums->push_back(add.front().serialize());
    CO_ASSERT_TRUE((co_await a.rpc("sync/send", send)).status == 200u);

    const json log = answer(api, "GET", "/v1/lock/log", "", 200);
    CO_ASSERT_TRUE(log.is_array() && log.size() == 2u);
    const json& added = log[0];
    EXPECT_EQ(added["hash"], add.front().hash().to_string());
    EXPECT_EQ(added["kind"], "add-key");
    EXPECT_EQ(added["parent"], genesis.hash().to_string());
    EXPECT_EQ(added["key"], b.nl.public_key().cli_string());
    EXPECT_EQ(added["votes"], 1);
    EXPECT_EQ(added["signatures"], json::array({a.nl.public_key().cli_string()}));
    CO_ASSERT_TRUE(added["committed_at"].is_string());
    const std::string year = tailcfg::GoTime::from_system(before).to_string().substr(0, 4);
    EXPECT_EQ(added["committed_at"].get<std::string>().substr(0, 4), year);
    EXPECT_EQ(added["committed_at"].get<std::string>().back(), 'Z');
    const json& first = log[1];
    EXPECT_EQ(first["hash"], genesis.hash().to_string());
    EXPECT_EQ(first["kind"], "checkpoint");
    EXPECT_TRUE(first["parent"].is_null());
    EXPECT_FALSE(first.contains("key"));
    EXPECT_EQ(first["signatures"], json::array({a.nl.public_key().cli_string()}));
    EXPECT_EQ(first["raw"], base64_encode(genesis.serialize()));
    EXPECT_EQ(added["raw"], base64_encode(add.front().serialize()));

    // ?limit keeps the newest.
    const json one = answer(api, "GET", "/v1/lock/log?limit=1", "", 200);
    CO_ASSERT_TRUE(one.size() == 1u);
    EXPECT_EQ(one[0]["kind"], "add-key");
    EXPECT_EQ(answer(api, "GET", "/v1/lock/log?limit=1000", "", 200).size(), 2u);
    // The status follows the head and lists the added key.
    const json s = answer(api, "GET", "/v1/lock", "", 200);
    EXPECT_EQ(s["head"], add.front().hash().to_string());
    EXPECT_EQ(s["trusted_keys"].size(), 2u);
    a.conn->close();
    b.conn->close();
  });
}

TEST(LockAdmin, SupportDisableTurnsTheLockOffForEveryNode) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    AdminApi api(f.server->tailnet(), &f.server->tailnet_lock());
    LockNode a, b;
    CO_ASSERT_TRUE(co_await a.join(f, "alpha"));
    CO_ASSERT_TRUE(co_await b.join(f, "beta"));
    tka::Aum genesis;
    CO_ASSERT_TRUE(co_await enable(a, 2, genesis, kSupportSecret));
    CO_ASSERT_TRUE((co_await a.next_with("TKAInfo")).has_value());
    CO_ASSERT_TRUE((co_await b.next_with("TKAInfo")).has_value());

    const json r = answer(api, "POST", "/v1/lock/disable", R"({"support":true})", 200);
    EXPECT_EQ(r["mode"], "disabled");
    EXPECT_EQ(f.server->tailnet_lock().mode(), TailnetLock::Mode::Disabled);
    // Every stream sees the lock off, and a node bootstrapping is given the
    // support secret to check against its own disablement values.
    for (LockNode* n : {&a, &b}) {
      auto gone = co_await n->next_with("TKAInfo");
      CO_ASSERT_TRUE(gone.has_value());
      EXPECT_EQ((*gone)["TKAInfo"]["Disabled"], true);
    }
    tailcfg::TkaBootstrapRequest boot;
    boot.version = 145;
    boot.node_key = b.node.public_key();
    boot.head = genesis.hash().to_string();
    auto bs = co_await b.rpc("bootstrap", boot);
    CO_ASSERT_TRUE(bs.status == 200u);
    EXPECT_EQ(tailcfg::decode_json<tailcfg::TkaBootstrapResponse>(bs.body)->disablement_secret, kSupportSecret);
    EXPECT_TRUE(f.db->list_aums()->empty());
    EXPECT_EQ(answer(api, "GET", "/v1/lock", "", 200), (json{{"mode", "disabled"}}));
    // Once off, a second disable is refused.
    const json e = answer(api, "POST", "/v1/lock/disable", R"({"support":true})", 409);
    EXPECT_EQ(e["error"], "tailnet lock is not enabled");
    a.conn->close();
    b.conn->close();
  });
}

TEST(LockAdmin, SupportDisableNeedsTheServerToHoldASecret) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    AdminApi api(f.server->tailnet(), &f.server->tailnet_lock());
    LockNode a;
    CO_ASSERT_TRUE(co_await a.join(f, "alpha"));
    tka::Aum genesis;
    CO_ASSERT_TRUE(co_await enable(a, 1, genesis));
    EXPECT_EQ(answer(api, "GET", "/v1/lock", "", 200)["support_disablement"], false);
    const json e = answer(api, "POST", "/v1/lock/disable", R"({"support":true})", 409);
    EXPECT_NE(e["error"].get<std::string>().find("holds no support disablement secret"), std::string::npos) << e;
    EXPECT_EQ(f.server->tailnet_lock().mode(), TailnetLock::Mode::Enabled);
    EXPECT_EQ(f.server->metrics().errors("tka_no_support_disablement"), 1u);
    // A stored secret that is none of the lock's disablement values would
    // leave nodes unable to follow the disablement: refused (Argon2i check).
    CO_ASSERT_TRUE(f.db->set_tka_value("support_disablement", Bytes(32, 0x77)).ok());
    EXPECT_EQ(answer(api, "GET", "/v1/lock", "", 200)["support_disablement"], true);
    const json wrong = answer(api, "POST", "/v1/lock/disable", R"({"support":true})", 409);
    EXPECT_NE(wrong["error"].get<std::string>().find("does not disable this lock"), std::string::npos) << wrong;
    EXPECT_EQ(f.server->tailnet_lock().mode(), TailnetLock::Mode::Enabled);
    EXPECT_FALSE(f.db->list_aums()->empty());
    a.conn->close();
  });
}

}  // namespace
}  // namespace latchkey::server
