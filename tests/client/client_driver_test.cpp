// The client's driver against an in-process `latchkey serve` on loopback:
// login with a pre-auth key and with the stored node key, the map stream
// feeding the peer table, the lock bootstrapped and synced from the
// server's RPCs, verdicts as the lock's signatures say, verify-and-log
// against enforce. The server runs on the test thread, the client on its
// own; the test waits for conditions the client reports, never for time.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <atomic>
#include <future>
#include <optional>
#include <mutex>
#include <thread>
#include <vector>

#include "client/client.h"
#include "client/client_test_util.h"
#include "client/identity.h"
#include "server/lock_node.h"
#include "server/server_fixture.h"
#include "transport/tls_cert.h"

namespace latchkey::client {
namespace {

using server::testing::enable;
using server::testing::LockNode;
using server::testing::ServerFixture;
using server::testing::TempDir;
using transport::testing::run_loopback;
namespace asio = boost::asio;
using testing::Lines;
using testing::until;
using namespace std::chrono_literals;

std::string url_of(const ServerFixture& f) {
  return "http://127.0.0.1:" + std::to_string(f.server->local_endpoint().port());
}


std::unique_ptr<Client> make_client(const ServerFixture& f, const std::filesystem::path& dir, std::string auth_key,
                                    std::string hostname, Lines& lines, LockMode mode = LockMode::VerifyAndLog) {
  ClientOptions o;
  o.login_server = url_of(f);
  o.auth_key = std::move(auth_key);
  o.hostname = std::move(hostname);
  o.state_dir = dir;
  o.lock_mode = mode;
  o.log = lines.sink();
  auto c = Client::create(std::move(o));
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.message());
  return c.ok() ? std::move(*c) : nullptr;
}


const PeerStatus* peer_named(const ClientStatus& s, std::string_view host) {
  for (const auto& p : s.peers) {
    if (p.name.substr(0, p.name.find('.')) == host) return &p;
  }
  return nullptr;
}

TEST(ClientDriver, JoinsWithAnAuthKeyFollowsPeersAndLogsInAgainWithTheStoredKey) {
  TempDir state;
  Lines lines;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode beta;
    CO_ASSERT_TRUE(co_await beta.join(f, "beta"));

    auto c = make_client(f, state.path() / "alpha", f.auth_key(), "alpha", lines);
    CO_ASSERT_TRUE(c != nullptr);
    std::vector<ClientEvent> events;
    std::mutex mu;
    c->subscribe([&](const ClientEvent& e) {
      std::lock_guard<std::mutex> g(mu);
      events.push_back(e);
    });
    c->start();
    CO_ASSERT_TRUE(co_await until(*c, [](const ClientStatus& x) {
      return x.backend_state == BackendState::Running && x.self.node_id != 0 && peer_named(x, "beta") != nullptr;
    }));
    auto s = c->status();
    EXPECT_FALSE(s.self.addresses.empty());
    EXPECT_EQ(s.lock.state, LockView::State::Off);
    EXPECT_EQ(peer_named(s, "beta")->lock_verdict, LockVerdict::None);
    EXPECT_TRUE(peer_named(s, "beta")->exposed);
    EXPECT_GE(s.counters.map_frames_total.full, 1u);
    // The server knows the node under the name and key it registered.
    auto n = f.db->find_node_by_node_key(s.self.node_key);
    CO_ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->hostname, "alpha");

    // A node joining later arrives as a delta.
    LockNode gamma;
    CO_ASSERT_TRUE(co_await gamma.join(f, "gamma"));
    CO_ASSERT_TRUE(co_await until(*c, [](const ClientStatus& x) { return peer_named(x, "gamma") != nullptr; }));
    {
      std::lock_guard<std::mutex> g(mu);
      bool added = false;
      for (const auto& e : events) {
        added = added || (e.type == ClientEvent::Type::Peer && e.peer->kind == PeerEvent::Kind::Added &&
                          e.peer->node->hostinfo && e.peer->node->hostinfo->hostname == "gamma");
      }
      EXPECT_TRUE(added);
    }
    const key::NodePublic first_key = s.self.node_key;
    c->stop();
    EXPECT_EQ(c->status().backend_state, BackendState::Stopped);
    c.reset();

    // Started again without a key: the stored node key logs in.
    auto again = make_client(f, state.path() / "alpha", "", "alpha", lines);
    CO_ASSERT_TRUE(again != nullptr);
    again->start();
    CO_ASSERT_TRUE(co_await until(*again, [&](const ClientStatus& x) {
      return x.backend_state == BackendState::Running && x.self.node_id != 0 && x.self.node_key == first_key && x.peers.size() == 2;
    }));
    again->stop();
    beta.conn->close();
    gamma.conn->close();
  }, 60s);
}

