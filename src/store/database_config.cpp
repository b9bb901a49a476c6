#include "store/database_config.h"

#include <libpq-fe.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace latchkey::store {
namespace {

// Config files are small; a bigger one is a mistake (or an attack on the
// YAML parser), not a config.
constexpr std::size_t kMaxConfigBytes = 1 << 20;

Result<std::string> scalar(const YAML::Node& n, std::string_view key) {
  if (!n.IsScalar()) return Error{"database." + std::string(key) + ": want a scalar value"};
  return n.Scalar();
}

Result<int> int_in_range(const YAML::Node& n, std::string_view key, int lo, int hi) {
  auto s = scalar(n, key);
  if (!s) return s.error();
  const std::string& t = *s;
  if (t.empty() || t.size() > 10) return Error{"database." + std::string(key) + ": want an integer, got \"" + t + "\""};
  long long v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return Error{"database." + std::string(key) + ": want an integer, got \"" + t + "\""};
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) {
    return Error{"database." + std::string(key) + ": " + t + " is out of range [" + std::to_string(lo) + ", " +
                 std::to_string(hi) + "]"};
  }
  return static_cast<int>(v);
}

// A dsn libpq can read (key=value pairs or a postgres:// URI); whether the
// server it names answers is only known when connecting.
Status check_dsn(const std::string& dsn) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &err);
  if (options == nullptr) {
    std::string why = err != nullptr ? err : "out of memory";
    PQfreemem(err);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return Error{"database.dsn: not a libpq connection string or URI: " + why};
  }
  PQconninfoFree(options);
  return {};
}

}  // namespace

StoreConfig default_store_config() {
  StoreConfig c;
  c.backend = Backend::Sqlite;
  c.sqlite_path = std::string(kDefaultSqlitePath);
  return c;
}

namespace {

// A relative SQLite path in a config file is taken from the file's directory.
StoreConfig resolved(StoreConfig c, std::string_view config_dir) {
  if (c.backend == Backend::Sqlite && !config_dir.empty()) {
    const std::filesystem::path p(c.sqlite_path);
    if (p.is_relative()) c.sqlite_path = (std::filesystem::path(config_dir) / p).lexically_normal().string();
  }
  return c;
}

}  // namespace

Result<StoreConfig> database_config_from_yaml(const YAML::Node& database, std::string_view config_dir) {
  StoreConfig c = default_store_config();
  if (!database.IsDefined() || database.IsNull()) return resolved(c, config_dir);
  if (!database.IsMap()) return Error{"database: want a mapping (type, path or dsn, ...)"};
  bool have_dsn = false;
  bool sqlite_only = false, postgres_only = false;
  std::string sqlite_only_key, postgres_only_key;
  for (const auto& kv : database) {
    if (!kv.first.IsScalar()) return Error{"database: keys must be plain names"};
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "type") {
      auto s = scalar(v, key);
      if (!s) return s.error();
      auto b = parse_backend(*s);
      if (!b) return Error{"database.type: " + b.message()};
      c.backend = *b;
    } else if (key == "path") {
      auto s = scalar(v, key);
      if (!s) return s.error();
      if (s->empty()) return Error{"database.path: must not be empty"};
      c.sqlite_path = *s;
      sqlite_only = true;
      sqlite_only_key = key;
    } else if (key == "synchronous") {
      auto s = scalar(v, key);
      if (!s) return s.error();
      if (*s != "full" && *s != "normal") {
        return Error{"database.synchronous: want full or normal, got \"" + *s + "\""};
      }
      c.sqlite_synchronous = *s;
      sqlite_only = true;
      sqlite_only_key = key;
    } else if (key == "busy_timeout_ms") {
      auto n = int_in_range(v, key, 0, 3'600'000);
      if (!n) return n.error();
      c.sqlite_busy_timeout_ms = *n;
      sqlite_only = true;
      sqlite_only_key = key;
    } else if (key == "dsn") {
      auto s = scalar(v, key);
      if (!s) return s.error();
      if (s->empty()) return Error{"database.dsn: must not be empty"};
      if (s->find('\0') != std::string::npos) return Error{"database.dsn: contains a NUL byte"};
      c.postgres_conninfo = *s;
      have_dsn = true;
      postgres_only = true;
      postgres_only_key = key;
    } else if (key == "pool_size") {
      auto n = int_in_range(v, key, 1, 256);
      if (!n) return n.error();
      c.postgres_pool_size = *n;
      postgres_only = true;
      postgres_only_key = key;
    } else {
      return Error{"database: unknown key \"" + key +
                   "\" (known: type, path, synchronous, busy_timeout_ms, dsn, pool_size)"};
    }
  }
  if (c.backend == Backend::Sqlite && postgres_only) {
    return Error{"database." + postgres_only_key + ": only for type postgres (type is sqlite)"};
  }
  if (c.backend == Backend::Postgres) {
    if (sqlite_only) return Error{"database." + sqlite_only_key + ": only for type sqlite (type is postgres)"};
    if (!have_dsn) return Error{"database: type postgres needs a dsn"};
    if (auto st = check_dsn(c.postgres_conninfo); !st) return st.error();
  }
  return resolved(c, config_dir);
}

Result<StoreConfig> database_config_from_text(std::string_view yaml_text, std::string_view config_dir) {
  if (yaml_text.size() > kMaxConfigBytes) return Error{"config: larger than 1 MiB"};
  try {
    const YAML::Node doc = YAML::Load(std::string(yaml_text));
    if (!doc.IsDefined() || doc.IsNull()) return resolved(default_store_config(), config_dir);
    if (!doc.IsMap()) return Error{"config: the top level must be a mapping"};
    return database_config_from_yaml(doc["database"], config_dir);
  } catch (const YAML::Exception& e) {
    return Error{std::string("config: ") + e.what()};
  }
}

Result<StoreConfig> load_database_config(const std::string& config_path) {
  if (config_path.empty()) return default_store_config();
  std::ifstream in(config_path, std::ios::binary);
  if (!in) return Error{"config: cannot read " + config_path, ErrorKind::NotFound};
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) return Error{"config: " + config_path + " is larger than 1 MiB"};
  }
  std::string dir = std::filesystem::path(config_path).parent_path().string();
  if (dir.empty()) dir = ".";
  auto c = database_config_from_text(text, dir);
  if (!c) return Error{config_path + ": " + c.message(), c.kind()};
  return c;
}

std::string describe(const StoreConfig& config) {
  if (config.backend == Backend::Sqlite) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(config.sqlite_path, ec);
    return "sqlite:" + (ec ? config.sqlite_path : abs.string());
  }
  // Hide a password in either form: key=value ("password=...") or URI
  // ("postgres://user:secret@host").
  std::string s = config.postgres_conninfo;
  if (auto at = s.find('@'); at != std::string::npos) {
    if (auto scheme = s.find("://"); scheme != std::string::npos && scheme < at) {
      if (auto colon = s.find(':', scheme + 3); colon != std::string::npos && colon < at) {
        s = s.substr(0, colon + 1) + "***" + s.substr(at);
      }
    }
  }
  for (std::size_t pos = s.find("password="); pos != std::string::npos; pos = s.find("password=", pos + 1)) {
    std::size_t end = s.find(' ', pos);
    if (end == std::string::npos) end = s.size();
    s = s.substr(0, pos + 9) + "***" + s.substr(end);
  }
  return "postgres:" + s;
}

}  // namespace latchkey::store
