// The admin commands (users, keys, nodes, lock) as a person would type them: the
// real latchkey binary, talking to a running control server over its admin
// socket — an in-process ControlServer with AdminSocket on 127.0.0.1 and a
// temporary directory, on SQLite and on PostgreSQL, with nodes registered
// and streaming over real TS2021 connections, so every command is checked
// against what the live netmap and the open map streams see. One test runs
// the real `latchkey serve` process (socket mode, stale socket, a second
// server refused).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "cli/admin_client.h"
#include "cli/subprocess.h"
#include "server/admin_socket.h"
#include "server/lock_node.h"
#include "server/server_fixture.h"
#include "store/auth_key.h"
#include "store/store_fixture.h"

namespace latchkey::cli {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using server::testing::open_stream;
using server::testing::SimNode;
using transport::testing::run_loopback;
using transport::testing::sleep_for;
namespace asio = boost::asio;

struct CommandRun {
  int code = 0;
  std::string out;
  std::string err;
};

CommandRun run_binary(std::vector<std::string> args) {
  args.insert(args.begin(), LATCHKEY_BINARY);
  testing::Subprocess p(std::move(args));
  CommandRun r;
  r.code = p.wait();
  r.out = p.out();
  r.err = p.err();
  return r;
}

template <class T>
asio::awaitable<T> wait_for_job(std::shared_ptr<std::future<T>> job) {
  while (job->wait_for(0s) != std::future_status::ready) co_await sleep_for(5ms);
  co_return job->get();
}

// Runs blocking work on a thread while the io_context keeps serving. (Not
// itself a coroutine: GCC 12 mishandles some by-value coroutine parameters.)
template <class F>
asio::awaitable<std::invoke_result_t<F>> off_loop(F f) {
  using T = std::invoke_result_t<F>;
  return wait_for_job(std::make_shared<std::future<T>>(std::async(std::launch::async, std::move(f))));
}

// A control server with its admin socket, on the database `config` names.
struct AdminServer {
  AdminServer(asio::io_context& io, const store::StoreConfig& config, std::string socket_path)
      : socket(std::move(socket_path)) {
    auto st = store::Store::open(config);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.message());
    if (!st.ok()) return;
    db = std::shared_ptr<store::Store>(std::move(*st));
    auto c = server::testing::test_config();
    control_public = c.transport.control_key.public_key();
    auto s = server::ControlServer::create(io, std::move(c), db);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.message());
    if (!s.ok()) return;
    srv = std::move(*s);
    EXPECT_TRUE(srv->listen(transport::testing::loopback_any()).ok());
    srv->start();
    auto a = server::AdminSocket::open(
        io, socket, std::make_shared<server::AdminApi>(srv->tailnet(), &srv->tailnet_lock()),
        srv->blocking_executor());
    EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.message());
    if (!a.ok()) return;
    admin = std::move(*a);
    admin->start();
  }
  ~AdminServer() {
    admin.reset();
    if (srv) srv->stop();
  }
  bool ok() const { return admin != nullptr; }

  // The latchkey binary with `args` and --socket, run off the io thread.
  // (Arguments are passed one by one: GCC 12 cannot keep an initializer
  // list's array alive across a co_await.)
  asio::awaitable<CommandRun> cli_args(std::vector<std::string> args) {
    args.push_back("--socket");
    args.push_back(socket);
    return off_loop([args] { return run_binary(args); });
  }
  template <class... A>
  asio::awaitable<CommandRun> cli(const A&... a) {
    return cli_args(std::vector<std::string>{std::string(a)...});
  }

  asio::awaitable<bool> connect(SimNode& n) {
    transport::ClientConfig c;
    c.target = {"127.0.0.1", srv->local_endpoint().port(), false, ""};
    c.machine_key = n.machine;
    c.control_key = control_public;
    c.protocol_version = 145;
    auto r = co_await transport::Ts2021Client::connect(c);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.message());
    if (!r.ok()) co_return false;
    n.conn = *r;
    co_return true;
  }

  std::string socket;
  std::shared_ptr<store::Store> db;
  std::unique_ptr<server::ControlServer> srv;
  std::unique_ptr<server::AdminSocket> admin;
  key::MachinePublic control_public;
};

class AdminCommandsTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    auto c = store::testing::fresh_config(GetParam(), dir_);
    ASSERT_TRUE(c.ok()) << c.message();
    config_ = *c;
    socket_ = dir_.path() + "/latchkey.sock";
  }
  // Runs `body` against a fresh server (PostgreSQL setup is slower).
  void with_server(std::function<asio::awaitable<void>(AdminServer&, asio::io_context&)> body) {
    run_loopback(
        [&](asio::io_context& io) -> asio::awaitable<void> {
          AdminServer s(io, config_, socket_);
          CO_ASSERT_TRUE(s.ok());
          co_await body(s, io);
        },
        90s);
  }

  store::testing::TempDir dir_;
  store::StoreConfig config_;
  std::string socket_;
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The first of the next few stream messages that `want` accepts.
asio::awaitable<std::optional<json>> next_matching(server::testing::MapStreamReader& r,
                                                   const std::function<bool(const json&)>& want) {
  for (int i = 0; i < 20; ++i) {
    auto m = co_await r.next_change();
    if (!m) break;
    if (want(*m)) co_return m;
  }
  co_return std::nullopt;
}

bool peer_changed(const json& m, const char* field, const json& value) {
  return m.contains("PeersChanged") && m["PeersChanged"][0].value(field, json()) == value;
}

TEST_P(AdminCommandsTest, UsersCreateListDelete) {
  with_server([](AdminServer& s, asio::io_context&) -> asio::awaitable<void> {
    auto r = co_await s.cli("users", "create", "alice", "--email", "alice@example.com");
    CO_ASSERT_TRUE(r.code == 0);
    EXPECT_EQ(r.out, "created user alice (id 1)\n");
    EXPECT_EQ((co_await s.cli("users", "create", "bob")).code, 0);
    // The server's own store has them (no second database handle involved).
    EXPECT_TRUE(s.db->find_user_by_name("bob").ok());

    auto dup = co_await s.cli("users", "create", "alice");
    EXPECT_EQ(dup.code, 1);
    EXPECT_TRUE(has(dup.err, "users create: user \"alice\" already exists")) << dup.err;
    auto bad = co_await s.cli("users", "create", "a b");
    EXPECT_EQ(bad.code, 1);
    EXPECT_TRUE(has(bad.err, "invalid user name")) << bad.err;

    auto table = co_await s.cli("users", "list");
    CO_ASSERT_TRUE(table.code == 0);
    EXPECT_EQ(table.out.rfind("ID  NAME   DISPLAY NAME  EMAIL", 0), 0u) << table.out;
    EXPECT_TRUE(has(table.out, "alice@example.com"));
    EXPECT_TRUE(has(table.out, "\n2   bob")) << table.out;

    auto listed = co_await s.cli("users", "list", "--json");
    CO_ASSERT_TRUE(listed.code == 0);
    const auto users = json::parse(listed.out);
    CO_ASSERT_TRUE(users.size() == 2u);
    EXPECT_EQ(users[0]["name"], "alice");
    EXPECT_EQ(users[0]["email"], "alice@example.com");
    EXPECT_EQ(users[1]["id"], 2);
    EXPECT_TRUE(users[1]["created_at"].is_string());

    auto del = co_await s.cli("users", "delete", "bob");
    EXPECT_EQ(del.code, 0) << del.err;
    EXPECT_EQ(del.out, "deleted user bob\n");
    auto gone = co_await s.cli("users", "delete", "bob");
    EXPECT_EQ(gone.code, 1);
    EXPECT_TRUE(has(gone.err, "user \"bob\" not found")) << gone.err;
    EXPECT_EQ(json::parse((co_await s.cli("users", "list", "--json")).out).size(), 1u);
  });
}

