// `latchkey nodes list|register|delete|expire|rename`: the tailnet's nodes
// (the list shows whether each is online: has an open map stream now),
// through the running server's admin socket, so the live netmap and every
// open map stream see the change at once. `register --user U ID` approves
// an interactive registration that is waiting (ID is the auth id of the
// login URL, or the node's machine key): the waiting client is answered.
#include <iostream>
#include <memory>

#include "cli/admin_client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "server/admin_api.h"

namespace latchkey::cli {
namespace {

std::string text_or_dash(const nlohmann::json& j) {
  if (!j.is_string() || j.get<std::string>().empty()) return "-";
  return j.get<std::string>();
}

std::string node_target(const std::string& id) { return "/v1/nodes/" + server::admin_path_segment(id); }

}  // namespace

void add_nodes_commands(CLI::App& app) {
  CLI::App* nodes = command_group(app, "nodes", "manage the tailnet's nodes (on the running server)");

  {
    auto* cmd = nodes->add_subcommand("list", "list nodes");
    auto opts = std::make_shared<AdminOptions>();
    auto user = std::make_shared<std::string>();
    cmd->add_option("--user,-u", *user, "only this user's nodes");
    add_admin_options(cmd, *opts, true);
    cmd->callback([=] {
      std::string target = "/v1/nodes";
      if (!user->empty()) target += "?user=" + server::admin_path_segment(*user);
      const auto all = call_or_fail("nodes list", *opts, "GET", target);
      if (opts->json) {
        std::cout << all.dump(2) << "\n";
        return;
      }
      Table t({"ID", "NAME", "HOSTNAME", "USER", "IPV4", "IPV6", "ONLINE", "LAST SEEN", "EXPIRY", "EPHEMERAL", "TAGS"});
      for (const auto& n : all) {
        std::string expiry = time_text(n["expiry"]);
        if (n.value("expired", false)) expiry += " (expired)";
        t.add({std::to_string(n.value("id", std::int64_t{0})), n.value("name", ""), text_or_dash(n["hostname"]),
               n.value("user", ""), text_or_dash(n["ipv4"]), text_or_dash(n["ipv6"]),
               n.value("online", false) ? "yes" : "no", time_text(n["last_seen"]),
               expiry, n.value("ephemeral", false) ? "yes" : "no", list_text(n["tags"])});
      }
      t.print(std::cout);
    });
  }

  {
    auto* cmd = nodes->add_subcommand("register", "approve a waiting interactive registration for a user");
    auto opts = std::make_shared<AdminOptions>();
    auto user = std::make_shared<std::string>();
    auto id = std::make_shared<std::string>();
    cmd->add_option("--user,-u", *user, "the user the node will belong to")->required();
    auto* positional = cmd->add_option("id", *id, "the auth id from the node's login URL, or its machine key (mkey:...)");
    auto* flag = cmd->add_option("--key,-k", *id, "the same as the positional id (as the login page shows it)");
    positional->excludes(flag);
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const std::string name = "nodes register";
      if (id->empty()) fail(name, "give the registration's auth id or machine key");
      const auto r = call_or_fail(name, *opts, "POST", "/v1/nodes/register", {{"id", *id}, {"user", *user}});
      std::cout << "approved registration " << r.value("auth_id", "") << " for user " << r.value("user", "")
                << ": node " << r["node"].value("id", std::int64_t{0}) << " (" << r["node"].value("name", "")
                << ")\n";
    });
  }

  {
    auto* cmd = nodes->add_subcommand("delete", "delete a node (its map stream ends; peers drop it)");
    auto opts = std::make_shared<AdminOptions>();
    auto id_text = std::make_shared<std::string>();
    cmd->add_option("id", *id_text, "the node's id (from nodes list)")->required();
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const auto r = call_or_fail("nodes delete", *opts, "DELETE", node_target(*id_text));
      std::cout << "deleted node " << r.value("id", std::int64_t{0}) << "\n";
    });
  }

  {
    auto* cmd = nodes->add_subcommand("expire", "expire a node's key now (the node must log in again)");
    auto opts = std::make_shared<AdminOptions>();
    auto id_text = std::make_shared<std::string>();
    cmd->add_option("id", *id_text, "the node's id (from nodes list)")->required();
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const auto n = call_or_fail("nodes expire", *opts, "POST", node_target(*id_text) + "/expire");
      std::cout << "expired node " << n.value("id", std::int64_t{0}) << "\n";
    });
  }

  {
    auto* cmd = nodes->add_subcommand("rename", "set a node's name (its MagicDNS label)");
    auto opts = std::make_shared<AdminOptions>();
    auto id_text = std::make_shared<std::string>();
    auto new_name = std::make_shared<std::string>();
    cmd->add_option("id", *id_text, "the node's id (from nodes list)")->required();
    cmd->add_option("name", *new_name, "the new name")->required();
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const auto n = call_or_fail("nodes rename", *opts, "POST", node_target(*id_text) + "/rename", {{"name", *new_name}});
      std::cout << "renamed node " << n.value("id", std::int64_t{0}) << " to " << n.value("name", "") << "\n";
    });
  }
}

}  // namespace latchkey::cli
