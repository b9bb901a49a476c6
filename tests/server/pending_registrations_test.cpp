// Interactive logins need no key, so what they store is bounded: one
// pending registration per machine key (a new login replaces the older),
// a total cap, a bounded Hostinfo, and expired entries removed at start
// and periodically (on the server's blocking executor). The gauge in the
// metrics follows.
#include <gtest/gtest.h>

#include <chrono>

#include "server/server_fixture.h"

namespace latchkey::server {
namespace {

using namespace std::chrono_literals;
using testing::ServerFixture;
using testing::SimNode;
using transport::testing::run_loopback;
using transport::testing::sleep_for;
namespace asio = boost::asio;

std::string auth_id_of(const tailcfg::RegisterResponse& r) { return r.auth_url.substr(r.auth_url.rfind('/') + 1); }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(PendingRegistrationLimits, ANewLoginReplacesTheMachinesOlderOne) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    SimNode a;
    a.hostname = "laptop";
    CO_ASSERT_TRUE(co_await a.connect(f));
    auto first = co_await a.register_with(a.register_request(""));
    CO_ASSERT_TRUE(first.has_value() && !first->auth_url.empty());
    // The client restarts with a new node key and logs in again.
    a.node = key::NodePrivate::generate();
    auto second = co_await a.register_with(a.register_request(""));
    CO_ASSERT_TRUE(second.has_value() && !second->auth_url.empty());
    EXPECT_NE(second->auth_url, first->auth_url);

    auto pending = f.db->list_pending_registrations();
    CO_ASSERT_TRUE(pending.ok());
    CO_ASSERT_TRUE(pending->size() == 1u);
    EXPECT_EQ((*pending)[0].auth_id, auth_id_of(*second));
    EXPECT_EQ((*pending)[0].node_key, a.node.public_key());
    EXPECT_EQ(f.server->metrics().pending_registrations.load(), 1);
    EXPECT_TRUE(has(f.server->metrics_text(), "latchkey_pending_registrations 1\n"));

    // Following up the replaced login: told so, not left waiting.
    auto old = a.register_request("");
    old.followup = first->auth_url;
    auto told = co_await a.register_with(old);
    CO_ASSERT_TRUE(told.has_value());
    EXPECT_FALSE(told->machine_authorized);
    EXPECT_FALSE(told->error.empty());

    // Approving the current one empties the table and the gauge.
    auto n = f.server->tailnet().approve_registration(auth_id_of(*second), f.user.id, std::chrono::system_clock::now());
    CO_ASSERT_TRUE(n.ok());
    EXPECT_EQ(f.server->metrics().pending_registrations.load(), 0);
    EXPECT_TRUE(f.db->list_pending_registrations()->empty());
    a.conn->close();
  });
}

TEST(PendingRegistrationLimits, TheTotalIsCapped) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto config = testing::test_config();
    config.tailnet.max_pending_registrations = 2;
    ServerFixture f(io, config);
    SimNode a, b, c;
    for (SimNode* n : {&a, &b, &c}) CO_ASSERT_TRUE(co_await n->connect(f));
    auto ra = co_await a.register_with(a.register_request(""));
    auto rb = co_await b.register_with(b.register_request(""));
    CO_ASSERT_TRUE(ra.has_value() && !ra->auth_url.empty());
    CO_ASSERT_TRUE(rb.has_value() && !rb->auth_url.empty());
    auto rc = co_await c.register_with(c.register_request(""));
    CO_ASSERT_TRUE(rc.has_value());
    EXPECT_TRUE(rc->auth_url.empty());
    EXPECT_EQ(rc->error, "too many registrations are waiting for approval; try again later");
    EXPECT_EQ(f.db->list_pending_registrations()->size(), 2u);
    EXPECT_EQ(f.server->metrics().registrations("pending_registrations_full"), 1u);
    EXPECT_EQ(f.server->metrics().errors("pending_registrations_full"), 1u);
    EXPECT_TRUE(has(f.server->metrics_text(), "latchkey_pending_registrations 2\n"));

    // A machine already waiting may still log in again (it replaces its
    // own entry), and once one is approved there is room again.
    a.node = key::NodePrivate::generate();
    auto again = co_await a.register_with(a.register_request(""));
    CO_ASSERT_TRUE(again.has_value());
    EXPECT_FALSE(again->auth_url.empty()) << again->error;
    CO_ASSERT_TRUE(
        f.server->tailnet().approve_registration(auth_id_of(*rb), f.user.id, std::chrono::system_clock::now()).ok());
    auto rc2 = co_await c.register_with(c.register_request(""));
    CO_ASSERT_TRUE(rc2.has_value());
    EXPECT_FALSE(rc2->auth_url.empty()) << rc2->error;
    EXPECT_EQ(f.server->metrics().pending_registrations.load(), 2);
    for (SimNode* n : {&a, &b, &c}) n->conn->close();
  });
}

