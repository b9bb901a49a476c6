#include "store/sqlite_store.h"

#include <chrono>
#include <thread>

#include "store/migrations.h"
#include "store/sql_transaction.h"

namespace latchkey::store {

Result<std::unique_ptr<Store>> SqliteStore::open(const StoreConfig& config) {
  if (config.sqlite_path.empty()) return Error{"sqlite: database path is empty"};
  auto conn = sql::SqliteConnection::open(config.sqlite_path, config.sqlite_busy_timeout_ms, config.sqlite_synchronous);
  if (!conn) return conn.error();
  if (auto v = migrate(**conn); !v) return v.error();
  return std::unique_ptr<Store>(new SqliteStore(std::move(*conn)));
}

Result<int> SqliteStore::schema_version() {
  std::lock_guard<std::mutex> lock(mu_);
  return current_schema_version(*conn_);
}

Status SqliteStore::transact(const std::function<Status(Transaction&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    Status st = conn_->exec("BEGIN IMMEDIATE");
    if (st) {
      SqlTransaction tx(*conn_);
      st = fn(tx);
      if (st) {
        st = conn_->exec("COMMIT");
        if (st) return {};
      }
      (void)conn_->exec("ROLLBACK");
    }
    const bool retryable = st.kind() == ErrorKind::Contended;
    if (!retryable || attempt == kAttempts) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * attempt));
  }
}

}  // namespace latchkey::store
