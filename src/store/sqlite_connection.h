// Internal to store: a SQLite connection (sqlite3 C API) implementing
// sql::Connection. Opened in WAL mode with foreign keys on and the busy
// timeout and synchronous level of the config; statements are prepared
// once and cached by text. A database file it creates has mode 0600 (and
// so do its -wal and -shm files).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "store/sql.h"

struct sqlite3;
struct sqlite3_stmt;

namespace latchkey::store::sql {

class SqliteConnection final : public Connection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path, int busy_timeout_ms,
                                                        std::string_view synchronous);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Dialect dialect() const override { return Dialect::Sqlite; }
  Status exec(std::string_view sql) override;
  Result<std::vector<Row>> query(std::string_view sql, std::span<const Param> params) override;
  Result<std::int64_t> execute(std::string_view sql, std::span<const Param> params) override;
  using Connection::execute;
  using Connection::query;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> prepare(std::string_view sql);
  Status bind(sqlite3_stmt* stmt, std::span<const Param> params);
  Error error_from(int rc, std::string_view what) const;

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace latchkey::store::sql
