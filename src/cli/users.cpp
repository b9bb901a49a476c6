// `latchkey users create|list|delete NAME`: the tailnet's users, through
// the running server's admin socket (see admin_client.h).
#include <iostream>
#include <memory>

#include "cli/admin_client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "server/admin_api.h"

namespace latchkey::cli {

void add_users_commands(CLI::App& app) {
  CLI::App* users = command_group(app, "users", "manage the tailnet's users (on the running server)");

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
      const auto u = call_or_fail("users create", *opts, "POST", "/v1/users",
                                  {{"name", *name}, {"display_name", *display}, {"email", *email}});
      std::cout << "created user " << u.value("name", "") << " (id " << u.value("id", std::int64_t{0}) << ")\n";
    });
  }

  {
    auto* cmd = users->add_subcommand("list", "list users");
    auto opts = std::make_shared<AdminOptions>();
    add_admin_options(cmd, *opts, true);
    cmd->callback([=] {
      const auto all = call_or_fail("users list", *opts, "GET", "/v1/users");
      if (opts->json) {
        std::cout << all.dump(2) << "\n";
        return;
      }
      Table t({"ID", "NAME", "DISPLAY NAME", "EMAIL", "CREATED"});
      for (const auto& u : all) {
        const std::string display = u.value("display_name", "");
        const std::string email = u.value("email", "");
        t.add({std::to_string(u.value("id", std::int64_t{0})), u.value("name", ""), display.empty() ? "-" : display,
               email.empty() ? "-" : email, time_text(u["created_at"])});
      }
      t.print(std::cout);
    });
  }

  {
    auto* cmd = users->add_subcommand("delete", "delete a user (and their pre-auth keys); refused while they own nodes");
    auto opts = std::make_shared<AdminOptions>();
    auto name = std::make_shared<std::string>();
    cmd->add_option("name", *name, "the user's name (or id)")->required();
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const auto u = call_or_fail("users delete", *opts, "DELETE", "/v1/users/" + server::admin_path_segment(*name));
      std::cout << "deleted user " << u.value("name", "") << "\n";
    });
  }
}

}  // namespace latchkey::cli
