#include "cli/status.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/admin_client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "client/state_dir.h"
#include "tailcfg/go_time.h"

namespace latchkey::cli {

namespace {

const std::string kCommand = "latchkey status";

std::string when(const std::optional<client::StatusTime>& t, const std::string& none) {
  if (!t) return none;
  return time_text(tailcfg::GoTime::from_system(*t).to_string(), none);
}

std::string verdict_text(client::LockVerdict v, const std::string& reason) {
  std::string s(client::verdict_name(v));
  if (!reason.empty()) s += " (" + reason + ")";
  return s;
}

}  // namespace

std::string status_text(const client::ClientStatus& st) {
  std::ostringstream out;
  out << "Backend: " << client::backend_state_name(st.backend_state) << "\n";
  if (!st.auth_url.empty()) out << "Log in at: " << st.auth_url << "\n";
  const auto& self = st.self;
  out << "Self: " << (self.name.empty() ? "-" : self.name) << "  " << comma_list(self.addresses)
      << "  lock: " << verdict_text(self.lock_verdict, self.lock_reason) << "\n";
  if (self.key_expiry) out << "Key expiry: " << when(self.key_expiry, "never") << "\n";

  const auto& lock = st.lock;
  out << "Tailnet lock: " << client::lock_state_name(lock.state) << ", mode "
      << client::lock_mode_name(lock.mode);
  if (!lock.head.empty()) out << ", head " << lock.head;
  out << "\n";
  if (lock.mode == client::LockMode::Enforce) {
    out << "Rejected: " << lock.rejected_total << " (would reject in log mode: " << lock.would_reject_total << ")\n";
  } else {
    out << "Would reject: " << lock.would_reject_total << "\n";
  }
  if (!lock.last_sync_error.empty()) {
    out << "Last sync error: " << lock.last_sync_error << " (" << when(lock.last_sync_at, "never") << ")\n";
  }

  out << "\n";
  if (st.peers.empty()) {
    out << "No peers.\n";
    return out.str();
  }
  // Sorted by node ID, as in the JSON.
  std::vector<const client::PeerStatus*> order;
  for (const auto& p : st.peers) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->node_id < b->node_id; });
  Table table({"ID", "NAME", "ADDRESSES", "ONLINE", "EXPOSED", "LOCK", "REASON"});
  for (const auto* p : order) {
    table.add({std::to_string(p->node_id), p->name.empty() ? "-" : p->name, comma_list(p->addresses),
               p->online ? "yes" : "no", p->exposed ? "yes" : "no", std::string(client::verdict_name(p->lock_verdict)),
               p->lock_reason});
  }
  table.print(out);
  return out.str();
}

Result<LocalHttpReply> daemon_request(const std::string& state_dir, const std::string& socket_path,
                                      std::string_view method, const std::string& target) {
  const auto not_running = [&] {
    return Error{"no latchkey up is running with state directory " + state_dir + " (no socket at " + socket_path + ")",
                 ErrorKind::NotFound};
  };
  struct stat info {};
  if (::lstat(socket_path.c_str(), &info) != 0 && errno == ENOENT) return not_running();
  auto reply = local_http_request(socket_path, method, target, "");
  if (!reply) {
    if (reply.kind() == ErrorKind::NotFound) return not_running();
    return Error{"cannot reach latchkey up at " + socket_path + ": " + reply.message() + " (is `latchkey up --state " +
                     state_dir + "` running?)",
                 ErrorKind::Unavailable};
  }
  return reply;
}

Result<StatusDocument> fetch_status(const std::string& state_dir, const std::string& socket_path) {
  auto reply = daemon_request(state_dir, socket_path, "GET", "/status");
  if (!reply) return reply.error();
  if (reply->status != 200) {
    return Error{"latchkey up at " + socket_path + " answered GET /status with HTTP " + std::to_string(reply->status),
                 ErrorKind::Unavailable};
  }
  auto parsed = client::status_from_json(reply->body);
  if (!parsed) {
    return Error{"latchkey up at " + socket_path + " sent a status this latchkey cannot read: " + parsed.message(),
                 ErrorKind::Invalid};
  }
  return StatusDocument{std::move(reply->body), std::move(*parsed)};
}

Status run_status(const StatusOptions& opts, std::ostream& out) {
  std::string dir = opts.state_dir;
  if (dir.empty()) {
    auto d = client::default_state_dir();
    if (!d) return d.error();
    dir = std::move(*d);
  }
  auto doc = fetch_status(dir, client::status_socket_path(dir));
  if (!doc) return doc.error();
  if (opts.json) {
    out << doc->text;
    if (doc->text.empty() || doc->text.back() != '\n') out << "\n";
  } else {
    out << status_text(doc->status);
  }
  return {};
}

void add_status_command(CLI::App& app) {
  auto opts = std::make_shared<StatusOptions>();
  auto* cmd = app.add_subcommand("status", "show what the running `latchkey up` sees: peers and their lock verdicts");
  cmd->add_option("--state", opts->state_dir,
                  "the state directory of `latchkey up` (default: $XDG_STATE_HOME/latchkey, else "
                  "~/.local/state/latchkey)");
  cmd->add_flag("--json", opts->json, "print the status document (schema 1) instead of a table");
  cmd->callback([opts] {
    auto done = run_status(*opts, std::cout);
    if (!done) fail(kCommand, done.message());
  });
}

}  // namespace latchkey::cli