TEST(PendingRegistrationLimits, TheStoredHostinfoIsBounded) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    const std::size_t limit = f.server->tailnet().config().max_pending_hostinfo_bytes;
    SimNode a;
    a.hostname = "big-services";
    CO_ASSERT_TRUE(co_await a.connect(f));
    auto req = a.register_request("");
    for (std::uint16_t port = 1; port <= 2000; ++port) {
      req.hostinfo->services.push_back(tailcfg::Service{"tcp", port, "a listening service"});
    }
    req.hostinfo->os_version = "6.1.0";
    auto r = co_await a.register_with(req);
    CO_ASSERT_TRUE(r.has_value() && !r->auth_url.empty());
    auto stored = f.db->get_pending_registration(auth_id_of(*r));
    CO_ASSERT_TRUE(stored.ok());
    EXPECT_LE(stored->hostinfo_json.size(), limit);
    auto hi = tailcfg::decode_json<tailcfg::Hostinfo>(stored->hostinfo_json);
    CO_ASSERT_TRUE(hi.ok());
    EXPECT_EQ(hi->hostname, "big-services");
    EXPECT_EQ(hi->os, "linux");
    EXPECT_EQ(hi->os_version, "6.1.0");
    EXPECT_TRUE(hi->services.empty());
    // Approved, the node is named after it.
    auto n = f.server->tailnet().approve_registration(auth_id_of(*r), f.user.id, std::chrono::system_clock::now());
    CO_ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->given_name, "big-services");

    // Even the identifying fields too large: refused, nothing stored.
    SimNode b;
    CO_ASSERT_TRUE(co_await b.connect(f));
    auto huge = b.register_request("");
    huge.hostinfo->hostname = std::string(limit + 1, 'h');
    auto refused = co_await b.register_with(huge);
    CO_ASSERT_TRUE(refused.has_value());
    EXPECT_TRUE(refused->auth_url.empty());
    EXPECT_TRUE(has(refused->error, "Hostinfo is too large")) << refused->error;
    EXPECT_TRUE(f.db->list_pending_registrations()->empty());
    EXPECT_EQ(f.server->metrics().errors("hostinfo_too_large"), 1u);
    a.conn->close();
    b.conn->close();
  });
}

store::PendingRegistration pending(const std::string& auth_id, std::chrono::system_clock::time_point expires) {
  store::PendingRegistration p;
  p.auth_id = auth_id;
  p.machine_key = key::MachinePrivate::generate().public_key();
  p.node_key = key::NodePrivate::generate().public_key();
  p.created_at = expires - 15min;
  p.expires_at = expires;
  return p;
}

// Polls `done` until it holds or `limit` passes.
asio::awaitable<bool> eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) co_return false;
    co_await sleep_for(10ms);
  }
  co_return true;
}

TEST(PendingRegistrationLimits, ExpiredOnesDoNotCountAgainstTheCap) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto config = testing::test_config();
    config.tailnet.max_pending_registrations = 2;
    ServerFixture f(io, config);
    // The cap is full of entries that expired since the last purge.
    const auto now = std::chrono::system_clock::now();
    CO_ASSERT_TRUE(f.db->create_pending_registration(pending("stale1", now - 1min)).ok());
    CO_ASSERT_TRUE(f.db->create_pending_registration(pending("stale2", now - 1s)).ok());
    SimNode a;
    CO_ASSERT_TRUE(co_await a.connect(f));
    auto r = co_await a.register_with(a.register_request(""));
    CO_ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->auth_url.empty()) << r->error;
    auto left = f.db->list_pending_registrations();
    CO_ASSERT_TRUE(left.ok());
    CO_ASSERT_TRUE(left->size() == 1u);
    EXPECT_EQ((*left)[0].auth_id, auth_id_of(*r));
    EXPECT_EQ(f.server->metrics().registrations("pending_registrations_full"), 0u);
    a.conn->close();
  });
}

TEST(PendingRegistrationLimits, ExpiredOnesAreRemovedAtStart) {
  testing::TempDir dir;
  store::StoreConfig sc;
  sc.sqlite_path = (dir.path() / "latchkey.db").string();
  auto opened = store::Store::open(sc);
  ASSERT_TRUE(opened.ok()) << opened.message();
  std::shared_ptr<store::Store> db(std::move(*opened));
  const auto now = std::chrono::system_clock::now();
  // Left by an earlier run of the server.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(db->create_pending_registration(pending("gone" + std::to_string(i), now - 1min)).ok());
  ASSERT_TRUE(db->create_pending_registration(pending("waiting", now + 10min)).ok());
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    auto config = testing::test_config();
    config.pending_purge_interval = std::chrono::hours(1);  // only the purge at start can do it
    auto s = ControlServer::create(io, config, db);
    CO_ASSERT_TRUE(s.ok());
    (*s)->start();
    const bool purged = co_await eventually([&] {
      auto left = db->list_pending_registrations();
      return left.ok() && left->size() == 1u;
    });
    EXPECT_TRUE(purged);
    EXPECT_EQ(db->list_pending_registrations()->at(0).auth_id, "waiting");
    EXPECT_TRUE(co_await eventually([&] { return (*s)->metrics().pending_registrations.load() == 1; }));
    EXPECT_TRUE(has((*s)->metrics_text(), "latchkey_pending_registrations 1\n"));
    (*s)->stop();
  });
}

TEST(PendingRegistrationLimits, ExpiredOnesAreRemovedPeriodically) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto config = testing::test_config();
    config.pending_purge_interval = 50ms;
    ServerFixture f(io, config);
    const auto now = std::chrono::system_clock::now();
    // Stored while the server runs, expiring shortly.
    CO_ASSERT_TRUE(f.db->create_pending_registration(pending("soon", now + 300ms)).ok());
    CO_ASSERT_TRUE(f.db->create_pending_registration(pending("later", now + 10min)).ok());
    const bool purged = co_await eventually([&] {
      auto left = f.db->list_pending_registrations();
      return left.ok() && left->size() == 1u;
    });
    EXPECT_TRUE(purged);
    EXPECT_EQ(f.db->list_pending_registrations()->at(0).auth_id, "later");
    EXPECT_TRUE(co_await eventually([&] { return f.server->metrics().pending_registrations.load() == 1; }));
  });
}

}  // namespace
}  // namespace latchkey::server
