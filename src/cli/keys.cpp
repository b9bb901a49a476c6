// `latchkey keys create|list|expire`: pre-auth keys, through the running
// server's admin socket. `create` prints the key text once; the database
// keeps only a hash of its secret (see store/auth_key.h), so a lost key
// cannot be shown again.
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/admin_client.h"
#include "cli/commands.h"
#include "cli/duration.h"
#include "cli/table.h"
#include "server/admin_api.h"

namespace latchkey::cli {
namespace {

// "tag:a,tag:b" as a list; the server checks each tag.
Result<std::vector<std::string>> split_tags(const std::string& text) {
  std::vector<std::string> tags;
  if (text.empty()) return tags;
  if (text.back() == ',') return Error{"invalid tag list \"" + text + "\" (trailing comma)"};
  std::stringstream ss(text);
  std::string tag;
  while (std::getline(ss, tag, ',')) tags.push_back(tag);
  return tags;
}

}  // namespace

void add_keys_commands(CLI::App& app) {
  CLI::App* keys = command_group(app, "keys", "manage pre-auth keys (on the running server)");

  {
    auto* cmd = keys->add_subcommand("create", "create a pre-auth key and print it (shown only once)");
    auto opts = std::make_shared<AdminOptions>();
    auto user = std::make_shared<std::string>();
    auto reusable = std::make_shared<bool>(false);
    auto ephemeral = std::make_shared<bool>(false);
    auto expiration = std::make_shared<std::string>("1h");
    auto tags = std::make_shared<std::string>();
    cmd->add_option("--user,-u", *user, "the user the key registers nodes for")->required();
    cmd->add_flag("--reusable", *reusable, "the key can register any number of nodes");
    cmd->add_flag("--ephemeral", *ephemeral, "nodes registered with it are removed when inactive");
    cmd->add_option("--expiration,-e", *expiration, "how long the key is valid (e.g. 90d, 24h, 30m; default 1h)");
    cmd->add_option("--tags", *tags, "tags for the nodes it registers (tag:a,tag:b)");
    add_admin_options(cmd, *opts, true);
    cmd->callback([=] {
      const std::string name = "keys create";
      auto lifetime = parse_duration(*expiration);
      if (!lifetime) fail(name, lifetime.message());
      auto tag_list = split_tags(*tags);
      if (!tag_list) fail(name, tag_list.message());
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*lifetime).count();
      auto k = call_or_fail(name, *opts, "POST", "/v1/keys",
                            {{"user", *user},
                             {"reusable", *reusable},
                             {"ephemeral", *ephemeral},
                             {"expiration_seconds", seconds},
                             {"tags", *tag_list}});
      if (opts->json) {
        std::cout << k.dump(2) << "\n";
        return;
      }
      std::cout << k.value("key", "") << "\n";
    });
  }

  {
    auto* cmd = keys->add_subcommand("list", "list pre-auth keys (their prefixes; secrets are not stored)");
    auto opts = std::make_shared<AdminOptions>();
    auto user = std::make_shared<std::string>();
    cmd->add_option("--user,-u", *user, "only this user's keys");
    add_admin_options(cmd, *opts, true);
    cmd->callback([=] {
      std::string target = "/v1/keys";
      if (!user->empty()) target += "?user=" + server::admin_path_segment(*user);
      const auto all = call_or_fail("keys list", *opts, "GET", target);
      if (opts->json) {
        std::cout << all.dump(2) << "\n";
        return;
      }
      Table t({"ID", "KEY", "USER", "REUSABLE", "EPHEMERAL", "USED", "EXPIRES", "TAGS", "CREATED"});
      auto yes = [](const nlohmann::json& k, const char* field) { return k.value(field, false) ? "yes" : "no"; };
      for (const auto& k : all) {
        std::string expires = time_text(k["expires_at"]);
        if (k.value("expired", false)) expires += " (expired)";
        t.add({std::to_string(k.value("id", std::int64_t{0})), "tskey-auth-" + k.value("prefix", "") + "-...", k.value("user", ""),
               yes(k, "reusable"), yes(k, "ephemeral"), yes(k, "used"), expires, list_text(k["tags"]),
               time_text(k["created_at"])});
      }
      t.print(std::cout);
    });
  }

  {
    auto* cmd = keys->add_subcommand("expire", "expire a pre-auth key now (nodes it registered stay)");
    auto opts = std::make_shared<AdminOptions>();
    auto id_text = std::make_shared<std::string>();
    cmd->add_option("id", *id_text, "the key's id (from keys list)")->required();
    add_admin_options(cmd, *opts);
    cmd->callback([=] {
      const auto k = call_or_fail("keys expire", *opts, "POST", "/v1/keys/" + server::admin_path_segment(*id_text) +
                                                                    "/expire");
      std::cout << "expired pre-auth key " << k.value("id", std::int64_t{0}) << "\n";
    });
  }
}

}  // namespace latchkey::cli
