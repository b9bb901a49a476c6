// The serve configuration: defaults, the documented example file, strict
// errors (values too: each names the setting, the value and what is
// allowed), the log settings, what a reload applies, the file checks of
// --check-config, and the private key files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/config_check.h"
#include "server/config_reload.h"
#include "server/serve_config.h"
#include "server/server_fixture.h"

namespace latchkey::server {
namespace {

TEST(ServeConfig, DefaultsWithoutAFile) {
  auto c = parse_serve_config("", "/etc/lk");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->listen_addr, "127.0.0.1:8080");
  EXPECT_EQ(c->server_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c->noise_private_key_path, "/etc/lk/noise_private.key");
  EXPECT_EQ(c->database.backend, store::Backend::Sqlite);
  EXPECT_EQ(c->server.tailnet.prefix_v4->to_string(), "100.64.0.0/10");
  EXPECT_EQ(c->server.tailnet.prefix_v6->to_string(), "fd7a:115c:a1e0::/48");
  EXPECT_EQ(c->server.tailnet.netmap.derp_map.regions.size(), 12u);
  EXPECT_EQ(c->server.tailnet.netmap.derp_map.regions.at(1).nodes->at(0).host_name, "derp1c.tailscale.com");
  ASSERT_TRUE(c->server.tailnet.netmap.dns_config.has_value());
  EXPECT_TRUE(c->server.tailnet.netmap.dns_config->proxied);
  EXPECT_EQ(c->server.tailnet.netmap.dns_config->domains, std::vector<std::string>{"tailnet.internal"});
  EXPECT_EQ(c->server.tailnet.ephemeral_inactivity_timeout, std::chrono::seconds(120));
  EXPECT_EQ(c->metrics_listen_addr, "127.0.0.1:9090");
  EXPECT_EQ(c->log, LogSettings{});
  EXPECT_EQ(c->log.level, spdlog::level::info);
  EXPECT_EQ(c->log.format, LogFormat::Text);
  // The admin socket sits next to the database file.
  EXPECT_EQ(c->database.sqlite_path, "/etc/lk/latchkey.db");
  EXPECT_EQ(c->admin_socket, "/etc/lk/latchkey.sock");
  EXPECT_EQ(parse_serve_config("", "")->admin_socket, "latchkey.sock");
}

TEST(ServeConfig, AdminSocketPath) {
  EXPECT_EQ(parse_serve_config("database: {type: sqlite, path: /var/lib/lk/state.db}\n", "/etc/lk")->admin_socket,
            "/var/lib/lk/latchkey.sock");
  EXPECT_EQ(parse_serve_config("admin_socket: run/admin.sock\n", "/etc/lk")->admin_socket, "/etc/lk/run/admin.sock");
  EXPECT_EQ(parse_serve_config("admin_socket: /run/lk.sock\n", "/etc/lk")->admin_socket, "/run/lk.sock");
  store::StoreConfig pg;
  pg.backend = store::Backend::Postgres;
  EXPECT_EQ(default_admin_socket(pg, "/etc/lk"), "/etc/lk/latchkey.sock");
  auto empty = parse_serve_config("admin_socket: \"\"\n", "/etc/lk");
  EXPECT_FALSE(empty.ok());
  EXPECT_NE(empty.message().find("admin_socket"), std::string::npos);
}

TEST(ServeConfig, ConnectionLimits) {
  auto d = parse_serve_config("", "");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->server.transport.connection_limits.max_connections.has_value());  // fitted at start
  EXPECT_EQ(d->server.transport.connection_limits.max_connections_per_address,
            transport::kDefaultMaxConnectionsPerAddress);
  auto c = parse_serve_config("limits: {max_connections: 5000, max_connections_per_address: 16}\n", "");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->server.transport.connection_limits.max_connections, std::optional<std::size_t>(5000));
  EXPECT_EQ(c->server.transport.connection_limits.max_connections_per_address, 16u);
  auto expect_error = [](const std::string& text, const std::string& words) {
    auto bad = parse_serve_config(text, "");
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.message().find(words), std::string::npos) << bad.message();
  };
  expect_error("limits: {max_connections: 0}", "limits.max_connections: want a whole number from 1 to 1048576, got \"0\"");
  expect_error("limits: {max_connections_per_address: lots}",
               "limits.max_connections_per_address: want a whole number from 1 to 1048576, got \"lots\"");
  expect_error("limits: {max_connections: 2000000}", "got \"2000000\"");
  expect_error("limits: {max_connections_per_ip: 5}", "limits.max_connections_per_ip: unknown setting");
  expect_error("limits: 5", "limits: want a mapping");
}