// The WebSocket form of /ts2021 (what a client behind a proxy that only
// passes WebSockets uses) carries the same login and map stream.
TEST(ClientDriver, JoinsOverTheWebSocketForm) {
  TempDir state;
  Lines lines;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode beta;
    CO_ASSERT_TRUE(co_await beta.join(f, "beta"));
    ClientOptions o;
    o.login_server = url_of(f);
    o.auth_key = f.auth_key();
    o.hostname = "alpha";
    o.state_dir = state.path() / "alpha";
    o.websocket = true;
    o.log = lines.sink();
    auto c = Client::create(std::move(o));
    CO_ASSERT_TRUE(c.ok());
    (*c)->start();
    CO_ASSERT_TRUE(co_await until(**c, [](const ClientStatus& x) {
      return x.backend_state == BackendState::Running && peer_named(x, "beta") != nullptr;
    }));
    EXPECT_TRUE(f.db->find_node_by_node_key((*c)->status().self.node_key).ok());
    (*c)->stop();
    beta.conn->close();
  }, 60s);
}

// An https login server: its certificate is checked where the Noise key
// comes from (/key). Not trusted: nothing is sent, the reason is logged;
// trusted through tls_ca_file: the node joins. A CA file that does not
// load is refused at create.
TEST(ClientDriver, AnHttpsLoginServerMustPresentATrustedCertificate) {
  TempDir state;
  Lines refused, joined;
  const auto ca = state.path() / "ca.pem";
  {
    std::ofstream out(ca);
    out << transport::testing::test_certificate().cert_pem;
  }
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    auto config = server::testing::test_config();
    config.transport.tls = transport::testing::self_signed_server_context();
    ServerFixture f(io, std::move(config));
    const std::string url = "https://127.0.0.1:" + std::to_string(f.server->local_endpoint().port());
    auto options = [&](const std::string& dir, Lines& lines) {
      ClientOptions o;
      o.login_server = url;
      o.auth_key = f.auth_key(/*reusable=*/true);
      o.hostname = dir;
      o.state_dir = state.path() / dir;
      o.log = lines.sink();
      return o;
    };
    auto untrusting = Client::create(options("plain", refused));
    CO_ASSERT_TRUE(untrusting.ok());
    (*untrusting)->start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!refused.contains("certificate verify failed") && std::chrono::steady_clock::now() < deadline) {
      co_await transport::testing::sleep_for(10ms);
    }
    EXPECT_TRUE(refused.contains("certificate verify failed"));
    EXPECT_EQ((*untrusting)->status().backend_state, BackendState::Starting);
    auto nodes = f.db->list_nodes();
    CO_ASSERT_TRUE(nodes.ok());
    EXPECT_TRUE(nodes->empty());  // the pre-auth key never left the client
    (*untrusting)->stop();

    auto o = options("trusting", joined);
    o.tls_ca_file = ca.string();
    auto trusting = Client::create(o);
    CO_ASSERT_TRUE(trusting.ok());
    (*trusting)->start();
    CO_ASSERT_TRUE(co_await until(**trusting, [](const ClientStatus& x) {
      return x.backend_state == BackendState::Running && x.self.node_id != 0;
    }));
    (*trusting)->stop();

    o.tls_ca_file = (state.path() / "missing.pem").string();
    o.state_dir = state.path() / "third";
    auto bad = Client::create(o);
    CO_ASSERT_TRUE(!bad.ok());
    EXPECT_NE(bad.message().find("--tls-ca-file"), std::string::npos) << bad.message();
  }, 60s);
}

TEST(ClientDriver, AnUnknownControlServerIsRetriedAndReported) {
  TempDir state;
  Lines lines;
  ClientOptions o;
  o.login_server = "http://127.0.0.1:1";  // nothing listens on port 1
  o.auth_key = "tskey-auth-x";
  o.state_dir = state.path() / "c";
  o.log = lines.sink();
  auto c = Client::create(std::move(o));
  ASSERT_TRUE(c.ok()) << c.message();
  (*c)->start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!lines.contains("login: ") && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(lines.contains("/key")) << "no login error was logged";
  EXPECT_EQ((*c)->status().backend_state, BackendState::Starting);
  (*c)->stop();
}

