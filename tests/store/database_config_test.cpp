// The `database:` config section and the default database: strict key and
// value checks, relative SQLite paths taken from the config's directory,
// and password hiding in describe(). Pure parsing, no database involved.
#include <gtest/gtest.h>

#include <fstream>

#include "store/database_config.h"
#include "store/store_fixture.h"

namespace latchkey::store::testing {
namespace {

TEST(DatabaseConfig, DefaultIsSqliteInWorkingDirectory) {
  const StoreConfig c = default_store_config();
  EXPECT_EQ(c.backend, Backend::Sqlite);
  EXPECT_EQ(c.sqlite_path, "latchkey.db");
  EXPECT_EQ(c.sqlite_synchronous, "full");
  for (const char* text : {"", "server_url: https://x\n", "database:\n", "database: ~\n"}) {
    auto d = database_config_from_text(text, "/etc/latchkey");
    ASSERT_TRUE(d.ok()) << text << ": " << d.message();
    EXPECT_EQ(d->backend, Backend::Sqlite) << text;
    EXPECT_EQ(d->sqlite_path, "/etc/latchkey/latchkey.db") << text;
  }
  auto bare = database_config_from_text("database: {type: sqlite}\n", "");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->sqlite_path, "latchkey.db");
  auto none = load_database_config("");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->sqlite_path, "latchkey.db");
}

TEST(DatabaseConfig, Sqlite) {
  auto c = database_config_from_text(
      "database:\n  type: sqlite\n  path: data/l.db\n  synchronous: normal\n  busy_timeout_ms: 250\n",
      "/etc/latchkey");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->backend, Backend::Sqlite);
  EXPECT_EQ(c->sqlite_path, "/etc/latchkey/data/l.db");
  EXPECT_EQ(c->sqlite_synchronous, "normal");
  EXPECT_EQ(c->sqlite_busy_timeout_ms, 250);
  auto abs = database_config_from_text("database: {path: /var/lib/l.db}\n", "/etc/latchkey");
  ASSERT_TRUE(abs.ok()) << abs.message();
  EXPECT_EQ(abs->sqlite_path, "/var/lib/l.db");
  auto here = database_config_from_text("database: {path: l.db}\n", "");
  ASSERT_TRUE(here.ok());
  EXPECT_EQ(here->sqlite_path, "l.db");
}

TEST(DatabaseConfig, Postgres) {
  auto c = database_config_from_text(
      "database:\n  type: postgres\n  dsn: \"host=db dbname=latchkey password=hunter2\"\n  pool_size: 8\n", "/x");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->backend, Backend::Postgres);
  EXPECT_EQ(c->postgres_conninfo, "host=db dbname=latchkey password=hunter2");
  EXPECT_EQ(c->postgres_pool_size, 8);
  EXPECT_EQ(describe(*c), "postgres:host=db dbname=latchkey password=***");
  StoreConfig uri;
  uri.backend = Backend::Postgres;
  uri.postgres_conninfo = "postgresql://lk:s3cret@db:5432/latchkey";
  EXPECT_EQ(describe(uri), "postgres:postgresql://lk:***@db:5432/latchkey");
}

TEST(DatabaseConfig, BadInputNamesTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"database: {type: mysql}", "database.type"},
      {"database: {type: postgres}", "needs a dsn"},
      {"database: {type: sqlite, dsn: x}", "database.dsn"},
      {"database: {type: postgres, dsn: x, path: y}", "database.path"},
      {"database: {pth: x}", "unknown key \"pth\""},
      {"database: {path: \"\"}", "database.path"},
      {"database: {synchronous: off}", "database.synchronous"},
      {"database: {busy_timeout_ms: -1}", "database.busy_timeout_ms"},
      {"database: {busy_timeout_ms: 99999999999}", "database.busy_timeout_ms"},
      {"database: {type: postgres, dsn: x, pool_size: 0}", "database.pool_size"},
      {"database: {type: postgres, dsn: \"host=db dbname\"}", "database.dsn: not a libpq connection string"},
      {"database: {type: postgres, dsn: \"postgres://[::1/x\"}", "database.dsn"},
      {"database: {path: [a, b]}", "database.path"},
      {"database: [1, 2]", "database: want a mapping"},
      {"- a\n- b\n", "top level"},
      {"database: {path: x\n", "config:"},
  };
  for (const auto& [text, want] : cases) {
    auto c = database_config_from_text(text, "");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.message().find(want), std::string::npos) << text << " -> " << c.message();
  }
}

TEST(DatabaseConfig, LoadFileResolvesAgainstItsDirectory) {
  TempDir dir;
  const std::string path = dir.path() + "/latchkey.yaml";
  {
    std::ofstream out(path);
    out << "database:\n  type: sqlite\n  path: state/latchkey.db\n";
  }
  auto c = load_database_config(path);
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->sqlite_path, dir.path() + "/state/latchkey.db");
  auto missing = load_database_config(dir.path() + "/nope.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("nope.yaml"), std::string::npos);
}

}  // namespace
}  // namespace latchkey::store::testing