TEST(ServeConfig, TailnetLockAdministrators) {
  EXPECT_FALSE(parse_serve_config("", "")->server.tailnet.lock_administrators.has_value());
  auto c = parse_serve_config("tailnet_lock: {administrators: [alice, bob]}\n", "");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->server.tailnet.lock_administrators, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_FALSE(parse_serve_config("tailnet_lock: {administrators: alice}\n", "").ok());
  EXPECT_FALSE(parse_serve_config("tailnet_lock: {administrators: [\"\"]}\n", "").ok());
  EXPECT_FALSE(parse_serve_config("tailnet_lock: {admins: [alice]}\n", "").ok());
}

TEST(ServeConfig, TheDocumentedExampleParses) {
  const std::string path = std::string(LATCHKEY_TEST_DATA) + "/../../docs/config.example.yaml";
  auto c = load_serve_config(path);
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->listen_addr, "127.0.0.1:8080");
  EXPECT_EQ(c->metrics_listen_addr, "127.0.0.1:9090");
  EXPECT_EQ(c->log.format, LogFormat::Text);
  EXPECT_EQ(c->threads, 2);
}

TEST(ServeConfig, SettingsAreApplied) {
  auto c = parse_serve_config(R"(
listen_addr: 0.0.0.0:9000
server_url: https://control.example.com/
prefixes: {v4: 100.80.0.0/16, v6: "", allocation: random}
dns: {base_domain: corp.example, magic_dns: false, nameservers: [1.1.1.1], search_domains: [lan]}
derp:
  regions:
    - id: 900
      code: home
      nodes: [{host_name: derp.example.com, stun_port: -1}]
ephemeral_node_inactivity_timeout: 5m
database: {type: sqlite, path: /var/lib/lk.db}
)",
                              "/etc/lk");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->server_url, "https://control.example.com");
  EXPECT_EQ(c->server.tailnet.server_url, "https://control.example.com");
  EXPECT_EQ(c->server.tailnet.prefix_v4->to_string(), "100.80.0.0/16");
  EXPECT_FALSE(c->server.tailnet.prefix_v6.has_value());
  EXPECT_EQ(c->server.tailnet.allocation, AllocationStrategy::Random);
  EXPECT_EQ(c->server.tailnet.base_domain, "corp.example");
  EXPECT_FALSE(c->server.tailnet.netmap.dns_config->proxied);
  EXPECT_EQ(c->server.tailnet.netmap.dns_config->resolvers.at(0).addr, "1.1.1.1");
  EXPECT_EQ(c->server.tailnet.netmap.dns_config->domains, std::vector<std::string>{"lan"});
  ASSERT_EQ(c->server.tailnet.netmap.derp_map.regions.size(), 1u);
  EXPECT_EQ(c->server.tailnet.netmap.derp_map.regions.at(900).nodes->at(0).name, "900a");
  EXPECT_EQ(c->server.tailnet.netmap.derp_map.regions.at(900).nodes->at(0).stun_port, -1);
  EXPECT_EQ(c->server.tailnet.ephemeral_inactivity_timeout, std::chrono::seconds(300));
  EXPECT_EQ(c->database.sqlite_path, "/var/lib/lk.db");
}

TEST(ServeConfig, MistakesAreErrorsNamingTheSetting) {
  auto expect_error = [](const std::string& text, const std::string& word) {
    auto c = parse_serve_config(text, "");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.message().find(word), std::string::npos) << c.message();
  };
  expect_error("listen: 1", "listen: unknown setting");
  expect_error("listen_addr: nohost", "listen_addr");
  expect_error("prefixes: {v4: fd7a::/48}", "prefixes.v4");
  expect_error("prefixes: {allocation: chaotic}", "prefixes.allocation");
  expect_error("prefixes: {v4: '', v6: ''}", "prefixes");
  expect_error("dns: {nameservers: [not-an-ip]}", "dns.nameservers");
  expect_error("derp: {regions: [{id: 900}]}", "derp.regions[].nodes");
  expect_error("ephemeral_node_inactivity_timeout: soon", "ephemeral_node_inactivity_timeout");
  expect_error("tls: {cert_path: a.pem}", "tls");
  expect_error("[1, 2", "YAML");
}

