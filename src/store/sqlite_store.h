// Internal to store: the SQLite backend. One connection in WAL mode; calls
// are serialised by a mutex (SQLite admits one writer at a time anyway) and
// write transactions start with BEGIN IMMEDIATE, so a transaction never
// has to upgrade a read lock and a second process waits (busy timeout)
// rather than failing mid-way.
#pragma once

#include <memory>
#include <mutex>

#include "store/sqlite_connection.h"
#include "store/store.h"

namespace latchkey::store {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> open(const StoreConfig& config);

  Backend backend() const override { return Backend::Sqlite; }
  Result<int> schema_version() override;
  Status transact(const std::function<Status(Transaction&)>& fn) override;

 private:
  explicit SqliteStore(std::unique_ptr<sql::SqliteConnection> c) : conn_(std::move(c)) {}

  std::mutex mu_;
  std::unique_ptr<sql::SqliteConnection> conn_;
};

}  // namespace latchkey::store
