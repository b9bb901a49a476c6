// `latchkey lock status|log|disable --support`: the server admin's view of
// Tailnet Lock (mode, head, trusted keys, each node's signature verdict, the
// AUM chain) and the one change the server itself can make — disabling the
// lock with the support disablement secret `tailscale lock init` left with
// it — through the running server's admin socket (see admin_client.h).
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

std::string number_or_dash(const nlohmann::json& j) {
  return j.is_number_unsigned() || j.is_number_integer() ? std::to_string(j.get<std::int64_t>()) : "-";
}

// A member of a server answer, null when absent (not every AUM or node has
// every field; operator[] on a const object must not be asked for a
// missing one).
nlohmann::json field(const nlohmann::json& j, const char* name) {
  return j.is_object() && j.contains(name) ? j.at(name) : nlohmann::json();
}

void print_status(const nlohmann::json& s) {
  const std::string mode = s.value("mode", "");
  std::cout << "Tailnet lock: " << mode << "\n";
  if (mode != "enabled") return;
  std::cout << "Head: " << s.value("head", "") << "\n";
  std::cout << "Disablement secrets: " << s.value("disablement_secrets", std::int64_t{0})
            << (s.value("support_disablement", false) ? " (the server holds the support secret)" : "") << "\n\n";
  Table keys({"TRUSTED KEY", "VOTES"});
  for (const auto& k : s.value("trusted_keys", nlohmann::json::array())) {
    keys.add({k.value("key", ""), number_or_dash(field(k, "votes"))});
  }
  keys.print(std::cout);
  std::cout << "\n";
  Table nodes({"ID", "NAME", "NODE KEY", "SIGNATURE", "SIGNED BY / REASON"});
  for (const auto& n : s.value("nodes", nlohmann::json::array())) {
    const std::string verdict = n.value("signature", "");
    nodes.add({std::to_string(n.value("id", std::int64_t{0})), n.value("name", ""), n.value("node_key", ""), verdict,
               text_or_dash(field(n, verdict == "invalid" ? "reason" : "signed_by"))});
  }
  nodes.print(std::cout);
}

}  // namespace

void add_lock_commands(CLI::App& app) {
  CLI::App* lock = command_group(app, "lock", "the tailnet lock as the server sees it (on the running server)");

  {
    auto* cmd = lock->add_subcommand("status", "show the lock's mode, head, trusted keys and every node's signature");
    auto opts = std::make_shared<AdminOptions>();
    add_admin_options(cmd, *opts, true);
    cmd->callback([=] {
      const auto s = call_or_fail("lock status", *opts, "GET", "/v1/lock");
      if (opts->json) {
        std::cout << s.dump(2) << "\n";
        return;
      }
      print_status(s);
    });
  }

  {
    auto* cmd = lock->add_subcommand("log", "list the AUMs of the lock's chain, newest first");
    auto opts = std::make_shared<AdminOptions>();
    auto limit = std::make_shared<std::size_t>(server::kLockLogDefaultLimit);
    cmd->add_option("--limit,-n", *limit,
                    "at most this many AUMs (1.." + std::to_string(server::kLockLogMaxLimit) + ", default " +
                        std::to_string(server::kLockLogDefaultLimit) + ")")
        ->check(CLI::Range(std::size_t{1}, server::kLockLogMaxLimit));
    add_admin_options(cmd, *opts, true);
    cmd->callback([=] {
      const auto all = call_or_fail("lock log", *opts, "GET", "/v1/lock/log?limit=" + std::to_string(*limit));
      if (opts->json) {
        std::cout << all.dump(2) << "\n";
        return;
      }
      Table t({"HASH", "KIND", "KEY", "VOTES", "SIGNED BY", "COMMITTED"});
      for (const auto& a : all) {
        t.add({a.value("hash", ""), a.value("kind", ""), text_or_dash(field(a, "key")),
               number_or_dash(field(a, "votes")), list_text(field(a, "signatures")),
               time_text(field(a, "committed_at"), "-")});
      }
      t.print(std::cout);
    });
  }

  {
    auto* cmd = lock->add_subcommand(
        "disable", "disable the lock with the support disablement secret the server holds (every node sees it off)");
    auto opts = std::make_shared<AdminOptions>();
    auto support = std::make_shared<bool>(false);
    cmd->add_flag("--support", *support, "use the support disablement secret stored at `tailscale lock init`");
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const std::string name = "lock disable";
      if (!*support) {
        fail(name,
             "the server can only disable the lock with the support disablement secret: give --support (nodes "
             "with a disablement secret use `tailscale lock disable`)");
      }
      call_or_fail(name, *opts, "POST", "/v1/lock/disable", {{"support", true}});
      std::cout << "tailnet lock disabled with the support disablement secret; every node now sees it off\n";
    });
  }
}

}  // namespace latchkey::cli