TEST(ClientDriver, BadOptionsAreRefusedBeforeAnythingStarts) {
  TempDir state;
  ClientOptions o;
  o.login_server = "ftp://example.com";
  o.state_dir = state.path() / "c";
  auto c = Client::create(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.message().find("--login-server"), std::string::npos) << c.message();
  o.login_server = "http://127.0.0.1:1";
  o.state_dir.clear();
  EXPECT_FALSE(Client::create(o).ok());
  o.state_dir = state.path() / "c";
  for (auto bad : {0ms, -1ms}) {
    ClientOptions w = o;
    w.map_watchdog = bad;
    auto r = Client::create(w);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("map watchdog"), std::string::npos) << r.message();
    w = o;
    w.lock_rpc_deadline = bad;
    EXPECT_FALSE(Client::create(w).ok());
  }
  // A second client on the same state directory is refused (its lock).
  o.state_dir = state.path() / "c";
  auto first = Client::create(o);
  ASSERT_TRUE(first.ok()) << first.message();
  auto second = Client::create(o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.kind(), ErrorKind::Unavailable);
}

TEST(ClientDriver, BootstrapsTheLockAndJudgesEveryPeerByItsSignature) {
  TempDir state;
  Lines lines, enforce_lines;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode a;
    CO_ASSERT_TRUE(co_await a.join(f, "admin"));
    auto c = make_client(f, state.path() / "c", f.auth_key(), "ours", lines);
    auto e = make_client(f, state.path() / "e", f.auth_key(), "strict", enforce_lines, LockMode::Enforce);
    CO_ASSERT_TRUE(c != nullptr && e != nullptr);
    c->start();
    e->start();
    const std::array<Client*, 2> both{c.get(), e.get()};
    for (Client* cl : both) {
      CO_ASSERT_TRUE(co_await until(*cl, [](const ClientStatus& x) {
        return x.backend_state == BackendState::Running && x.peers.size() == 2;
      }));
    }
    // The admin node initialises the lock and signs all three nodes (our
    // clients' lock keys were sent at registration, so it can).
    tka::Aum genesis;
    CO_ASSERT_TRUE(co_await enable(a, 3, genesis));
    const std::string head = genesis.hash().to_string();
    for (Client* cl : both) {
      CO_ASSERT_TRUE(co_await until(*cl, [&](const ClientStatus& x) {
        return x.lock.state == LockView::State::Active && x.lock.head == head &&
               x.self.lock_verdict == LockVerdict::Authorized && x.peers.size() == 2 &&
               x.peers[0].lock_verdict == LockVerdict::Authorized && x.peers[1].lock_verdict == LockVerdict::Authorized;
      }));
    }
    auto s = c->status();
    CO_ASSERT_TRUE(s.lock.trusted_keys.size() == 1u);
    EXPECT_EQ(s.lock.trusted_keys[0].key, a.nl.public_key().cli_string());
    EXPECT_EQ(s.lock.would_reject_total, 0u);
    // The authority is on disk: a restart starts from it (no bootstrap).
    EXPECT_TRUE(std::filesystem::exists(state.path() / "c" / "tka"));

    // A node that joins after init is unsigned: admitted and counted in
    // verify-and-log, hidden under enforce.
    LockNode late;
    CO_ASSERT_TRUE(co_await late.join(f, "late"));
    CO_ASSERT_TRUE(co_await until(*c, [](const ClientStatus& x) {
      const auto* p = peer_named(x, "late");
      return p && p->lock_verdict == LockVerdict::Unsigned;
    }));
    s = c->status();
    EXPECT_TRUE(peer_named(s, "late")->exposed);
    EXPECT_EQ(s.lock.would_reject_total, 1u);
    EXPECT_EQ(s.lock.rejected_total, 0u);
    EXPECT_TRUE(lines.contains("unsigned"));
    CO_ASSERT_TRUE(co_await until(*e, [](const ClientStatus& x) {
      const auto* p = peer_named(x, "late");
      return p && p->lock_verdict == LockVerdict::Unsigned && !p->exposed;
    }));
    EXPECT_EQ(e->status().lock.rejected_total, 1u);
    // The data plane's view: the full nodes of the exposed peers only.
    EXPECT_EQ(c->exposed_peers().size(), 3u);
    const auto strict_peers = e->exposed_peers();
    EXPECT_EQ(strict_peers.size(), 2u);
    for (const auto& n : strict_peers) EXPECT_NE(n->key, late.node.public_key());
    EXPECT_EQ(e->self_node()->key, e->status().self.node_key);

    // Signed by the trusted key afterwards (`tailscale lock sign`): admitted.
    tailcfg::TkaSubmitSignatureRequest sign;
    sign.version = 145;
    sign.node_key = a.node.public_key();
    sign.signature = server::testing::direct_signature(a.nl, late.node.public_key(), late.nl.key_id());
    auto r = co_await a.rpc("sign", sign);
    CO_ASSERT_TRUE(r.status == 200u);
    for (Client* cl : both) {
      CO_ASSERT_TRUE(co_await until(*cl, [](const ClientStatus& x) {
        const auto* p = peer_named(x, "late");
        return p && p->lock_verdict == LockVerdict::Authorized && p->exposed;
      }));
    }
    c->stop();
    e->stop();
    a.conn->close();
    late.conn->close();
  }, 90s);
}

