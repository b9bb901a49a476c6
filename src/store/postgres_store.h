// Internal to store: the PostgreSQL backend. A pool of up to
// postgres_pool_size libpq connections, opened on demand; each transaction
// holds one connection (READ COMMITTED; the operations' single-statement
// checks, such as redeeming a key, are safe under it). Serialization
// failures and deadlocks are retried; a broken connection is replaced.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "store/postgres_connection.h"
#include "store/store.h"

namespace latchkey::store {

class PostgresStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> open(const StoreConfig& config);

  Backend backend() const override { return Backend::Postgres; }
  Result<int> schema_version() override;
  Status transact(const std::function<Status(Transaction&)>& fn) override;

 private:
  explicit PostgresStore(const StoreConfig& config) : config_(config) {}
  Result<std::unique_ptr<sql::PostgresConnection>> acquire();
  void release(std::unique_ptr<sql::PostgresConnection> c);

  StoreConfig config_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<sql::PostgresConnection>> idle_;
  int open_ = 0;
};

}  // namespace latchkey::store
