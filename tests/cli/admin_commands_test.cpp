// The admin commands (users, keys, nodes) driven as a person would type
// them, on a temporary SQLite database named by a config file: output,
// exit status, error messages, and what ends up in the database.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "store/auth_key.h"
#include "store/store.h"

namespace latchkey::cli {
namespace {

struct CommandRun {
  int code = 0;
  std::string out;
  std::string err;
};

class AdminCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/latchkey-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    config_ = dir_ + "/latchkey.yaml";
    std::ofstream(config_) << "database:\n  type: sqlite\n  path: state.db\n";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  CommandRun run(std::vector<std::string> args, bool with_config = true) {
    CLI::App app{"latchkey"};
    app.require_subcommand(1);
    add_users_commands(app);
    add_keys_commands(app);
    add_nodes_commands(app);
    if (with_config) {
      args.push_back("--config");
      args.push_back(config_);
    }
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    std::stringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    CommandRun r;
    try {
      app.parse(reversed);
    } catch (const CLI::ParseError& e) {
      r.code = app.exit(e, out, err);
    }
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  std::unique_ptr<store::Store> open() {
    store::StoreConfig c;
    c.sqlite_path = dir_ + "/state.db";
    auto s = store::Store::open(c);
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::string dir_;
  std::string config_;
};

TEST_F(AdminCommandsTest, UsersCreateListDelete) {
  auto r = run({"users", "create", "alice", "--email", "alice@example.com"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "created user alice (id 1)\n");
  ASSERT_EQ(run({"users", "create", "bob"}).code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/state.db")) << "path is relative to the config file";

  auto dup = run({"users", "create", "alice"});
  EXPECT_EQ(dup.code, 1);
  EXPECT_NE(dup.err.find("users create: user \"alice\" already exists"), std::string::npos) << dup.err;

  auto table = run({"users", "list"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("ID  NAME   DISPLAY NAME  EMAIL", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("alice@example.com"), std::string::npos);
  EXPECT_NE(table.out.find("\n2   bob"), std::string::npos) << table.out;

  auto json = run({"users", "list", "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  const auto users = nlohmann::json::parse(json.out);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0]["name"], "alice");
  EXPECT_EQ(users[0]["email"], "alice@example.com");
  EXPECT_EQ(users[1]["id"], 2);

  ASSERT_EQ(run({"users", "delete", "bob"}).code, 0);
  auto gone = run({"users", "delete", "bob"});
  EXPECT_EQ(gone.code, 1);
  EXPECT_NE(gone.err.find("user \"bob\" not found"), std::string::npos) << gone.err;
  EXPECT_EQ(nlohmann::json::parse(run({"users", "list", "--json"}).out).size(), 1u);
}

TEST_F(AdminCommandsTest, DefaultDatabaseIsLatchkeyDbInWorkingDirectory) {
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  auto r = run({"users", "create", "carol"}, false);
  std::filesystem::current_path(old);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/latchkey.db"));
}

TEST_F(AdminCommandsTest, KeysCreatePrintsTheSecretOnceAndStoresAHash) {
  ASSERT_EQ(run({"users", "create", "alice"}).code, 0);
  auto r = run({"keys", "create", "--user", "alice", "--reusable", "--ephemeral", "--expiration", "90d", "--tags",
                "tag:server,tag:prod"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r.out.back(), '\n');
  const std::string key = r.out.substr(0, r.out.size() - 1);
  auto parts = store::parse_auth_key(key);
  ASSERT_TRUE(parts.ok()) << key;

  auto s = open();
  ASSERT_NE(s, nullptr);
  auto keys = s->list_pre_auth_keys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  const store::PreAuthKey& k = (*keys)[0];
  EXPECT_TRUE(k.reusable);
  EXPECT_TRUE(k.ephemeral);
  EXPECT_EQ(k.tags, (std::vector<std::string>{"tag:server", "tag:prod"}));
  ASSERT_TRUE(k.expires_at.has_value());
  const auto left = *k.expires_at - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::hours(24 * 89));
  EXPECT_LT(left, std::chrono::hours(24 * 91));
  // The printed key redeems.
  EXPECT_TRUE(s->redeem_pre_auth_key(key, std::chrono::system_clock::now()).ok());

  // The listing never shows the secret.
  auto list = run({"keys", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(list.out.find(parts->secret), std::string::npos);
  EXPECT_NE(list.out.find("tskey-auth-" + parts->prefix + "-..."), std::string::npos) << list.out;
  auto json = run({"keys", "list", "--json"});
  ASSERT_EQ(json.code, 0);
  EXPECT_EQ(json.out.find(parts->secret), std::string::npos);
  const auto listed = nlohmann::json::parse(json.out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["user"], "alice");
  EXPECT_EQ(listed[0]["reusable"], true);
  EXPECT_EQ(listed[0]["valid"], true);
  EXPECT_EQ(listed[0]["tags"], nlohmann::json({"tag:server", "tag:prod"}));
}

TEST_F(AdminCommandsTest, KeysDefaultsExpireAndErrors) {
  ASSERT_EQ(run({"users", "create", "alice"}).code, 0);
  auto r = run({"keys", "create", "-u", "alice", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto created = nlohmann::json::parse(r.out);
  EXPECT_EQ(created["reusable"], false);
  EXPECT_EQ(created["ephemeral"], false);
  EXPECT_TRUE(store::parse_auth_key(created["key"].get<std::string>()).ok());
  const std::string id = std::to_string(created["id"].get<std::int64_t>());

  auto e = run({"keys", "expire", id});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.out, "expired pre-auth key " + id + "\n");
  const auto listed = nlohmann::json::parse(run({"keys", "list", "--json"}).out);
  EXPECT_EQ(listed[0]["valid"], false);
  EXPECT_NE(run({"keys", "list"}).out.find("(expired)"), std::string::npos);

  const std::pair<std::vector<std::string>, std::string> bad[] = {
      {{"keys", "create", "--user", "nobody"}, "user \"nobody\""},
      {{"keys", "create", "--user", "alice", "--expiration", "soon"}, "invalid duration \"soon\""},
      {{"keys", "create", "--user", "alice", "--expiration", "0s"}, "must be positive"},
      {{"keys", "create", "--user", "alice", "--tags", "server"}, "invalid tag \"server\""},
      {{"keys", "create", "--user", "alice", "--tags", "tag:a b"}, "invalid tag"},
      {{"keys", "expire", "999"}, "pre-auth key 999 not found"},
      {{"keys", "expire", "x1"}, "invalid key id \"x1\""},
  };
  for (const auto& [args, want] : bad) {
    auto b = run(args);
    EXPECT_EQ(b.code, 1) << want;
    EXPECT_NE(b.err.find(want), std::string::npos) << want << " -> " << b.err;
  }
  // --user is required.
  EXPECT_NE(run({"keys", "create"}).code, 0);
}

class AdminNodesTest : public AdminCommandsTest {
 protected:
  void SetUp() override {
    AdminCommandsTest::SetUp();
    ASSERT_EQ(run({"users", "create", "alice"}).code, 0);
    auto s = open();
    ASSERT_NE(s, nullptr);
    for (int i = 1; i <= 2; ++i) {
      store::NewNode n;
      ByteArray<32> raw{};
      raw[0] = static_cast<std::uint8_t>(i);
      n.machine_key = key::MachinePublic::from_raw(raw);
      raw[1] = 1;
      n.node_key = key::NodePublic::from_raw(raw);
      n.given_name = "node-" + std::to_string(i);
      n.hostname = "host" + std::to_string(i);
      n.user_id = 1;
      n.ipv4 = *tailcfg::IpAddr::parse("100.64.0." + std::to_string(i));
      n.tags = {"tag:web"};
      auto r = s->register_node(n, std::chrono::system_clock::now());
      ASSERT_TRUE(r.ok()) << r.message();
    }
  }
};

TEST_F(AdminNodesTest, ListRenameExpireDelete) {
  auto table = run({"nodes", "list"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("ID  NAME    HOSTNAME  USER   IPV4        IPV6  LAST SEEN  EXPIRY  EPHEMERAL  TAGS\n", 0),
            0u)
      << table.out;
  EXPECT_NE(table.out.find("1   node-1  host1     alice  100.64.0.1  -     never      never   no         tag:web"),
            std::string::npos)
      << table.out;

  ASSERT_EQ(run({"nodes", "rename", "1", "web-1"}).code, 0);
  auto taken = run({"nodes", "rename", "2", "web-1"});
  EXPECT_EQ(taken.code, 1);
  EXPECT_NE(taken.err.find("already taken"), std::string::npos) << taken.err;
  auto bad = run({"nodes", "rename", "2", "Web_1"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("invalid node name"), std::string::npos) << bad.err;

  ASSERT_EQ(run({"nodes", "expire", "2"}).code, 0);
  auto json = nlohmann::json::parse(run({"nodes", "list", "--json"}).out);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["name"], "web-1");
  EXPECT_EQ(json[0]["expired"], false);
  EXPECT_EQ(json[0]["ipv4"], "100.64.0.1");
  EXPECT_EQ(json[0]["user"], "alice");
  EXPECT_EQ(json[1]["expired"], true);
  EXPECT_TRUE(json[1]["expiry"].is_string());

  // alice owns nodes: users delete is refused until they are gone.
  auto refused = run({"users", "delete", "alice"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("still owns 2 node(s)"), std::string::npos) << refused.err;
  ASSERT_EQ(run({"nodes", "delete", "1"}).code, 0);
  ASSERT_EQ(run({"nodes", "delete", "2"}).code, 0);
  auto missing = run({"nodes", "delete", "2"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("node 2 not found"), std::string::npos) << missing.err;
  EXPECT_EQ(run({"users", "delete", "alice"}).code, 0);
  EXPECT_EQ(nlohmann::json::parse(run({"nodes", "list", "--json"}).out).size(), 0u);
}

TEST_F(AdminNodesTest, RegisterApprovesAPendingRegistration) {
  auto s = open();
  ASSERT_NE(s, nullptr);
  store::PendingRegistration p;
  p.auth_id = "a1b2c3";
  ByteArray<32> raw{};
  raw[0] = 0x42;
  p.machine_key = key::MachinePublic::from_raw(raw);
  raw[1] = 2;
  p.node_key = key::NodePublic::from_raw(raw);
  p.created_at = std::chrono::system_clock::now();
  p.expires_at = p.created_at + std::chrono::minutes(10);
  ASSERT_TRUE(s->create_pending_registration(p).ok());
  store::PendingRegistration q = p;
  q.auth_id = "zzz";
  raw[0] = 0x43;
  q.machine_key = key::MachinePublic::from_raw(raw);
  raw[1] = 3;
  q.node_key = key::NodePublic::from_raw(raw);
  ASSERT_TRUE(s->create_pending_registration(q).ok());

  auto r = run({"nodes", "register", "--user", "alice", "a1b2c3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "approved registration a1b2c3 for user alice\n");
  EXPECT_EQ(s->get_pending_registration("a1b2c3")->approved_user_id, 1);
  // By machine key.
  auto m = run({"nodes", "register", "-u", "alice", q.machine_key.to_string()});
  ASSERT_EQ(m.code, 0) << m.err;
  EXPECT_EQ(s->get_pending_registration("zzz")->approved_user_id, 1);

  auto unknown = run({"nodes", "register", "--user", "alice", "nope"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("pending registration nope not found"), std::string::npos) << unknown.err;
  auto no_user = run({"nodes", "register", "--user", "zed", "a1b2c3"});
  EXPECT_EQ(no_user.code, 1);
  EXPECT_NE(no_user.err.find("zed"), std::string::npos) << no_user.err;
}

TEST_F(AdminCommandsTest, BadConfigIsReported) {
  std::ofstream(config_) << "database:\n  type: oracle\n";
  auto r = run({"users", "list"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("database.type"), std::string::npos) << r.err;
  auto missing = run({"users", "list", "--config", dir_ + "/none.yaml"}, false);
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("none.yaml"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace latchkey::cli
