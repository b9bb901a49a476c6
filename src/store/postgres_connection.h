// Internal to store: a PostgreSQL connection (libpq) implementing
// sql::Connection. Statements are prepared once per connection and cached
// by text; parameters go as text (blobs as binary bytea) with types
// inferred by the server; results come back in binary form.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "store/sql.h"

struct pg_conn;
struct pg_result;

namespace latchkey::store::sql {

class PostgresConnection final : public Connection {
 public:
  static Result<std::unique_ptr<PostgresConnection>> open(const std::string& conninfo);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Dialect dialect() const override { return Dialect::Postgres; }
  Status exec(std::string_view sql) override;
  Result<std::vector<Row>> query(std::string_view sql, std::span<const Param> params) override;
  Result<std::int64_t> execute(std::string_view sql, std::span<const Param> params) override;
  bool broken() const override;
  using Connection::execute;
  using Connection::query;

 private:
  explicit PostgresConnection(pg_conn* c) : conn_(c) {}
  Result<pg_result*> run(std::string_view sql, std::span<const Param> params);
  Error error_from(pg_result* res, std::string_view what) const;

  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

}  // namespace latchkey::store::sql