TEST_P(AdminCommandsTest, KeysCreateListExpire) {
  with_server([](AdminServer& s, asio::io_context&) -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await s.cli("users", "create", "alice")).code == 0);
    auto r = co_await s.cli("keys", "create", "--user", "alice", "--reusable", "--ephemeral", "--expiration", "90d",
                             "--tags", "tag:server,tag:prod");
    CO_ASSERT_TRUE(r.code == 0 && !r.out.empty());
    const std::string key = r.out.substr(0, r.out.size() - 1);
    auto parts = store::parse_auth_key(key);
    CO_ASSERT_TRUE(parts.ok());
    auto keys = s.db->list_pre_auth_keys();
    CO_ASSERT_TRUE(keys.ok() && keys->size() == 1u);
    const store::PreAuthKey& k = (*keys)[0];
    EXPECT_TRUE(k.reusable);
    EXPECT_TRUE(k.ephemeral);
    EXPECT_EQ(k.tags, (std::vector<std::string>{"tag:server", "tag:prod"}));
    CO_ASSERT_TRUE(k.expires_at.has_value());
    const auto left = *k.expires_at - std::chrono::system_clock::now();
    EXPECT_GT(left, std::chrono::hours(24 * 89));
    EXPECT_LT(left, std::chrono::hours(24 * 91));

    // The listing never shows the secret.
    auto list = co_await s.cli("keys", "list", "--user", "alice");
    CO_ASSERT_TRUE(list.code == 0);
    EXPECT_FALSE(has(list.out, parts->secret));
    EXPECT_TRUE(has(list.out, "tskey-auth-" + parts->prefix + "-...")) << list.out;
    auto listed_run = co_await s.cli("keys", "list", "--json");
    CO_ASSERT_TRUE(listed_run.code == 0);
    EXPECT_FALSE(has(listed_run.out, parts->secret));
    const auto listed = json::parse(listed_run.out);
    CO_ASSERT_TRUE(listed.size() == 1u);
    EXPECT_EQ(listed[0]["user"], "alice");
    EXPECT_EQ(listed[0]["reusable"], true);
    EXPECT_EQ(listed[0]["valid"], true);
    EXPECT_EQ(listed[0]["tags"], json({"tag:server", "tag:prod"}));

    // Defaults, --json, expire.
    auto d = co_await s.cli("keys", "create", "-u", "alice", "--json");
    CO_ASSERT_TRUE(d.code == 0);
    const auto created = json::parse(d.out);
    EXPECT_EQ(created["reusable"], false);
    EXPECT_EQ(created["ephemeral"], false);
    EXPECT_TRUE(store::parse_auth_key(created["key"].get<std::string>()).ok());
    const std::string id = std::to_string(created["id"].get<std::int64_t>());
    auto e = co_await s.cli("keys", "expire", id);
    EXPECT_EQ(e.code, 0) << e.err;
    EXPECT_EQ(e.out, "expired pre-auth key " + id + "\n");
    const auto after = json::parse((co_await s.cli("keys", "list", "--json")).out);
    CO_ASSERT_TRUE(after.size() == 2u);
    EXPECT_EQ(after[1]["valid"], false);
    EXPECT_TRUE(has((co_await s.cli("keys", "list")).out, "(expired)"));

    const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
        {{"keys", "create", "--user", "nobody"}, "user \"nobody\""},
        {{"keys", "create", "--user", "alice", "--expiration", "soon"}, "invalid duration \"soon\""},
        {{"keys", "create", "--user", "alice", "--expiration", "0s"}, "must be positive"},
        {{"keys", "create", "--user", "alice", "--tags", "server"}, "invalid tag \"server\""},
        {{"keys", "create", "--user", "alice", "--tags", "tag:a b"}, "invalid tag"},
        {{"keys", "expire", "999"}, "pre-auth key 999 not found"},
        {{"keys", "expire", "x1"}, "invalid key id \"x1\""},
        {{"keys", "list", "--user", "zed"}, "zed"},
    };
    for (const auto& one : bad) {
      auto b = co_await s.cli_args(one.first);
      EXPECT_EQ(b.code, 1) << one.second;
      EXPECT_TRUE(has(b.err, one.second)) << one.second << " -> " << b.err;
    }
    auto no_user = co_await s.cli("keys", "create");
    EXPECT_NE(no_user.code, 0);  // --user is required
  });
}

