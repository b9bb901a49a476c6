// Test support for store/: a real PostgreSQL server started once per test
// program (initdb into a temporary directory, pg_ctl start on 127.0.0.1 at
// a free port; as an unprivileged user when running as root) and a
// parameterized fixture that gives every test a fresh, empty database on
// the backend under test. If PostgreSQL cannot be started, the PostgreSQL
// instances of the tests fail; nothing is skipped.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "store/store.h"

namespace latchkey::store::testing {

class PostgresServer {
 public:
  // Starts the server on first use; later calls return the same one.
  // Fails (returns an error) if it could not be started.
  static Result<PostgresServer*> get();
  // Stops and removes the server if it was started (registered to run at
  // the end of the test program).
  static void shutdown();

  // A connection string for a new, empty database.
  Result<std::string> create_database();
  const std::string& base_conninfo() const { return base_; }

 private:
  std::string dir_;
  std::string data_;
  std::string base_;  // host/port/user, no dbname
  std::string run_as_;
  int next_db_ = 0;
  bool running_ = false;
  Status start();
  void stop();
};

// A fresh temporary directory, removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The config of a fresh empty database on backend b (SQLite files live in
// dir).
Result<StoreConfig> fresh_config(Backend b, const TempDir& dir);

inline std::string backend_param_name(const ::testing::TestParamInfo<Backend>& info) {
  return std::string(backend_name(info.param));
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  // Opens the same database again (a second handle, or after close()).
  std::unique_ptr<Store> reopen();

  TempDir dir_;
  StoreConfig config_;
  std::unique_ptr<Store> store_;
  // A fixed clock for deterministic records.
  TimePoint now_ = TimePoint(std::chrono::seconds(1'750'000'000));
};

// A StoreTest whose store starts with one user, "alice" (user_).
class StoreWithUserTest : public StoreTest {
 protected:
  void SetUp() override;

  UserId user_ = 0;
};

#define LATCHKEY_STORE_BACKENDS(suite)                                                                \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                        \
                           ::testing::Values(::latchkey::store::Backend::Sqlite,                   \
                                             ::latchkey::store::Backend::Postgres),                \
                           ::latchkey::store::testing::backend_param_name)

}  // namespace latchkey::store::testing