// A value a setting does not allow is refused with the setting, the value
// and what is allowed.
TEST(ServeConfig, InvalidValuesNameTheSettingTheValueAndWhatIsAllowed) {
  auto expect_error = [](const std::string& text, const std::vector<std::string>& words) {
    auto c = parse_serve_config(text, "");
    ASSERT_FALSE(c.ok()) << text;
    for (const auto& w : words) EXPECT_NE(c.message().find(w), std::string::npos) << text << " -> " << c.message();
  };
  expect_error("log_level: debgu", {"log_level", "\"debgu\"", "trace, debug, info, warn, error, critical or off"});
  expect_error("log: {level: loud}", {"log.level", "\"loud\"", "want trace"});
  expect_error("log: {format: xml}", {"log.format", "\"xml\"", "text or json"});
  expect_error("log: {colour: red}", {"log.colour: unknown setting"});
  expect_error("log_level: info\nlog: {format: json}", {"log_level", "not both"});
  expect_error("listen_addr: 127.0.0.1:99999", {"listen_addr", "\"127.0.0.1:99999\"", "0 to 65535"});
  expect_error("listen_addr: localhost:80", {"listen_addr", "\"localhost\" is not an IP address"});
  expect_error("metrics_listen_addr: 9090", {"metrics_listen_addr", "\"9090\"", "host:port"});
  expect_error("server_url: control.example.com", {"server_url", "\"control.example.com\"", "http://host"});
  expect_error("server_url: https://control.example.com/prefix", {"server_url", "has a path"});
  expect_error("server_url: https://control.example.com:0", {"server_url", "bad port"});
  expect_error("server_url: https://", {"server_url", "no host"});
  expect_error("ephemeral_node_inactivity_timeout: 5x", {"ephemeral_node_inactivity_timeout", "\"5x\"", "30s"});
  expect_error("ephemeral_node_inactivity_timeout: 999999999999h", {"ephemeral_node_inactivity_timeout", "366d"});
  expect_error("ephemeral_node_inactivity_timeout: -5s", {"ephemeral_node_inactivity_timeout", "\"-5s\""});
  expect_error("threads: 0", {"threads", "1 to 64", "\"0\""});
  expect_error("threads: many", {"threads", "\"many\""});
  expect_error("prefixes: {v4: 100.64.0.0/31}", {"prefixes", "100.64.0.0/31", "too small"});
  expect_error("prefixes: {v4: nonsense}", {"prefixes.v4", "\"nonsense\"", "100.64.0.0/10"});
  expect_error("prefixes: {allocation: chaotic}", {"prefixes.allocation", "\"chaotic\"", "random"});
  expect_error("dns: {base_domain: \"my tailnet\"}", {"dns.base_domain", "\"my tailnet\"", "DNS name"});
  expect_error("dns: {search_domains: [\"-bad.example\"]}", {"dns.search_domains", "-bad.example"});
  expect_error("dns: {magic_dns: maybe}", {"dns.magic_dns", "\"maybe\"", "true or false"});
  expect_error("derp: {regions: [{id: 900, nodes: [{host_name: d.example, ipv4: 1.2.3}]}]}",
               {"derp.regions[].nodes[].ipv4", "\"1.2.3\""});
  expect_error("database: {type: mysql}", {"database.type", "mysql", "sqlite or postgres"});
  expect_error("database: {synchronous: sometimes}", {"database.synchronous", "sometimes", "full or normal"});
  expect_error("database: {type: postgres, dsn: \"host=db dbname\"}", {"database.dsn"});
  expect_error("admin_socket: /" + std::string(200, 'a'), {"admin_socket", "too long"});
  expect_error("noise_private_key_path: \"\"", {"noise_private_key_path", "want a file path"});
}

