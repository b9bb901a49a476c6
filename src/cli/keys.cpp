// `latchkey keys create|list|expire`: pre-auth keys. `create` prints the
// key text once; the database keeps only a hash of its secret (see
// store/auth_key.h), so a lost key cannot be shown again.
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/admin_database.h"
#include "cli/commands.h"
#include "cli/duration.h"
#include "cli/table.h"

namespace latchkey::cli {
namespace {

Result<std::vector<std::string>> parse_tags(const std::string& text) {
  std::vector<std::string> tags;
  if (text.empty()) return tags;
  std::stringstream ss(text);
  std::string tag;
  while (std::getline(ss, tag, ',')) {
    if (tag.size() <= 4 || tag.rfind("tag:", 0) != 0) {
      return Error{"invalid tag \"" + tag + "\" (tags look like tag:name)"};
    }
    for (char c : tag.substr(4)) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_';
      if (!ok) return Error{"invalid tag \"" + tag + "\" (letters, digits, - and _ after tag:)"};
    }
    tags.push_back(tag);
  }
  if (!text.empty() && text.back() == ',') return Error{"invalid tag list \"" + text + "\" (trailing comma)"};
  return tags;
}

nlohmann::json key_json(const store::PreAuthKey& k, const std::string& user, store::TimePoint now) {
  return {{"id", k.id},
          {"prefix", k.prefix},
          {"user", user},
          {"user_id", k.user_id},
          {"reusable", k.reusable},
          {"ephemeral", k.ephemeral},
          {"used", k.used},
          {"tags", k.tags},
          {"expires_at", k.expires_at ? nlohmann::json(time_json(*k.expires_at)) : nlohmann::json(nullptr)},
          {"valid", k.valid(now)},
          {"created_at", time_json(k.created_at)}};
}

}  // namespace

void add_keys_commands(CLI::App& app) {
  CLI::App* keys = command_group(app, "keys", "manage pre-auth keys");

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
      auto tag_list = parse_tags(*tags);
      if (!tag_list) fail(name, tag_list.message());
      auto s = open_or_fail(name, *opts);
      auto u = resolve_user(*s, *user);
      if (!u) fail(name, u.message());
      const auto now = std::chrono::system_clock::now();
      const store::TimePoint expires = now + std::chrono::duration_cast<store::TimePoint::duration>(*lifetime);
      auto k = s->create_pre_auth_key({u->id, *reusable, *ephemeral, *tag_list, expires}, now);
      if (!k) fail(name, k.message());
      if (opts->json) {
        nlohmann::json out = key_json(k->key, u->name, now);
        out["key"] = k->text;
        std::cout << out.dump(2) << "\n";
        return;
      }
      std::cout << k->text << "\n";
    });
  }

  {
    auto* cmd = keys->add_subcommand("list", "list pre-auth keys (their prefixes; secrets are not stored)");
    auto opts = std::make_shared<AdminOptions>();
    auto user = std::make_shared<std::string>();
    cmd->add_option("--user,-u", *user, "only this user's keys");
    add_admin_options(cmd, *opts, true);
    cmd->callback([=] {
      const std::string name = "keys list";
      auto s = open_or_fail(name, *opts);
      std::optional<store::UserId> only;
      if (!user->empty()) {
        auto u = resolve_user(*s, *user);
        if (!u) fail(name, u.message());
        only = u->id;
      }
      auto all = s->list_pre_auth_keys(only);
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
        for (const auto& k : *all) out.push_back(key_json(k, user_name(k.user_id), now));
        std::cout << out.dump(2) << "\n";
        return;
      }
      Table t({"ID", "KEY", "USER", "REUSABLE", "EPHEMERAL", "USED", "EXPIRES", "TAGS", "CREATED"});
      for (const auto& k : *all) {
        std::string expires = k.expires_at ? time_text(*k.expires_at) : "never";
        if (k.expired(now)) expires += " (expired)";
        t.add({std::to_string(k.id), "tskey-auth-" + k.prefix + "-...", user_name(k.user_id),
               k.reusable ? "yes" : "no", k.ephemeral ? "yes" : "no", k.used ? "yes" : "no", expires,
               comma_list(k.tags), time_text(k.created_at)});
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
      const std::string name = "keys expire";
      auto id = parse_id(*id_text, "key id");
      if (!id) fail(name, id.message());
      auto s = open_or_fail(name, *opts);
      if (auto st = s->expire_pre_auth_key(*id, std::chrono::system_clock::now()); !st) fail(name, st.message());
      std::cout << "expired pre-auth key " << *id << "\n";
    });
  }
}

}  // namespace latchkey::cli
