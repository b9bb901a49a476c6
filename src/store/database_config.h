// Where the control plane's database is: the `database:` section of
// latchkey's YAML config file and the default used without one. Both
// `latchkey serve` and the admin commands resolve it here, so they agree.
//
//   database:
//     type: sqlite            # or postgres
//     path: latchkey.db       # sqlite: relative to the config file's directory
//     synchronous: full       # sqlite: full (default) or normal
//     busy_timeout_ms: 5000   # sqlite
//     dsn: "host=... dbname=..."   # postgres: a libpq connection string or URI
//     pool_size: 4            # postgres
//
// Without a config file: SQLite at ./latchkey.db (relative to the working
// directory). With a config file but no `database` section or no `path`:
// latchkey.db next to the config file.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "store/store.h"

namespace YAML {
class Node;
}

namespace latchkey::store {

inline constexpr std::string_view kDefaultSqlitePath = "latchkey.db";

// SQLite at kDefaultSqlitePath in the working directory.
StoreConfig default_store_config();

// Reads a `database` mapping (a null/undefined node gives the default).
// Strict: unknown keys, wrong types and bad values are errors that name the
// key. config_dir is the directory relative SQLite paths are taken from
// ("" = the working directory).
Result<StoreConfig> database_config_from_yaml(const YAML::Node& database, std::string_view config_dir);

// Reads the `database` section of a whole config document given as text
// (other top-level sections are ignored here).
Result<StoreConfig> database_config_from_text(std::string_view yaml_text, std::string_view config_dir);

// Reads the config file at path; an empty path gives the default.
Result<StoreConfig> load_database_config(const std::string& config_path);

// "sqlite:/abs/path/latchkey.db" or "postgres:<dsn with any password hidden>",
// for logs and messages.
std::string describe(const StoreConfig& config);

}  // namespace latchkey::store