TEST(ServeConfig, LogSettings) {
  auto c = parse_serve_config("log: {level: debug, format: json}\n", "");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->log.level, spdlog::level::debug);
  EXPECT_EQ(c->log.format, LogFormat::Json);
  auto old = parse_serve_config("log_level: warn\n", "");
  ASSERT_TRUE(old.ok()) << old.message();
  EXPECT_EQ(old->log.level, spdlog::level::warn);
  EXPECT_EQ(old->log.format, LogFormat::Text);
  EXPECT_EQ(parse_serve_config("log: {level: \"off\"}\n", "")->log.level, spdlog::level::off);
  EXPECT_EQ(parse_serve_config("metrics_listen_addr: \"\"\n", "")->metrics_listen_addr, "");
  EXPECT_EQ(parse_serve_config("metrics_listen_addr: \"[::1]:9100\"\n", "")->metrics_listen_addr, "[::1]:9100");
  EXPECT_TRUE(parse_serve_config("server_url: \"https://[fd00::1]:8443/\"\n", "").ok());
  EXPECT_TRUE(parse_serve_config("ephemeral_node_inactivity_timeout: 2d\n", "").ok());
}

// SIGHUP: the log settings apply; every other changed setting is named.
TEST(ServeConfig, AReloadAppliesLogSettingsAndNamesTheRest) {
  auto running = parse_serve_config("listen_addr: 127.0.0.1:8080\nlog_level: info\ndns: {base_domain: a.example}\n", "");
  ASSERT_TRUE(running.ok());
  auto same = plan_reload(*running, *running);
  EXPECT_TRUE(same.needs_restart.empty());
  auto reread = parse_serve_config(
      "listen_addr: 127.0.0.1:9000\nlog: {level: debug, format: json}\ndns: {base_domain: a.example}\n"
      "threads: 4\n",
      "");
  ASSERT_TRUE(reread.ok());
  auto r = plan_reload(*running, *reread);
  EXPECT_EQ(r.log.level, spdlog::level::debug);
  EXPECT_EQ(r.log.format, LogFormat::Json);
  EXPECT_EQ(r.needs_restart, (std::vector<std::string>{"listen_addr", "threads"}));
  // A setting removed from the file is a change too.
  auto removed = parse_serve_config("listen_addr: 127.0.0.1:8080\n", "");
  EXPECT_EQ(plan_reload(*running, *removed).needs_restart, (std::vector<std::string>{"dns"}));
}

// --check-config: the files the config names, without creating any.
TEST(ServeConfig, CheckFilesFindsUnusableFilesAndCreatesNothing) {
  testing::TempDir dir;
  const std::string d = dir.path().string();
  auto good = parse_serve_config("database: {path: state.db}\n", d);
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(check_serve_files(*good).ok()) << check_serve_files(*good).message();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "noise_private.key"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "state.db"));

  auto expect_problem = [&](const std::string& yaml, const std::vector<std::string>& words) {
    auto c = parse_serve_config(yaml, d);
    ASSERT_TRUE(c.ok()) << c.message();
    auto st = check_serve_files(*c);
    ASSERT_FALSE(st.ok()) << yaml;
    for (const auto& w : words) EXPECT_NE(st.message().find(w), std::string::npos) << yaml << " -> " << st.message();
  };
  expect_problem("database: {path: missing/state.db}\n", {"database.path", d + "/missing", "does not exist"});
  expect_problem("noise_private_key_path: keys/noise.key\n", {"noise_private_key_path", d + "/keys"});
  expect_problem("admin_socket: run/admin.sock\n", {"admin_socket", d + "/run"});
  expect_problem("tls: {cert_path: cert.pem, key_path: key.pem}\n", {"tls.cert_path", d + "/cert.pem"});
  std::ofstream(dir.path() / "legacy_private.key") << "privkey:nothex\n";
  expect_problem("{}\n", {"legacy_private_key_path", "legacy_private.key"});
}

TEST(ServeConfig, PrivateKeyFilesAreCreatedOnceWithMode0600) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "keys" / "noise.key").string();
  bool created = false;
  auto k1 = load_or_create_private_key(path, &created);
  ASSERT_TRUE(k1.ok()) << k1.message();
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k2 = load_or_create_private_key(path, &created);
  ASSERT_TRUE(k2.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(k1->public_key(), k2->public_key());
  std::ofstream(path) << "garbage\n";
  EXPECT_FALSE(load_or_create_private_key(path).ok());
}

}  // namespace
}  // namespace latchkey::server