// `tailscale lock add` elsewhere moves the head: the client syncs to it
// (sync/offer, the missing AUM informed) and trusts the new key; `lock
// disable` with the right secret switches the lock off here too and drops
// the local lock state.
TEST(ClientDriver, FollowsAHeadChangeBySyncAndADisableWithItsSecret) {
  TempDir state;
  Lines lines;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode a, b;
    CO_ASSERT_TRUE(co_await a.join(f, "admin"));
    CO_ASSERT_TRUE(co_await b.join(f, "second"));
    auto c = make_client(f, state.path() / "c", f.auth_key(), "ours", lines);
    CO_ASSERT_TRUE(c != nullptr);
    c->start();
    CO_ASSERT_TRUE(co_await until(*c, [](const ClientStatus& x) { return x.peers.size() == 2; }));
    tka::Aum genesis;
    CO_ASSERT_TRUE(co_await enable(a, 3, genesis));
    CO_ASSERT_TRUE(co_await until(*c, [&](const ClientStatus& x) {
      return x.lock.head == genesis.hash().to_string() && x.lock.trusted_keys.size() == 1;
    }));

    const std::vector<tka::Aum> add =
        server::testing::add_key_aums(std::vector<tka::Aum>(1, genesis), a.nl, server::testing::lock_key(b.nl));
    CO_ASSERT_TRUE(!add.empty());
    tailcfg::TkaSyncSendRequest send;
    send.version = 145;
    send.node_key = a.node.public_key();
    send.head = genesis.hash().to_string();
    send.interactive = true;
    send.missing_aums.emplace();
    for (const auto& x : add) send.missing_aums->push_back(x.serialize());
    CO_ASSERT_TRUE((co_await a.rpc("sync/send", send)).status == 200u);
    const std::string new_head = add.back().hash().to_string();
    CO_ASSERT_TRUE(co_await until(*c, [&](const ClientStatus& x) {
      return x.lock.head == new_head && x.lock.trusted_keys.size() == 2;
    }));
    EXPECT_EQ(c->status().lock.last_sync_error, "");
    EXPECT_TRUE(c->status().lock.last_sync_at.has_value());

    tailcfg::TkaDisableRequest off;
    off.version = 145;
    off.node_key = a.node.public_key();
    off.head = new_head;
    off.disablement_secret = server::testing::kSecret;
    CO_ASSERT_TRUE((co_await a.rpc("disable", off)).status == 200u);
    CO_ASSERT_TRUE(co_await until(*c, [](const ClientStatus& x) {
      return x.lock.state == LockView::State::Off && x.lock.head.empty() && x.peers.size() == 2 &&
             x.peers[0].lock_verdict == LockVerdict::None && x.peers[1].lock_verdict == LockVerdict::None;
    }));
    const auto tka_dir = state.path() / "c" / "tka";
    EXPECT_TRUE(!std::filesystem::exists(tka_dir) || std::filesystem::is_empty(tka_dir)) << "local lock state kept";
    c->stop();
    a.conn->close();
    b.conn->close();
  }, 60s);
}

// Runs a blocking client call on its own thread while the test's server
// keeps serving on this one; the result once it returned, nullopt after
// `limit` (the thread is then left to finish on its own: waiting for it
// here would stop the server it waits for).
template <class F>
asio::awaitable<std::optional<std::invoke_result_t<F&>>> off_thread(F fn, std::chrono::milliseconds limit = 20s) {
  using R = std::invoke_result_t<F&>;
  auto done = std::make_shared<std::promise<R>>();
  auto result = done->get_future();
  std::thread([done, fn = std::move(fn)]() mutable { done->set_value(fn()); }).detach();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (result.wait_for(0s) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() >= deadline) co_return std::nullopt;
    co_await transport::testing::sleep_for(10ms);
  }
  co_return result.get();
}