// Two nodes registered with a key from `keys create`, both streaming: the
// node commands reach the streams.
TEST_P(AdminCommandsTest, NodeCommandsReachTheLiveStreams) {
  with_server([](AdminServer& s, asio::io_context&) -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await s.cli("users", "create", "alice")).code == 0);
    auto k = co_await s.cli("keys", "create", "-u", "alice", "--reusable", "--tags", "tag:web");
    CO_ASSERT_TRUE(k.code == 0);
    const std::string key = k.out.substr(0, k.out.size() - 1);

    SimNode a, b;
    a.hostname = "alpha";
    b.hostname = "bravo";
    CO_ASSERT_TRUE(co_await s.connect(a));
    CO_ASSERT_TRUE(co_await s.connect(b));
    auto ra = co_await a.register_with(a.register_request(key));
    CO_ASSERT_TRUE(ra.has_value() && ra->machine_authorized);
    auto rb = co_await b.register_with(b.register_request(key));
    CO_ASSERT_TRUE(rb.has_value() && rb->machine_authorized);
    auto sa = co_await open_stream(a, a.map_request(true));
    CO_ASSERT_TRUE(sa.has_value());
    auto sb = co_await open_stream(b, b.map_request(true));
    CO_ASSERT_TRUE(sb.has_value());
    auto fa = co_await sa->next();
    CO_ASSERT_TRUE(fa.has_value());
    const auto a_id = (*fa)["Node"]["ID"].get<std::int64_t>();
    auto fb = co_await sb->next();
    CO_ASSERT_TRUE(fb.has_value());
    const auto b_id = (*fb)["Node"]["ID"].get<std::int64_t>();
    CO_ASSERT_TRUE((*fb)["Peers"].size() == 1u);

    auto table = co_await s.cli("nodes", "list");
    CO_ASSERT_TRUE(table.code == 0);
    EXPECT_EQ(table.out.rfind("ID  NAME   HOSTNAME  USER   IPV4        IPV6               ONLINE  LAST SEEN", 0), 0u)
        << table.out;
    EXPECT_TRUE(has(table.out, "1   alpha  alpha     alice  100.64.0.1  fd7a:115c:a1e0::1  yes ")) << table.out;
    EXPECT_TRUE(has(table.out, "tag:web")) << table.out;
    auto listed = json::parse((co_await s.cli("nodes", "list", "--json", "--user", "alice")).out);
    CO_ASSERT_TRUE(listed.size() == 2u);
    EXPECT_EQ(listed[0]["name"], "alpha");
    EXPECT_EQ(listed[0]["machine_key"], a.machine.public_key().to_string());
    EXPECT_EQ(listed[0]["register_method"], "authkey");
    EXPECT_EQ(listed[0]["online"], true);
    EXPECT_EQ(listed[1]["ipv4"], "100.64.0.2");

    // Rename: the peer sees the new MagicDNS name.
    const std::string a_text = std::to_string(a_id);
    auto rn = co_await s.cli("nodes", "rename", a_text, "web-1");
    EXPECT_EQ(rn.code, 0) << rn.err;
    EXPECT_EQ(rn.out, "renamed node " + a_text + " to web-1\n");
    auto renamed = co_await next_matching(*sb, [](const json& m) {
      return peer_changed(m, "Name", "web-1.example.ts.net.");
    });
    EXPECT_TRUE(renamed.has_value()) << "the peer did not see the new name";
    auto self_renamed = co_await next_matching(*sa, [](const json& m) {
      return m.contains("Node") && m["Node"]["Name"] == "web-1.example.ts.net.";
    });
    EXPECT_TRUE(self_renamed.has_value()) << "the node did not see its new name";
    auto taken = co_await s.cli("nodes", "rename", std::to_string(b_id), "web-1");
    EXPECT_EQ(taken.code, 1);
    EXPECT_EQ(taken.err, "nodes rename: the name \"web-1\" is already taken by another node\n");
    auto bad_name = co_await s.cli("nodes", "rename", std::to_string(b_id), "Web_1");
    EXPECT_EQ(bad_name.code, 1);
    EXPECT_TRUE(has(bad_name.err, "invalid node name")) << bad_name.err;

    // Expire: the peer sees the key expired at once.
    auto ex = co_await s.cli("nodes", "expire", a_text);
    EXPECT_EQ(ex.code, 0) << ex.err;
    auto expired = co_await next_matching(*sb, [](const json& m) { return peer_changed(m, "Expired", true); });
    CO_ASSERT_TRUE(expired.has_value());
    EXPECT_EQ((*expired)["PeersChanged"][0]["ID"], a_id);
    auto now_listed = json::parse((co_await s.cli("nodes", "list", "--json")).out);
    EXPECT_EQ(now_listed[0]["expired"], true);
    EXPECT_EQ(now_listed[1]["expired"], false);
    EXPECT_TRUE(has((co_await s.cli("nodes", "list")).out, "(expired)"));

    // alice owns nodes: users delete is refused.
    auto refused = co_await s.cli("users", "delete", "alice");
    EXPECT_EQ(refused.code, 1);
    EXPECT_TRUE(has(refused.err, "still owns 2 node(s)")) << refused.err;

    // Delete b: its own stream ends, a gets PeersRemoved.
    auto del = co_await s.cli("nodes", "delete", std::to_string(b_id));
    EXPECT_EQ(del.code, 0) << del.err;
    EXPECT_EQ(del.out, "deleted node " + std::to_string(b_id) + "\n");
    auto removed = co_await next_matching(*sa, [](const json& m) { return m.contains("PeersRemoved"); });
    CO_ASSERT_TRUE(removed.has_value());
    EXPECT_EQ((*removed)["PeersRemoved"], json::array({b_id}));
    bool b_ended = false;
    for (int i = 0; i < 10 && !b_ended; ++i) b_ended = !(co_await sb->next_change()).has_value();
    EXPECT_TRUE(b_ended) << "the deleted node's map stream did not end";
    EXPECT_EQ(s.srv->tailnet().node_count(), 1u);
    auto missing = co_await s.cli("nodes", "delete", std::to_string(b_id));
    EXPECT_EQ(missing.code, 1);
    EXPECT_TRUE(has(missing.err, "node " + std::to_string(b_id) + " not found")) << missing.err;
    EXPECT_EQ((co_await s.cli("nodes", "delete", "zero")).code, 1);

    EXPECT_EQ((co_await s.cli("nodes", "delete", a_text)).code, 0);
    EXPECT_EQ((co_await s.cli("users", "delete", "alice")).code, 0);
    EXPECT_EQ(json::parse((co_await s.cli("nodes", "list", "--json")).out).size(), 0u);
    a.conn->close();
    b.conn->close();
  });
}

