// What the admin commands (users, keys, nodes) share: they are clients of
// the running `latchkey serve`, speaking its admin API (server/admin_api.h)
// over the local admin socket — named by `--socket PATH`, or read from the
// serve config given with `--config FILE` (its admin_socket, by default
// latchkey.sock next to the database), or without either the default
// ./latchkey.sock that `latchkey serve` uses without a config. Also: the
// `--json` switch of list commands, how a failure is reported (message on
// stderr, exit status 1), and times for tables.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace latchkey::cli {

struct AdminOptions {
  std::string socket_path;
  std::string config_path;
  bool json = false;
};

// The subcommand group `name` of app, created on first use.
CLI::App* command_group(CLI::App& app, const std::string& name, const std::string& description);

// Adds --socket and --config to cmd (and --json when list is true), stored
// in opts.
void add_admin_options(CLI::App* cmd, AdminOptions& opts, bool list = false);

// The admin socket the options name.
Result<std::string> admin_socket_path(const AdminOptions& opts);

// One HTTP/1.1 request over the unix socket at `socket_path` (the admin
// socket of `latchkey serve`, the status socket of `latchkey up`), the
// answer as it came. The error text is only why ("Connection refused",
// "reading the answer: ..."); its kind is NotFound when there is no socket
// file, else Unavailable. Callers say what they tried to reach.
struct LocalHttpReply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};
Result<LocalHttpReply> local_http_request(const std::string& socket_path, std::string_view method,
                                          const std::string& target, const std::string& body);

// One request to the admin socket at `socket_path`: the status and the
// parsed JSON answer. Unavailable (with the "cannot reach" text) when no
// server answers there.
struct AdminReply {
  unsigned status = 0;
  nlohmann::json body;
};
Result<AdminReply> admin_request(const std::string& socket_path, std::string_view method, const std::string& target,
                                 const std::string& body);

// Sends the request and returns the answer of a 200; anything else ends
// the command (fail) with the server's error text.
nlohmann::json call_or_fail(const std::string& command, const AdminOptions& opts, std::string_view method,
                            const std::string& target, const nlohmann::json& body = nullptr);

// Ends the command with exit status 1 and "<command>: <message>" on stderr.
[[noreturn]] void fail(const std::string& command, const std::string& message);

// "2026-01-02T03:04:05Z" (seconds) from an API time ("...05.123456789Z");
// `none` for null.
std::string time_text(const nlohmann::json& t, const std::string& none = "never");

// "a,b" from an API array of strings (tags); "" for none.
std::string list_text(const nlohmann::json& items);

}  // namespace latchkey::cli
