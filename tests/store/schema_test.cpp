// Schema migrations and transactions: a fresh database is at the latest
// version, reopening keeps data and version, a newer database is refused,
// migration 2 keeps the newest pending registration of each machine key,
// and Store::transact commits or rolls back as a unit. Runs on SQLite and
// PostgreSQL.
#include <gtest/gtest.h>

#include "store/migrations.h"
#include "store/node_builders.h"
#include "store/postgres_connection.h"
#include "store/sqlite_connection.h"
#include "store/store_fixture.h"

namespace latchkey::store::testing {
namespace {

using SchemaTest = StoreTest;

TEST_P(SchemaTest, FreshDatabaseIsAtLatestVersion) {
  EXPECT_EQ(store_->backend(), GetParam());
  auto v = store_->schema_version();
  ASSERT_TRUE(v.ok()) << v.message();
  EXPECT_EQ(*v, latest_schema_version());
  EXPECT_GE(latest_schema_version(), 1);
}

TEST_P(SchemaTest, ReopenKeepsDataAndVersion) {
  auto u = store_->create_user({"alice", "", "", ""}, now_);
  ASSERT_TRUE(u.ok());
  store_.reset();
  auto again = reopen();
  ASSERT_NE(again, nullptr);
  auto v = again->schema_version();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, latest_schema_version());
  auto found = again->find_user_by_name("alice");
  ASSERT_TRUE(found.ok()) << found.message();
  EXPECT_EQ(*found, *u);
}

TEST_P(SchemaTest, NewerDatabaseIsRefused) {
  store_.reset();
  {
    std::unique_ptr<sql::Connection> c;
    if (GetParam() == Backend::Sqlite) {
      auto s = sql::SqliteConnection::open(config_.sqlite_path, 1000, "full");
      ASSERT_TRUE(s.ok()) << s.message();
      c = std::move(*s);
    } else {
      auto p = sql::PostgresConnection::open(config_.postgres_conninfo);
      ASSERT_TRUE(p.ok()) << p.message();
      c = std::move(*p);
    }
    auto r = c->execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                        {std::int64_t{latest_schema_version() + 1}, std::string_view("from the future"),
                         std::int64_t{0}});
    ASSERT_TRUE(r.ok()) << r.message();
  }
  auto s = Store::open(config_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::Conflict);
  EXPECT_NE(s.message().find("newer"), std::string::npos) << s.message();
}

// A version-1 database may hold several pending registrations of one
// machine; migration 2 keeps the newest of each before making the machine
// key unique.
TEST_P(SchemaTest, MigrationTwoKeepsTheNewestPendingRegistrationPerMachine) {
  store_.reset();
  {
    std::unique_ptr<sql::Connection> c;
    if (GetParam() == Backend::Sqlite) {
      auto s = sql::SqliteConnection::open(config_.sqlite_path, 1000, "full");
      ASSERT_TRUE(s.ok()) << s.message();
      c = std::move(*s);
    } else {
      auto p = sql::PostgresConnection::open(config_.postgres_conninfo);
      ASSERT_TRUE(p.ok()) << p.message();
      c = std::move(*p);
    }
    // Back to version 1 (undoing version 3 first).
    ASSERT_TRUE(c->exec("ALTER TABLE tka_aums DROP COLUMN committed_at").ok());
    ASSERT_TRUE(c->exec("ALTER TABLE pending_registrations DROP COLUMN node_key_signature").ok());
    ASSERT_TRUE(c->execute("DELETE FROM schema_migrations WHERE version = 3", {}).ok());
    ASSERT_TRUE(c->exec(GetParam() == Backend::Sqlite
                            ? "DROP INDEX pending_registrations_machine_key_key"
                            : "ALTER TABLE pending_registrations DROP CONSTRAINT pending_registrations_machine_key_key")
                    .ok());
    ASSERT_TRUE(c->exec("DROP INDEX pending_registrations_expires_at").ok());
    ASSERT_TRUE(c->execute("DELETE FROM schema_migrations WHERE version = 2", {}).ok());
    const std::string m1 = machine_key(1).to_string(), m2 = machine_key(2).to_string();
    const std::string nk = node_key(1).to_string();
    const std::tuple<std::string, std::string, std::int64_t> rows[] = {
        {"old", m1, 1}, {"new", m1, 3}, {"middle", m1, 2}, {"other", m2, 1}};
    for (const auto& [id, mk, created] : rows) {
      auto r = c->execute(
          "INSERT INTO pending_registrations (auth_id, machine_key, node_key, expires_at, created_at) "
          "VALUES ($1, $2, $3, $4, $5)",
          {std::string_view(id), std::string_view(mk), std::string_view(nk), std::int64_t{100}, created});
      ASSERT_TRUE(r.ok()) << r.message();
    }
  }
  auto s = Store::open(config_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(*(*s)->schema_version(), latest_schema_version());
  auto left = (*s)->list_pending_registrations();
  ASSERT_TRUE(left.ok()) << left.message();
  std::vector<std::string> ids;
  for (const auto& p : *left) ids.push_back(p.auth_id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"new", "other"}));
}

