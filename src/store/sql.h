// Internal to store: the small SQL surface both backends provide, so that
// the operations (sql_transaction.cpp) are written once. Statements use
// PostgreSQL's $1..$n placeholders; the SQLite connection rewrites them to
// ?1..?n. Values are null, 64-bit integers, booleans, text or blobs; result
// cells are null, integers (booleans read as 0/1) or byte strings.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey::store::sql {

enum class Dialect { Sqlite, Postgres };

struct Blob {
  ByteView bytes;
};

// A statement parameter (views: the caller keeps the data alive).
using Param = std::variant<std::monostate, std::int64_t, bool, std::string_view, Blob>;

inline Param null() { return std::monostate{}; }
template <class T>
Param optional_param(const std::optional<T>& v) {
  if (!v) return std::monostate{};
  return Param(*v);
}

using Cell = std::variant<std::monostate, std::int64_t, std::string>;

class Row {
 public:
  explicit Row(std::vector<Cell> cells) : cells_(std::move(cells)) {}
  std::size_t size() const { return cells_.size(); }
  bool is_null(std::size_t i) const { return std::holds_alternative<std::monostate>(cells_.at(i)); }
  std::int64_t int64(std::size_t i) const;
  bool boolean(std::size_t i) const { return int64(i) != 0; }
  std::string text(std::size_t i) const;
  Bytes blob(std::size_t i) const;
  std::optional<std::int64_t> optional_int64(std::size_t i) const {
    if (is_null(i)) return std::nullopt;
    return int64(i);
  }

 private:
  std::vector<Cell> cells_;
};

// One database connection. Not thread-safe; the store serialises use.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs statements without parameters or results (DDL, BEGIN, COMMIT).
  virtual Status exec(std::string_view sql) = 0;
  virtual Result<std::vector<Row>> query(std::string_view sql, std::span<const Param> params) = 0;
  // Returns the number of rows changed.
  virtual Result<std::int64_t> execute(std::string_view sql, std::span<const Param> params) = 0;
  // Whether the connection is broken and should be replaced.
  virtual bool broken() const { return false; }

  Result<std::vector<Row>> query(std::string_view sql, std::initializer_list<Param> params) {
    return query(sql, std::span<const Param>(params.begin(), params.size()));
  }
  Result<std::int64_t> execute(std::string_view sql, std::initializer_list<Param> params) {
    return execute(sql, std::span<const Param>(params.begin(), params.size()));
  }
};

// Error texts for constraint failures name the constraint canonically as
// "<table>.<column>" after this prefix, whatever the backend.
inline constexpr std::string_view kUniqueViolation = "unique constraint violated: ";
inline constexpr std::string_view kForeignKeyViolation = "foreign key constraint violated";

}  // namespace latchkey::store::sql