// A client waits on an interactive registration; `nodes register` answers it.
TEST_P(AdminCommandsTest, RegisterCompletesAWaitingRegistration) {
  with_server([](AdminServer& s, asio::io_context& io) -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await s.cli("users", "create", "alice")).code == 0);
    SimNode a, b;
    a.hostname = "laptop";
    b.hostname = "desktop";
    CO_ASSERT_TRUE(co_await s.connect(a));
    CO_ASSERT_TRUE(co_await s.connect(b));
    auto r = co_await a.register_with(a.register_request(""));
    CO_ASSERT_TRUE(r.has_value() && !r->machine_authorized && !r->auth_url.empty());
    const std::string auth_id = r->auth_url.substr(r->auth_url.rfind('/') + 1);

    // The client follows up and waits.
    auto follow = a.register_request("");
    follow.followup = r->auth_url;
    std::optional<tailcfg::RegisterResponse> answered;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          answered = co_await a.register_with(follow);
          done = true;
        },
        asio::detached);
    co_await sleep_for(100ms);
    EXPECT_FALSE(done);

    auto unknown = co_await s.cli("nodes", "register", "--user", "alice", "nope");
    EXPECT_EQ(unknown.code, 1);
    EXPECT_TRUE(has(unknown.err, "pending registration nope not found")) << unknown.err;
    auto no_user = co_await s.cli("nodes", "register", "--user", "zed", auth_id);
    EXPECT_EQ(no_user.code, 1);
    EXPECT_TRUE(has(no_user.err, "zed")) << no_user.err;

    auto ok = co_await s.cli("nodes", "register", "--user", "alice", auth_id);
    EXPECT_EQ(ok.code, 0) << ok.err;
    EXPECT_EQ(ok.out.rfind("approved registration " + auth_id + " for user alice: node ", 0), 0u) << ok.out;
    for (int i = 0; i < 200 && !done; ++i) co_await sleep_for(10ms);
    CO_ASSERT_TRUE(done && answered.has_value());
    EXPECT_TRUE(answered->machine_authorized);
    EXPECT_EQ(answered->login.login_name, "alice");
    EXPECT_EQ(s.srv->tailnet().node_count(), 1u);

    // By machine key, with --key as the login page says.
    auto rb = co_await b.register_with(b.register_request(""));
    CO_ASSERT_TRUE(rb.has_value() && !rb->auth_url.empty());
    auto by_key = co_await s.cli("nodes", "register", "-u", "alice", "--key", b.machine.public_key().to_string());
    EXPECT_EQ(by_key.code, 0) << by_key.err;
    auto fb = b.register_request("");
    fb.followup = rb->auth_url;
    auto db = co_await b.register_with(fb);
    CO_ASSERT_TRUE(db.has_value());
    EXPECT_TRUE(db->machine_authorized);
    const auto nodes = json::parse((co_await s.cli("nodes", "list", "--json")).out);
    CO_ASSERT_TRUE(nodes.size() == 2u);
    EXPECT_EQ(nodes[0]["name"], "laptop");
    EXPECT_EQ(nodes[1]["name"], "desktop");
    EXPECT_EQ(nodes[1]["register_method"], "interactive");
    auto again = co_await s.cli("nodes", "register", "-u", "alice", b.machine.public_key().to_string());
    EXPECT_EQ(again.code, 1);
    EXPECT_TRUE(has(again.err, "no registration is waiting for machine key")) << again.err;
    a.conn->close();
    b.conn->close();
  });
}

