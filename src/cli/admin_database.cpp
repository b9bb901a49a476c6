#include "cli/admin_database.h"

#include <iostream>

#include "store/database_config.h"
#include "tailcfg/go_time.h"

namespace latchkey::cli {

CLI::App* command_group(CLI::App& app, const std::string& name, const std::string& description) {
  auto found = app.get_subcommands([&](const CLI::App* sub) { return sub->get_name() == name; });
  if (!found.empty()) return found.front();
  auto* group = app.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

void add_admin_options(CLI::App* cmd, AdminOptions& opts, bool list) {
  cmd->add_option("--config,-c", opts.config_path,
                  "latchkey config file (YAML); its database section names the database (default: ./latchkey.db)");
  if (list) cmd->add_flag("--json", opts.json, "print JSON instead of a table");
}

Result<std::unique_ptr<store::Store>> open_admin_store(const AdminOptions& opts) {
  auto config = store::load_database_config(opts.config_path);
  if (!config) return config.error();
  auto s = store::Store::open(*config);
  if (!s) return Error{store::describe(*config) + ": " + s.message(), s.kind()};
  return s;
}

void fail(const std::string& command, const std::string& message) {
  // CLI11 does not print a RuntimeError's text, so say it here.
  std::cerr << command << ": " << message << "\n";
  throw CLI::RuntimeError(command + ": " + message, 1);
}

std::unique_ptr<store::Store> open_or_fail(const std::string& command, const AdminOptions& opts) {
  auto s = open_admin_store(opts);
  if (!s) fail(command, s.message());
  return std::move(*s);
}

Result<store::User> resolve_user(store::Store& s, const std::string& name_or_id) {
  auto by_name = s.find_user_by_name(name_or_id);
  if (by_name || by_name.kind() != ErrorKind::NotFound) return by_name;
  auto id = parse_id(name_or_id, "user id");
  if (!id) return by_name.error();
  auto by_id = s.get_user(*id);
  if (!by_id) return Error{"no user named or numbered \"" + name_or_id + "\"", ErrorKind::NotFound};
  return by_id;
}

Result<std::int64_t> parse_id(const std::string& text, const std::string& what) {
  const Error bad{"invalid " + what + " \"" + text + "\" (want a positive number)"};
  if (text.empty() || text.size() > 18) return bad;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad;
    v = v * 10 + (c - '0');
  }
  if (v <= 0) return bad;
  return v;
}

std::string time_text(store::TimePoint t) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return tailcfg::GoTime::from_unix(secs).to_string();
}

std::string time_json(store::TimePoint t) { return tailcfg::GoTime::from_system(t).to_string(); }

}  // namespace latchkey::cli
