// `latchkey nodes list|register|delete|expire|rename`: the tailnet's nodes.
// `register --user U ID` approves an interactive registration waiting in
// the database (ID is the auth id of the AuthURL, or the node's machine
// key); the server completes it for that user when the client next asks.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/admin_database.h"
#include "cli/commands.h"
#include "cli/table.h"

namespace latchkey::cli {
namespace {

std::string addr_text(const std::optional<tailcfg::IpAddr>& a) { return a ? a->to_string() : "-"; }

nlohmann::json node_json(const store::Node& n, const std::string& user, store::TimePoint now) {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& e : n.endpoints) endpoints.push_back(e.to_string());
  auto opt_time = [](const std::optional<store::TimePoint>& t) {
    return t ? nlohmann::json(time_json(*t)) : nlohmann::json(nullptr);
  };
  return {{"id", n.id},
          {"name", n.given_name},
          {"hostname", n.hostname},
          {"user", user},
          {"user_id", n.user_id},
          {"machine_key", n.machine_key.to_string()},
          {"node_key", n.node_key.to_string()},
          {"disco_key", n.disco_key.is_zero() ? "" : n.disco_key.to_string()},
          {"ipv4", n.ipv4 ? nlohmann::json(n.ipv4->to_string()) : nlohmann::json(nullptr)},
          {"ipv6", n.ipv6 ? nlohmann::json(n.ipv6->to_string()) : nlohmann::json(nullptr)},
          {"endpoints", endpoints},
          {"tags", n.tags},
          {"ephemeral", n.ephemeral},
          {"register_method", std::string(store::register_method_name(n.register_method))},
          {"expiry", opt_time(n.expiry)},
          {"expired", n.expired(now)},
          {"last_seen", opt_time(n.last_seen)},
          {"created_at", time_json(n.created_at)}};
}

// A DNS label: what MagicDNS can serve as the node's name.
Status check_node_name(const std::string& name) {
  const Error bad{"invalid node name \"" + name +
                  "\" (lowercase letters, digits and -, not at either end, at most 63 characters)"};
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return bad;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return bad;
  }
  return {};
}

}  // namespace

void add_nodes_commands(CLI::App& app) {
  CLI::App* nodes = command_group(app, "nodes", "manage the tailnet's nodes");

  {
    auto* cmd = nodes->add_subcommand("list", "list nodes");
    auto opts = std::make_shared<AdminOptions>();
    auto user = std::make_shared<std::string>();
    cmd->add_option("--user,-u", *user, "only this user's nodes");
    add_admin_options(cmd, *opts, true);
    cmd->callback([=] {
      const std::string name = "nodes list";
      auto s = open_or_fail(name, *opts);
      Result<std::vector<store::Node>> all = std::vector<store::Node>{};
      if (user->empty()) {
        all = s->list_nodes();
      } else {
        auto u = resolve_user(*s, *user);
        if (!u) fail(name, u.message());
        all = s->list_nodes_by_user(u->id);
      }
      if (!all) fail(name, all.message());
      auto users = s->list_users();
      if (!users) fail(name, users.message());
      auto user_name = [&](store::UserId id) {
        for (const auto& u : *users) {
          if (u.id == id) return u.name;
        }
        return std::to_string(id);
      };
      const auto now = std::chrono::system_clock::now();
      if (opts->json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& n : *all) out.push_back(node_json(n, user_name(n.user_id), now));
        std::cout << out.dump(2) << "\n";
        return;
      }
      Table t({"ID", "NAME", "HOSTNAME", "USER", "IPV4", "IPV6", "LAST SEEN", "EXPIRY", "EPHEMERAL", "TAGS"});
      for (const auto& n : *all) {
        std::string expiry = n.expiry ? time_text(*n.expiry) : "never";
        if (n.expired(now)) expiry += " (expired)";
        t.add({std::to_string(n.id), n.given_name, n.hostname.empty() ? "-" : n.hostname, user_name(n.user_id),
               addr_text(n.ipv4), addr_text(n.ipv6), n.last_seen ? time_text(*n.last_seen) : "never", expiry,
               n.ephemeral ? "yes" : "no", comma_list(n.tags)});
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
    cmd->add_option("id", *id, "the auth id from the node's login URL, or its machine key (mkey:...)")->required();
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const std::string name = "nodes register";
      auto s = open_or_fail(name, *opts);
      auto u = resolve_user(*s, *user);
      if (!u) fail(name, u.message());
      std::string auth_id = *id;
      if (auto mk = key::MachinePublic::parse(*id); mk) {
        auto pending = s->list_pending_registrations();
        if (!pending) fail(name, pending.message());
        auth_id.clear();
        for (const auto& p : *pending) {
          if (p.machine_key == *mk) auth_id = p.auth_id;
        }
        if (auth_id.empty()) fail(name, "no registration is waiting for machine key " + *id);
      }
      if (auto st = s->approve_pending_registration(auth_id, u->id); !st) fail(name, st.message());
      std::cout << "approved registration " << auth_id << " for user " << u->name << "\n";
    });
  }

  {
    auto* cmd = nodes->add_subcommand("delete", "delete a node");
    auto opts = std::make_shared<AdminOptions>();
    auto id_text = std::make_shared<std::string>();
    cmd->add_option("id", *id_text, "the node's id (from nodes list)")->required();
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const std::string name = "nodes delete";
      auto node_id = parse_id(*id_text, "node id");
      if (!node_id) fail(name, node_id.message());
      auto s = open_or_fail(name, *opts);
      if (auto st = s->delete_node(*node_id); !st) fail(name, st.message());
      std::cout << "deleted node " << *node_id << "\n";
    });
  }

  {
    auto* cmd = nodes->add_subcommand("expire", "expire a node's key now (the node must log in again)");
    auto opts = std::make_shared<AdminOptions>();
    auto id_text = std::make_shared<std::string>();
    cmd->add_option("id", *id_text, "the node's id (from nodes list)")->required();
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const std::string name = "nodes expire";
      auto node_id = parse_id(*id_text, "node id");
      if (!node_id) fail(name, node_id.message());
      auto s = open_or_fail(name, *opts);
      const auto now = std::chrono::system_clock::now();
      if (auto st = s->set_node_expiry(*node_id, now, now); !st) fail(name, st.message());
      std::cout << "expired node " << *node_id << "\n";
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
      const std::string name = "nodes rename";
      auto node_id = parse_id(*id_text, "node id");
      if (!node_id) fail(name, node_id.message());
      if (auto st = check_node_name(*new_name); !st) fail(name, st.message());
      auto s = open_or_fail(name, *opts);
      if (auto st = s->rename_node(*node_id, *new_name, std::chrono::system_clock::now()); !st) {
        fail(name, st.message());
      }
      std::cout << "renamed node " << *node_id << " to " << *new_name << "\n";
    });
  }
}

}  // namespace latchkey::cli
