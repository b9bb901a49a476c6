// What the admin commands (users, keys, nodes) share: the database they
// work on, named by `--config FILE` (its `database:` section, see
// store/database_config.h) or, without one, the default ./latchkey.db that
// `latchkey serve` uses; the `--json` switch of list commands; and how a
// failure is reported (message on stderr, exit status 1).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace latchkey::cli {

struct AdminOptions {
  std::string config_path;
  bool json = false;
};

// The subcommand group `name` of app, created on first use.
CLI::App* command_group(CLI::App& app, const std::string& name, const std::string& description);

// Adds --config to cmd (and --json when list is true), stored in opts.
void add_admin_options(CLI::App* cmd, AdminOptions& opts, bool list = false);

// Opens (creating and migrating if needed) the database opts names.
Result<std::unique_ptr<store::Store>> open_admin_store(const AdminOptions& opts);

// Ends the command with exit status 1 and "<command>: <message>" on stderr.
[[noreturn]] void fail(const std::string& command, const std::string& message);

// Opens the database or fails.
std::unique_ptr<store::Store> open_or_fail(const std::string& command, const AdminOptions& opts);

// The user named by `--user`: by name, or by numeric id when no user has
// that name.
Result<store::User> resolve_user(store::Store& s, const std::string& name_or_id);

// A positive decimal id (node or key id) given on the command line.
Result<std::int64_t> parse_id(const std::string& text, const std::string& what);

// A time for people ("2026-01-02T03:04:05Z", seconds) and for scripts (RFC
// 3339 with nanoseconds).
std::string time_text(store::TimePoint t);
std::string time_json(store::TimePoint t);

}  // namespace latchkey::cli
