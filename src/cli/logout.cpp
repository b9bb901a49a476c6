// `latchkey logout [--state DIR]`: asks the running `latchkey up` of that
// state directory to log its node out (POST /logout on its socket): the
// server is told the node key expires now, the stored identity keeps only
// the machine key, and that `latchkey up` exits. The next `latchkey up`
// logs in anew (a pre-auth key or interactively).
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/status.h"
#include "client/state_dir.h"

namespace latchkey::cli {
namespace {

const std::string kCommand = "latchkey logout";

Status run_logout(std::string dir) {
  if (dir.empty()) {
    auto d = client::default_state_dir();
    if (!d) return d.error();
    dir = std::move(*d);
  }
  auto reply = daemon_request(dir, client::status_socket_path(dir), "POST", "/logout");
  if (!reply) return reply.error();
  if (reply->status == 200) return {};
  std::string why = "HTTP " + std::to_string(reply->status);
  try {
    const auto j = nlohmann::json::parse(reply->body);
    if (j.is_object() && j.contains("error") && j["error"].is_string()) why = j["error"].get<std::string>();
  } catch (const nlohmann::json::exception&) {
    // not JSON: the status says enough
  }
  return Error{why, ErrorKind::Unavailable};
}

}  // namespace

void add_logout_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("logout", "log the node of a running `latchkey up` out (that process then exits)");
  cmd->add_option("--state", *dir,
                  "the state directory of `latchkey up` (default: $XDG_STATE_HOME/latchkey, else "
                  "~/.local/state/latchkey)");
  cmd->callback([dir] {
    auto done = run_logout(*dir);
    if (!done) fail(kCommand, done.message());
    std::cout << "Logged out.\n";
  });
}

}  // namespace latchkey::cli
