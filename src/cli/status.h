// `latchkey status [--json] [--state DIR]`: what a running `latchkey up`
// reports about itself, read from GET /status on its socket
// (<state>/latchkey.sock, client/state_dir.h). With --json the document
// (client/status.h, schema 1) is printed as received once it has been
// checked to parse; without, a summary and a table of peers with their
// Tailnet Lock verdicts.
#pragma once

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>
#include <string_view>

#include "base/result.h"
#include "cli/admin_client.h"
#include "client/status.h"

namespace latchkey::cli {

struct StatusOptions {
  std::string state_dir;  // empty: client::default_state_dir()
  bool json = false;
};

// The human form: a header (backend state, self, lock state/mode/head,
// would-reject count) and the peers' table.
std::string status_text(const client::ClientStatus& status);

// One request to the `latchkey up` of `state_dir` on its socket at
// `socket_path`: NotFound ("no latchkey up is running …") when nothing is
// there, Unavailable when it does not answer; any HTTP status otherwise.
Result<LocalHttpReply> daemon_request(const std::string& state_dir, const std::string& socket_path,
                                      std::string_view method, const std::string& target);

// The document GET /status on `socket_path` answered, as received, and
// what it says.
struct StatusDocument {
  std::string text;
  client::ClientStatus status;
};
// `state_dir` is only for the error texts ("no latchkey up is running with
// state directory DIR (no socket at PATH)").
Result<StatusDocument> fetch_status(const std::string& state_dir, const std::string& socket_path);

// The command's work: writes the JSON or the table to `out`.
Status run_status(const StatusOptions& opts, std::ostream& out);

}  // namespace latchkey::cli
