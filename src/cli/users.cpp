// `latchkey users create|list|delete NAME`: the tailnet's users, directly
// in the database named by --config (see admin_database.h).
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/admin_database.h"
#include "cli/commands.h"
#include "cli/table.h"

namespace latchkey::cli {
namespace {

nlohmann::json user_json(const store::User& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"display_name", u.display_name},
          {"email", u.email},
          {"created_at", time_json(u.created_at)}};
}

}  // namespace

void add_users_commands(CLI::App& app) {
  CLI::App* users = command_group(app, "users", "manage the tailnet's users");

  {
    auto* cmd = users->add_subcommand("create", "create a user");
    auto opts = std::make_shared<AdminOptions>();
    auto name = std::make_shared<std::string>();
    auto display = std::make_shared<std::string>();
    auto email = std::make_shared<std::string>();
    cmd->add_option("name", *name, "the user's unique name")->required();
    cmd->add_option("--display-name", *display, "name shown to people");
    cmd->add_option("--email", *email, "the user's email address");
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      auto s = open_or_fail("users create", *opts);
      auto u = s->create_user({*name, *display, *email, ""}, std::chrono::system_clock::now());
      if (!u) fail("users create", u.message());
      std::cout << "created user " << u->name << " (id " << u->id << ")\n";
    });
  }

  {
    auto* cmd = users->add_subcommand("list", "list users");
    auto opts = std::make_shared<AdminOptions>();
    add_admin_options(cmd, *opts, true);
    cmd->callback([=] {
      auto s = open_or_fail("users list", *opts);
      auto all = s->list_users();
      if (!all) fail("users list", all.message());
      if (opts->json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& u : *all) out.push_back(user_json(u));
        std::cout << out.dump(2) << "\n";
        return;
      }
      Table t({"ID", "NAME", "DISPLAY NAME", "EMAIL", "CREATED"});
      for (const auto& u : *all) {
        t.add({std::to_string(u.id), u.name, u.display_name.empty() ? "-" : u.display_name,
               u.email.empty() ? "-" : u.email, time_text(u.created_at)});
      }
      t.print(std::cout);
    });
  }

  {
    auto* cmd = users->add_subcommand("delete", "delete a user (and their pre-auth keys); refused while they own nodes");
    auto opts = std::make_shared<AdminOptions>();
    auto name = std::make_shared<std::string>();
    cmd->add_option("name", *name, "the user's name")->required();
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      auto s = open_or_fail("users delete", *opts);
      auto u = s->find_user_by_name(*name);
      if (!u) fail("users delete", u.message());
      if (auto st = s->delete_user(u->id); !st) fail("users delete", st.message());
      std::cout << "deleted user " << u->name << "\n";
    });
  }
}

}  // namespace latchkey::cli