// The admin API's refusals as the socket sends them, and their metrics.
TEST_P(AdminCommandsTest, BadRequestsAreRefusedAndCounted) {
  with_server([](AdminServer& s, asio::io_context&) -> asio::awaitable<void> {
    const std::string path = s.socket;
    auto call = [path](std::string method, std::string target, std::string body) {
      return [=] { return admin_request(path, method, target, body); };
    };
    auto malformed = co_await off_loop(call("POST", "/v1/users", "{\"name\": "));
    CO_ASSERT_TRUE(malformed.ok());
    EXPECT_EQ(malformed->status, 400u);
    EXPECT_TRUE(has(malformed->body["error"].get<std::string>(), "request body is not valid JSON"));
    auto unknown = co_await off_loop(call("GET", "/v1/frobs", ""));
    CO_ASSERT_TRUE(unknown.ok());
    EXPECT_EQ(unknown->status, 404u);
    EXPECT_EQ(unknown->body["error"], "no admin API route /v1/frobs");
    auto method = co_await off_loop(call("PUT", "/v1/users", "{}"));
    CO_ASSERT_TRUE(method.ok());
    EXPECT_EQ(method->status, 405u);
    auto field = co_await off_loop(call("POST", "/v1/users", R"({"name":"x","admin":true})"));
    CO_ASSERT_TRUE(field.ok());
    EXPECT_EQ(field->status, 400u);
    EXPECT_EQ(field->body["error"], "request body: unknown field \"admin\"");
    auto big = co_await off_loop(call("POST", "/v1/users", std::string(server::kAdminBodyLimit + 1, ' ')));
    CO_ASSERT_TRUE(big.ok());
    EXPECT_EQ(big->status, 413u);
    EXPECT_GE(s.srv->metrics().errors("admin_bad_request"), 2u);
    EXPECT_EQ(s.srv->metrics().errors("admin_unknown_route"), 1u);
    EXPECT_EQ(s.srv->metrics().errors("admin_method_not_allowed"), 1u);
    EXPECT_EQ(s.srv->metrics().errors("admin_too_large"), 1u);
    // The server still answers.
    auto fine = co_await off_loop(call("GET", "/v1/users", ""));
    CO_ASSERT_TRUE(fine.ok());
    EXPECT_EQ(fine->status, 200u);
    EXPECT_TRUE(has(s.srv->metrics_text(), "admin_unknown_route"));
  });
}

LATCHKEY_STORE_BACKENDS(AdminCommandsTest);

TEST(AdminSocket, ModeStaleFileAndSecondServer) {
  store::testing::TempDir dir;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    store::StoreConfig sc;
    sc.sqlite_path = dir.path() + "/state.db";
    const std::string path = dir.path() + "/admin.sock";
    // A stale socket file from a server that died: nobody listens on it.
    {
      asio::local::stream_protocol::acceptor stale(io);
      stale.open();
      stale.bind(asio::local::stream_protocol::endpoint(path));
    }
    struct stat info {};
    CO_ASSERT_TRUE(::lstat(path.c_str(), &info) == 0);
    AdminServer s(io, sc, path);
    CO_ASSERT_TRUE(s.ok());
    CO_ASSERT_TRUE(::lstat(path.c_str(), &info) == 0);
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0600u);

    // A second server on the same socket is refused; the first keeps it.
    auto second = server::AdminSocket::open(io, path, std::make_shared<server::AdminApi>(s.srv->tailnet()));
    EXPECT_FALSE(second.ok());
    EXPECT_EQ(second.kind(), ErrorKind::AlreadyExists);
    EXPECT_TRUE(has(second.message(), "already listening")) << second.message();
    auto r = co_await s.cli("users", "create", "alice");
    EXPECT_EQ(r.code, 0) << r.err;

    // A path that is not a socket is never removed.
    const std::string file = dir.path() + "/plain";
    std::ofstream(file) << "x";
    auto not_socket = server::AdminSocket::open(io, file, std::make_shared<server::AdminApi>(s.srv->tailnet()));
    EXPECT_FALSE(not_socket.ok());
    EXPECT_TRUE(std::filesystem::exists(file));

    s.admin.reset();
    EXPECT_FALSE(std::filesystem::exists(path)) << "the socket file is removed at shutdown";
  });
}

// Requests run on the blocking executor given at open, not on the I/O
// thread: while that pool is kept busy, a request waits for it.
TEST(AdminSocket, RequestsRunOnTheBlockingExecutor) {
  store::testing::TempDir dir;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    server::testing::ServerFixture f(io);
    asio::thread_pool pool(1);
    const std::string path = dir.path() + "/admin.sock";
    auto admin = server::AdminSocket::open(io, path, std::make_shared<server::AdminApi>(f.server->tailnet()),
                                           pool.get_executor());
    CO_ASSERT_TRUE(admin.ok());
    (*admin)->start();
    auto gate = std::make_shared<std::promise<void>>();
    std::shared_future<void> opened = gate->get_future().share();
    asio::post(pool, [opened] { opened.wait(); });
    auto job = std::make_shared<std::future<Result<AdminReply>>>(
        std::async(std::launch::async, [path] { return admin_request(path, "GET", "/v1/users", ""); }));
    co_await sleep_for(300ms);
    EXPECT_EQ(job->wait_for(0s), std::future_status::timeout) << "answered while the blocking pool was busy";
    gate->set_value();
    auto r = co_await wait_for_job(job);
    EXPECT_TRUE(r.ok() && r->status == 200u);
    (*admin)->stop();
    pool.join();
  });
}