// Migration 3 adds the AUMs' commit times (those already stored count as
// committed at the epoch) and the pending registrations' signatures (none).
TEST_P(SchemaTest, MigrationThreeKeepsStoredAumsAndPendingRegistrations) {
  store_.reset();
  const Bytes hash(32, 7), aum{0xa0};
  {
    std::unique_ptr<sql::Connection> c;
    if (GetParam() == Backend::Sqlite) {
      auto s = sql::SqliteConnection::open(config_.sqlite_path, 1000, "full");
      ASSERT_TRUE(s.ok()) << s.message();
      c = std::move(*s);
    } else {
      auto p = sql::PostgresConnection::open(config_.postgres_conninfo);
      ASSERT_TRUE(p.ok()) << p.message();
      c = std::move(*p);
    }
    // Back to version 2, with one AUM and one pending registration.
    ASSERT_TRUE(c->exec("ALTER TABLE tka_aums DROP COLUMN committed_at").ok());
    ASSERT_TRUE(c->exec("ALTER TABLE pending_registrations DROP COLUMN node_key_signature").ok());
    ASSERT_TRUE(c->execute("DELETE FROM schema_migrations WHERE version = 3", {}).ok());
    ASSERT_TRUE(c->execute("INSERT INTO tka_aums (hash, parent_hash, aum) VALUES ($1, NULL, $2)",
                           {sql::Blob{hash}, sql::Blob{aum}})
                    .ok());
    const std::string mk = machine_key(1).to_string(), nk = node_key(1).to_string();
    ASSERT_TRUE(c->execute("INSERT INTO pending_registrations (auth_id, machine_key, node_key, expires_at, created_at) "
                           "VALUES ($1, $2, $3, $4, $5)",
                           {std::string_view("waiting"), std::string_view(mk), std::string_view(nk), std::int64_t{100},
                            std::int64_t{1}})
                    .ok());
  }
  auto s = Store::open(config_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(*(*s)->schema_version(), latest_schema_version());
  auto a = (*s)->get_aum(hash);
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a->aum, aum);
  EXPECT_EQ(a->committed_at, TimePoint{});
  auto p = (*s)->get_pending_registration("waiting");
  ASSERT_TRUE(p.ok()) << p.message();
  EXPECT_FALSE(p->node_key_signature.has_value());
}

TEST_P(SchemaTest, TransactionCommitsAllSteps) {
  auto st = store_->transact([&](Transaction& tx) -> Status {
    auto u = tx.create_user({"alice", "", "", ""}, now_);
    if (!u) return u.error();
    auto n = tx.register_node(new_node(1, u->id), now_);
    if (!n) return n.error();
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.message();
  auto nodes = store_->list_nodes();
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(nodes->size(), 1u);
}

TEST_P(SchemaTest, FailedStepRollsBackEarlierOnes) {
  auto u = store_->create_user({"alice", "", "", ""}, now_);
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(store_->register_node(new_node(1, u->id), now_).ok());
  auto key = store_->create_pre_auth_key({u->id, false, false, {}, std::nullopt}, now_);
  ASSERT_TRUE(key.ok());
  // Redeem the key and register a node whose address is taken: the
  // registration fails, so the key must not be consumed.
  auto st = store_->transact([&](Transaction& tx) -> Status {
    auto k = tx.redeem_pre_auth_key(key->text, now_);
    if (!k) return k.error();
    NewNode n = new_node(2, u->id);
    n.ipv4 = ipv4(1);
    auto node = tx.register_node(n, now_);
    if (!node) return node.error();
    return {};
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.kind(), ErrorKind::AlreadyExists);
  auto k = store_->get_pre_auth_key(key->key.id);
  ASSERT_TRUE(k.ok());
  EXPECT_FALSE(k->used);
  EXPECT_TRUE(store_->redeem_pre_auth_key(key->text, now_).ok());
  // An error returned by the function itself also rolls back.
  auto st2 = store_->transact([&](Transaction& tx) -> Status {
    auto b = tx.create_user({"bob", "", "", ""}, now_);
    if (!b) return b.error();
    return Error{"changed my mind"};
  });
  ASSERT_FALSE(st2.ok());
  EXPECT_EQ(st2.message(), "changed my mind");
  EXPECT_EQ(store_->find_user_by_name("bob").kind(), ErrorKind::NotFound);
}

TEST_P(SchemaTest, RunReturnsTheValue) {
  auto n = store_->run<std::size_t>([&](Transaction& tx) -> Result<std::size_t> {
    auto u = tx.create_user({"carol", "", "", ""}, now_);
    if (!u) return u.error();
    auto all = tx.list_users();
    if (!all) return all.error();
    return all->size();
  });
  ASSERT_TRUE(n.ok()) << n.message();
  EXPECT_EQ(*n, 1u);
}

TEST_P(SchemaTest, SecondHandleSeesCommittedWrites) {
  auto other = reopen();
  ASSERT_NE(other, nullptr);
  auto u = store_->create_user({"alice", "", "", ""}, now_);
  ASSERT_TRUE(u.ok());
  auto seen = other->get_user(u->id);
  ASSERT_TRUE(seen.ok()) << seen.message();
  EXPECT_EQ(*seen, *u);
}

LATCHKEY_STORE_BACKENDS(SchemaTest);

TEST(StoreOpen, UnreachableDatabasesAreUnavailable) {
  StoreConfig pg;
  pg.backend = Backend::Postgres;
  pg.postgres_conninfo = "host=127.0.0.1 port=1 dbname=x connect_timeout=2";
  auto p = Store::open(pg);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.kind(), ErrorKind::Unavailable);
  EXPECT_NE(p.message().find("postgres: cannot connect"), std::string::npos) << p.message();

  StoreConfig sq;
  sq.sqlite_path = "/nonexistent-dir/latchkey.db";
  auto s = Store::open(sq);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::Unavailable);
  EXPECT_NE(s.message().find("/nonexistent-dir/latchkey.db"), std::string::npos) << s.message();
}

TEST(StoreOpen, BadSynchronousSettingRefused) {
  TempDir dir;
  StoreConfig c;
  c.sqlite_path = dir.path() + "/x.db";
  c.sqlite_synchronous = "off";
  auto s = Store::open(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("synchronous"), std::string::npos);
}

}  // namespace
}  // namespace latchkey::store::testing
