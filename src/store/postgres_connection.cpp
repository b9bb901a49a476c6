#include "store/postgres_connection.h"

#include <libpq-fe.h>

#include <cstring>

namespace latchkey::store::sql {
namespace {

constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::int64_t read_be(const char* p, int len) {
  std::uint64_t v = 0;
  for (int i = 0; i < len; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  // Sign-extend shorter integers.
  if (len < 8 && len > 0 && (static_cast<unsigned char>(p[0]) & 0x80) != 0) {
    v |= ~std::uint64_t{0} << (8 * len);
  }
  return static_cast<std::int64_t>(v);
}

// "nodes_ipv4_key" on table "nodes" -> "nodes.ipv4".
std::string canonical_constraint(const char* table, const char* constraint) {
  std::string t = table ? table : "";
  std::string c = constraint ? constraint : "";
  if (!t.empty() && c.rfind(t + "_", 0) == 0) c = c.substr(t.size() + 1);
  if (c.size() > 4 && c.compare(c.size() - 4, 4, "_key") == 0) c.resize(c.size() - 4);
  return t.empty() ? c : t + "." + c;
}

}  // namespace

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::open(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr) return Error{"postgres: out of memory connecting", ErrorKind::Unavailable};
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(c);
    return Error{"postgres: cannot connect: " + msg, ErrorKind::Unavailable};
  }
  std::unique_ptr<PostgresConnection> conn(new PostgresConnection(c));
  if (auto st = conn->exec("SET client_min_messages = warning"); !st) return st.error();
  return conn;
}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

bool PostgresConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

Error PostgresConnection::error_from(PGresult* res, std::string_view what) const {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (broken()) return Error{"postgres: connection lost during " + std::string(what) + ": " + msg, ErrorKind::Unavailable};
  const std::string code = state ? state : "";
  if (code == "23505") {
    return Error{std::string(kUniqueViolation) + canonical_constraint(PQresultErrorField(res, PG_DIAG_TABLE_NAME),
                                                                       PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)),
                 ErrorKind::AlreadyExists};
  }
  if (code == "23503") return Error{std::string(kForeignKeyViolation), ErrorKind::Conflict};
  if (code == "40001" || code == "40P01" || code == "55P03") {
    return Error{"postgres: transaction lost a race: " + msg, ErrorKind::Contended};
  }
  if (code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0 || code == "53300") {
    return Error{"postgres: " + msg, ErrorKind::Unavailable};
  }
  if (code.rfind("23", 0) == 0) return Error{"postgres: constraint failed: " + msg, ErrorKind::Conflict};
  if (code.rfind("22", 0) == 0) return Error{"postgres: " + msg, ErrorKind::Invalid};
  return Error{"postgres: " + std::string(what) + ": " + msg, ErrorKind::Internal};
}

Status PostgresConnection::exec(std::string_view sql) {
  const std::string text(sql);
  ResultPtr res(PQexec(conn_, text.c_str()));
  const auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error_from(res.get(), "exec");
  return {};
}

Result<PGresult*> PostgresConnection::run(std::string_view sql, std::span<const Param> params) {
  std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    ResultPtr prep(PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr));
    if (!prep || PQresultStatus(prep.get()) != PGRES_COMMAND_OK) return error_from(prep.get(), "prepare");
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  const std::size_t n = params.size();
  std::vector<std::string> text(n);
  std::vector<const char*> values(n, nullptr);
  std::vector<int> lengths(n, 0);
  std::vector<int> formats(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Param& p = params[i];
    if (std::holds_alternative<std::monostate>(p)) continue;
    if (const auto* v = std::get_if<std::int64_t>(&p)) {
      text[i] = std::to_string(*v);
    } else if (const auto* b = std::get_if<bool>(&p)) {
      text[i] = *b ? "t" : "f";
    } else if (const auto* s = std::get_if<std::string_view>(&p)) {
      if (std::memchr(s->data(), 0, s->size()) != nullptr) {
        return Error{"postgres: text parameter contains a NUL byte", ErrorKind::Invalid};
      }
      text[i] = std::string(*s);
    } else if (const auto* blob = std::get_if<Blob>(&p)) {
      values[i] = reinterpret_cast<const char*>(blob->bytes.data());
      static const char kEmpty = 0;
      if (values[i] == nullptr) values[i] = &kEmpty;
      lengths[i] = static_cast<int>(blob->bytes.size());
      formats[i] = 1;
      continue;
    }
    values[i] = text[i].c_str();
    lengths[i] = static_cast<int>(text[i].size());
  }
  PGresult* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(n), values.data(), lengths.data(),
                                 formats.data(), 1);
  const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Error e = error_from(res, "statement");
    PQclear(res);
    return e;
  }
  return res;
}

Result<std::vector<Row>> PostgresConnection::query(std::string_view sql, std::span<const Param> params) {
  auto r = run(sql, params);
  if (!r) return r.error();
  ResultPtr res(*r);
  const int rows = PQntuples(res.get());
  const int cols = PQnfields(res.get());
  std::vector<Row> out;
  out.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    std::vector<Cell> cells;
    cells.reserve(static_cast<std::size_t>(cols));
    for (int j = 0; j < cols; ++j) {
      if (PQgetisnull(res.get(), i, j)) {
        cells.emplace_back(std::monostate{});
        continue;
      }
      const char* v = PQgetvalue(res.get(), i, j);
      const int len = PQgetlength(res.get(), i, j);
      const Oid type = PQftype(res.get(), j);
      if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid || type == kBoolOid) {
        cells.emplace_back(read_be(v, len));
      } else {
        cells.emplace_back(std::string(v, static_cast<std::size_t>(len)));
      }
    }
    out.emplace_back(std::move(cells));
  }
  return out;
}

Result<std::int64_t> PostgresConnection::execute(std::string_view sql, std::span<const Param> params) {
  auto r = run(sql, params);
  if (!r) return r.error();
  ResultPtr res(*r);
  const char* n = PQcmdTuples(res.get());
  std::int64_t count = 0;
  for (const char* p = n; p && *p; ++p) count = count * 10 + (*p - '0');
  return count;
}

}  // namespace latchkey::store::sql