TEST(ClientDriver, AnExpiredNodeKeyIsReplacedByANewLoginOnTheSameNode) {
  TempDir state;
  Lines lines;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode beta;
    CO_ASSERT_TRUE(co_await beta.join(f, "beta"));
    auto c = make_client(f, state.path() / "alpha", f.auth_key(/*reusable=*/true), "alpha", lines);
    CO_ASSERT_TRUE(c != nullptr);
    std::vector<std::string> states;
    std::mutex mu;
    c->subscribe([&](const ClientEvent& e) {
      std::lock_guard<std::mutex> g(mu);
      if (e.type == ClientEvent::Type::State) states.push_back(e.text);
    });
    c->start();
    CO_ASSERT_TRUE(co_await until(*c, [](const ClientStatus& x) {
      return x.backend_state == BackendState::Running && peer_named(x, "beta") != nullptr;
    }));
    const auto before = c->status().self;

    // The administrator expires the node: its key is over now.
    CO_ASSERT_TRUE(f.server->tailnet().expire_node(before.node_id, std::chrono::system_clock::now()).ok());
    CO_ASSERT_TRUE(co_await until(*c, [&](const ClientStatus& x) {
      return x.backend_state == BackendState::Running && x.self.node_key != before.node_key &&
             x.self.node_id == before.node_id && peer_named(x, "beta") != nullptr;
    }));
    EXPECT_TRUE(lines.contains("expired; logging in again")) << "the expiry was not logged";
    {
      std::lock_guard<std::mutex> g(mu);
      EXPECT_NE(std::find(states.begin(), states.end(), "needs_login"), states.end());
    }
    // The server holds the node under the new key, no longer expired; the
    // old key is gone; the new key is what the state directory keeps.
    const auto now_key = c->status().self.node_key;
    auto n = f.db->find_node_by_node_key(now_key);
    CO_ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->id, before.node_id);
    EXPECT_FALSE(n->expired(std::chrono::system_clock::now()));
    EXPECT_FALSE(f.db->find_node_by_node_key(before.node_key).ok());
    c->stop();
    c.reset();
    auto stored = StateDirectory::open(state.path() / "alpha");
    CO_ASSERT_TRUE(stored.ok());
    auto id = stored->load_or_create(url_of(f));
    CO_ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->private_node_key.public_key(), now_key);
    beta.conn->close();
  }, 60s);
}

TEST(ClientDriver, LogoutExpiresTheNodeOnTheServerAndForgetsTheKey) {
  TempDir state;
  Lines lines;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode beta;
    CO_ASSERT_TRUE(co_await beta.join(f, "beta"));
    auto c = make_client(f, state.path() / "alpha", f.auth_key(), "alpha", lines);
    CO_ASSERT_TRUE(c != nullptr);
    std::atomic<int> removed{0};
    c->subscribe([&](const ClientEvent& e) {
      if (e.type == ClientEvent::Type::Peer && e.peer->kind == PeerEvent::Kind::Removed) ++removed;
    });
    // Not running yet: nothing to log out of.
    EXPECT_EQ(c->logout().kind(), ErrorKind::Conflict);
    c->start();
    CO_ASSERT_TRUE(co_await until(*c, [](const ClientStatus& x) {
      return x.backend_state == BackendState::Running && peer_named(x, "beta") != nullptr;
    }));
    const auto self = c->status().self;
    auto st = co_await off_thread([&] { return c->logout(); });
    CO_ASSERT_TRUE(st.has_value());  // logout returned
    EXPECT_TRUE(st->ok()) << st->message();
    auto s = c->status();
    EXPECT_EQ(s.backend_state, BackendState::NeedsLogin);
    EXPECT_TRUE(s.peers.empty());
    EXPECT_EQ(removed.load(), 1);
    // The server expired the node; a second logout is refused.
    auto n = f.db->find_node_by_node_key(self.node_key);
    CO_ASSERT_TRUE(n.ok());
    EXPECT_TRUE(n->expired(std::chrono::system_clock::now()));
    auto again = co_await off_thread([&] { return c->logout(); });
    CO_ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->kind(), ErrorKind::Conflict);
    c->stop();
    c.reset();
    // The state directory keeps the machine key and nothing of the node.
    auto stored = StateDirectory::open(state.path() / "alpha");
    CO_ASSERT_TRUE(stored.ok());
    auto id = stored->load_or_create(url_of(f));
    CO_ASSERT_TRUE(id.ok());
    EXPECT_TRUE(id->private_node_key.is_zero());
    EXPECT_FALSE(id->machine_key.is_zero());
    beta.conn->close();
  }, 60s);
}

}  // namespace
}  // namespace latchkey::client