TEST(AdminCommands, ServerNotRunningIsAClearError) {
  store::testing::TempDir dir;
  const std::string path = dir.path() + "/latchkey.sock";
  auto r = run_binary({"users", "list", "--socket", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("users list: cannot reach the latchkey server at " + path + ": ", 0), 0u) << r.err;
  EXPECT_TRUE(has(r.err, "(is `latchkey serve` running?)")) << r.err;
  // A config names the socket: next to its database by default.
  std::ofstream(dir.path() + "/c.yaml") << "database:\n  type: sqlite\n  path: db/state.db\n";
  auto c = run_binary({"nodes", "list", "--config", dir.path() + "/c.yaml"});
  EXPECT_EQ(c.code, 1);
  EXPECT_TRUE(has(c.err, "cannot reach the latchkey server at " + dir.path() + "/db/latchkey.sock")) << c.err;
  auto bad = run_binary({"keys", "list", "--config", dir.path() + "/none.yaml"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(has(bad.err, "none.yaml")) << bad.err;
}

// The real `latchkey serve`: the commands find it through its config.
TEST(AdminCommands, AgainstTheServeProcess) {
  store::testing::TempDir dir;
  const std::string config = dir.path() + "/latchkey.yaml";
  std::ofstream(config) << "listen_addr: 127.0.0.1:0\nmetrics_listen_addr: \"\"\nadmin_socket: run/admin.sock\n"
                           "database:\n  type: sqlite\n  path: state.db\nlog_level: warn\n";
  std::filesystem::create_directories(dir.path() + "/run");
  const std::string path = dir.path() + "/run/admin.sock";
  auto started = [&](testing::Subprocess& p) {
    while (auto line = p.read_line()) {
      if (line->rfind("Admin socket: ", 0) == 0) return *line == "Admin socket: " + path;
    }
    return false;
  };
  {
    testing::Subprocess serve({LATCHKEY_BINARY, "serve", "--config", config});
    ASSERT_TRUE(started(serve));
    struct stat info {};
    ASSERT_EQ(::lstat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    auto r = run_binary({"users", "create", "alice", "--config", config});
    EXPECT_EQ(r.code, 0) << r.err;

    // A second server with the same config refuses to start.
    testing::Subprocess second({LATCHKEY_BINARY, "serve", "--config", config});
    EXPECT_EQ(second.wait(), 1);
    EXPECT_TRUE(has(second.err(), "already listening on the admin socket " + path)) << second.err();

    serve.kill(SIGKILL);  // leaves the socket file behind
    serve.wait();
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  testing::Subprocess again({LATCHKEY_BINARY, "serve", "--config", config});
  ASSERT_TRUE(started(again));
  auto listed = run_binary({"users", "list", "--json", "--config", config});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(json::parse(listed.out)[0]["name"], "alice");
  again.kill(SIGTERM);
  EXPECT_EQ(again.wait(), 0);
  EXPECT_FALSE(std::filesystem::exists(path)) << "a clean stop removes the socket";
}

// `latchkey ... --socket PATH` run off the io thread (not a coroutine, so
// the argument list may be built in place).
struct SocketCli {
  std::string socket;
  template <class... A>
  asio::awaitable<CommandRun> operator()(const A&... a) const {
    std::vector<std::string> args{std::string(a)...};
    args.push_back("--socket");
    args.push_back(socket);
    return off_loop([args] { return run_binary(args); });
  }
};

// `latchkey lock status|log|disable --support` against a lock two nodes
// enabled over real TS2021 connections (server/lock_node.h), with the
// support disablement secret left with the server.
TEST(LockCommands, StatusLogAndSupportDisable) {
  run_loopback(
      [](asio::io_context& io) -> asio::awaitable<void> {
        server::testing::ServerFixture f(io);
        const std::string path = (f.dir.path() / "admin.sock").string();
        auto admin = server::AdminSocket::open(
            io, path, std::make_shared<server::AdminApi>(f.server->tailnet(), &f.server->tailnet_lock()),
            f.server->blocking_executor());
        CO_ASSERT_TRUE(admin.ok());
        (*admin)->start();
        const SocketCli cli{path};

        auto off = co_await cli("lock", "status");
        EXPECT_EQ(off.code, 0) << off.err;
        EXPECT_EQ(off.out, "Tailnet lock: off\n");
        auto refused = co_await cli("lock", "disable");
        EXPECT_EQ(refused.code, 1);
        EXPECT_TRUE(has(refused.err, "lock disable: the server can only disable the lock with the support "
                                     "disablement secret: give --support"))
            << refused.err;
        auto not_enabled = co_await cli("lock", "disable", "--support");
        EXPECT_EQ(not_enabled.code, 1);
        EXPECT_EQ(not_enabled.err, "lock disable: tailnet lock is not enabled\n");

        server::testing::LockNode a, b;
        CO_ASSERT_TRUE(co_await a.join(f, "alpha"));
        CO_ASSERT_TRUE(co_await b.join(f, "beta"));
        tka::Aum genesis;
        const Bytes support(32, 0x5a);
        CO_ASSERT_TRUE(co_await server::testing::enable(a, 2, genesis, support));
        CO_ASSERT_TRUE((co_await b.next_with("TKAInfo")).has_value());
        const std::string head = genesis.hash().to_string();
        const std::string trusted = a.nl.public_key().cli_string();

        auto status = co_await cli("lock", "status");
        CO_ASSERT_TRUE(status.code == 0);
        EXPECT_EQ(status.out.rfind("Tailnet lock: enabled\nHead: " + head + "\n", 0), 0u) << status.out;
        EXPECT_TRUE(has(status.out, "(the server holds the support secret)")) << status.out;
        EXPECT_TRUE(has(status.out, trusted + "  1")) << status.out;
        EXPECT_TRUE(has(status.out, "ID  NAME   NODE KEY")) << status.out;
        EXPECT_TRUE(has(status.out, b.node.public_key().to_string() + "  signed     " + trusted)) << status.out;
        auto as_json = co_await cli("lock", "status", "--json");
        CO_ASSERT_TRUE(as_json.code == 0);
        const json s = json::parse(as_json.out);
        EXPECT_EQ(s["mode"], "enabled");
        EXPECT_EQ(s["head"], head);
        CO_ASSERT_TRUE(s["nodes"].size() == 2u);
        EXPECT_EQ(s["nodes"][0]["signature"], "signed");

        auto log = co_await cli("lock", "log", "--json");
        CO_ASSERT_TRUE(log.code == 0);
        const json aums = json::parse(log.out);
        CO_ASSERT_TRUE(aums.size() == 1u);
        EXPECT_EQ(aums[0]["kind"], "checkpoint");
        EXPECT_EQ(aums[0]["hash"], head);
        auto table = co_await cli("lock", "log", "--limit", "1");
        CO_ASSERT_TRUE(table.code == 0);
        EXPECT_EQ(table.out.rfind("HASH", 0), 0u) << table.out;
        EXPECT_TRUE(has(table.out, head + "  checkpoint")) << table.out;
        auto bad_limit = co_await cli("lock", "log", "--limit", "0");
        EXPECT_NE(bad_limit.code, 0);
        EXPECT_TRUE(has(bad_limit.err, "--limit")) << bad_limit.err;

        auto disabled = co_await cli("lock", "disable", "--support");
        EXPECT_EQ(disabled.code, 0) << disabled.err;
        EXPECT_TRUE(has(disabled.out, "tailnet lock disabled")) << disabled.out;
        auto gone = co_await b.next_with("TKAInfo");
        CO_ASSERT_TRUE(gone.has_value());
        EXPECT_EQ((*gone)["TKAInfo"]["Disabled"], true);
        EXPECT_EQ((co_await cli("lock", "status")).out, "Tailnet lock: disabled\n");
        a.conn->close();
        b.conn->close();
      },
      90s);
}

TEST(LockCommands, HelpListsTheSubcommands) {
  auto top = run_binary({"--help"});
  EXPECT_EQ(top.code, 0);
  EXPECT_TRUE(has(top.out, "lock")) << top.out;
  auto lock = run_binary({"lock", "--help"});
  EXPECT_EQ(lock.code, 0);
  for (const char* sub : {"status", "log", "disable"}) EXPECT_TRUE(has(lock.out, sub)) << lock.out;
  auto disable = run_binary({"lock", "disable", "--help"});
  EXPECT_TRUE(has(disable.out, "--support")) << disable.out;
}

}  // namespace
}  // namespace latchkey::cli
