#include "store/postgres_store.h"

#include <chrono>
#include <thread>

#include "store/migrations.h"
#include "store/sql_transaction.h"

namespace latchkey::store {

Result<std::unique_ptr<Store>> PostgresStore::open(const StoreConfig& config) {
  if (config.postgres_conninfo.empty()) return Error{"postgres: connection string is empty"};
  if (config.postgres_pool_size < 1) return Error{"postgres: pool size must be at least 1"};
  std::unique_ptr<PostgresStore> s(new PostgresStore(config));
  auto conn = s->acquire();
  if (!conn) return conn.error();
  auto v = migrate(**conn);
  s->release(std::move(*conn));
  if (!v) return v.error();
  return std::unique_ptr<Store>(std::move(s));
}

Result<std::unique_ptr<sql::PostgresConnection>> PostgresStore::acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  freed_.wait(lock, [&] { return !idle_.empty() || open_ < config_.postgres_pool_size; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  ++open_;
  lock.unlock();
  auto c = sql::PostgresConnection::open(config_.postgres_conninfo);
  if (!c) {
    lock.lock();
    --open_;
    freed_.notify_one();
    return c.error();
  }
  return std::move(*c);
}

void PostgresStore::release(std::unique_ptr<sql::PostgresConnection> c) {
  std::lock_guard<std::mutex> lock(mu_);
  if (c && !c->broken()) {
    idle_.push_back(std::move(c));
  } else {
    --open_;
  }
  freed_.notify_one();
}

Result<int> PostgresStore::schema_version() {
  auto c = acquire();
  if (!c) return c.error();
  auto v = current_schema_version(**c);
  release(std::move(*c));
  return v;
}

Status PostgresStore::transact(const std::function<Status(Transaction&)>& fn) {
  constexpr int kAttempts = 10;
  for (int attempt = 1;; ++attempt) {
    auto c = acquire();
    if (!c) return c.error();
    sql::PostgresConnection& conn = **c;
    Status st = conn.exec("BEGIN");
    if (st) {
      SqlTransaction tx(conn);
      st = fn(tx);
      if (st) {
        st = conn.exec("COMMIT");
      }
      if (!st && !conn.broken()) (void)conn.exec("ROLLBACK");
    }
    release(std::move(*c));  // a broken connection is dropped, not pooled
    if (st) return {};
    // Only lost races are retried. A connection lost mid-transaction is
    // reported (Unavailable): after COMMIT was sent its outcome is unknown.
    const bool retryable = st.kind() == ErrorKind::Contended;
    if (!retryable || attempt == kAttempts) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(2 * attempt));
  }
}

}  // namespace latchkey::store
