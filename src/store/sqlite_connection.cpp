#include "store/sqlite_connection.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace latchkey::store::sql {
namespace {

// "$12" -> "?12" outside string literals.
std::string to_sqlite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool in_literal = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') in_literal = !in_literal;
    if (!in_literal && c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out.push_back('?');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// "UNIQUE constraint failed: nodes.ipv4" -> "nodes.ipv4" (the first column
// of a multi-column constraint).
std::string unique_target(const char* msg) {
  std::string_view m(msg);
  constexpr std::string_view kPrefix = "UNIQUE constraint failed: ";
  if (m.substr(0, kPrefix.size()) != kPrefix) return std::string(m);
  m.remove_prefix(kPrefix.size());
  if (auto comma = m.find(','); comma != std::string_view::npos) m = m.substr(0, comma);
  return std::string(m);
}

// A new database file is created owner-only (mode 0600, like the private
// key files): it holds Hostinfo and endpoints. SQLite gives the -wal and
// -shm files it creates the database file's mode. An existing file keeps
// the mode its owner chose.
Status create_owner_only(const std::string& path) {
  if (path == ":memory:") return {};
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return Error{"sqlite: cannot create " + path + ": " + std::strerror(errno), ErrorKind::Unavailable};
  }
  // Exactly 0600 whatever the umask.
  const bool ok = ::fchmod(fd, 0600) == 0;
  const std::string why = ok ? "" : std::strerror(errno);
  ::close(fd);
  if (!ok) return Error{"sqlite: cannot set mode 0600 on " + path + ": " + why, ErrorKind::Unavailable};
  return {};
}

}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path, int busy_timeout_ms,
                                                                 std::string_view synchronous) {
  if (auto st = create_owner_only(path); !st) return st.error();
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error{"sqlite: cannot open " + path + ": " + msg, ErrorKind::Unavailable};
  }
  std::unique_ptr<SqliteConnection> c(new SqliteConnection(db));
  sqlite3_busy_timeout(db, busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  if (synchronous != "normal" && synchronous != "full") {
    return Error{"sqlite: synchronous must be \"normal\" or \"full\", not \"" + std::string(synchronous) + "\""};
  }
  // journal_mode answers with the mode in force; WAL is refused on some
  // filesystems, which is an error here rather than a silent fallback.
  auto mode = c->query("PRAGMA journal_mode=WAL", std::span<const Param>{});
  if (!mode) return mode.error();
  if (mode->empty() || (*mode)[0].text(0) != "wal") {
    return Error{"sqlite: cannot switch " + path + " to WAL journal mode", ErrorKind::Unavailable};
  }
  const std::string pragmas = "PRAGMA foreign_keys=ON; PRAGMA synchronous=" + std::string(synchronous) + ";";
  if (auto st = c->exec(pragmas); !st) return st.error();
  return c;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [text, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Error SqliteConnection::error_from(int rc, std::string_view what) const {
  const char* msg = sqlite3_errmsg(db_);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Error{std::string(kUniqueViolation) + unique_target(msg), ErrorKind::AlreadyExists};
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Error{std::string(kForeignKeyViolation), ErrorKind::Conflict};
    case SQLITE_BUSY:
    case SQLITE_BUSY_SNAPSHOT:
    case SQLITE_LOCKED:
      return Error{"sqlite: database busy: " + std::string(msg), ErrorKind::Contended};
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
      return Error{"sqlite: " + std::string(what) + ": " + msg, ErrorKind::Unavailable};
    default:
      if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        return Error{"sqlite: constraint failed: " + std::string(msg), ErrorKind::Conflict};
      }
      return Error{"sqlite: " + std::string(what) + ": " + msg, ErrorKind::Internal};
  }
}

Status SqliteConnection::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);
    return error_from(sqlite3_extended_errcode(db_), "exec");
  }
  return {};
}

Result<sqlite3_stmt*> SqliteConnection::prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = cache_.find(key); it != cache_.end()) {
    sqlite3_reset(it->second);
    sqlite3_clear_bindings(it->second);
    return it->second;
  }
  const std::string text = to_sqlite_placeholders(sql);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, nullptr);
  if (rc != SQLITE_OK) return error_from(sqlite3_extended_errcode(db_), "prepare");
  cache_.emplace(std::move(key), stmt);
  return stmt;
}

Status SqliteConnection::bind(sqlite3_stmt* stmt, std::span<const Param> params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int idx = static_cast<int>(i) + 1;
    int rc = SQLITE_OK;
    const Param& p = params[i];
    if (std::holds_alternative<std::monostate>(p)) {
      rc = sqlite3_bind_null(stmt, idx);
    } else if (const auto* v = std::get_if<std::int64_t>(&p)) {
      rc = sqlite3_bind_int64(stmt, idx, *v);
    } else if (const auto* b = std::get_if<bool>(&p)) {
      rc = sqlite3_bind_int(stmt, idx, *b ? 1 : 0);
    } else if (const auto* s = std::get_if<std::string_view>(&p)) {
      rc = sqlite3_bind_text64(stmt, idx, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else if (const auto* blob = std::get_if<Blob>(&p)) {
      // A zero-length blob must still bind as a blob, not NULL.
      static const std::uint8_t kEmpty = 0;
      const void* data = blob->bytes.empty() ? &kEmpty : blob->bytes.data();
      rc = sqlite3_bind_blob64(stmt, idx, data, blob->bytes.size(), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return error_from(rc, "bind");
  }
  return {};
}

Result<std::vector<Row>> SqliteConnection::query(std::string_view sql, std::span<const Param> params) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  sqlite3_stmt* s = *stmt;
  if (auto st = bind(s, params); !st) return st.error();
  std::vector<Row> rows;
  for (;;) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      Error e = error_from(sqlite3_extended_errcode(db_), "query");
      sqlite3_reset(s);
      return e;
    }
    const int n = sqlite3_column_count(s);
    std::vector<Cell> cells;
    cells.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(s, i)) {
        case SQLITE_NULL:
          cells.emplace_back(std::monostate{});
          break;
        case SQLITE_INTEGER:
          cells.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(s, i)));
          break;
        default: {
          const void* data = sqlite3_column_blob(s, i);
          const int len = sqlite3_column_bytes(s, i);
          if (data == nullptr || len <= 0) {
            cells.emplace_back(std::string());
          } else {
            cells.emplace_back(std::string(static_cast<const char*>(data), static_cast<std::size_t>(len)));
          }
        }
      }
    }
    rows.emplace_back(std::move(cells));
  }
  sqlite3_reset(s);
  return rows;
}

Result<std::int64_t> SqliteConnection::execute(std::string_view sql, std::span<const Param> params) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  sqlite3_stmt* s = *stmt;
  if (auto st = bind(s, params); !st) return st.error();
  int rc = sqlite3_step(s);
  while (rc == SQLITE_ROW) rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    Error e = error_from(sqlite3_extended_errcode(db_), "execute");
    sqlite3_reset(s);
    return e;
  }
  sqlite3_reset(s);
  return static_cast<std::int64_t>(sqlite3_changes64(db_));
}

}  // namespace latchkey::store::sql
