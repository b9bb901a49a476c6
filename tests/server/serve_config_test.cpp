// The serve configuration: defaults, the documented example file, strict
// errors, and the private key files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

TEST(ServeConfig, TheDocumentedExampleParses) {
  const std::string path = std::string(LATCHKEY_TEST_DATA) + "/../../docs/config.example.yaml";
  auto c = load_serve_config(path);
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->listen_addr, "127.0.0.1:8080");
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
