// AdminApi: the administration API of `latchkey serve` — users, pre-auth
// keys, nodes and Tailnet Lock — as JSON over HTTP, spoken on the local admin socket
// (server/admin_socket.h) by the `latchkey users|keys|nodes|lock` commands.
// Sans-IO: a request (method, target, body) in, a response (status, JSON
// body) out. Every change goes through Tailnet, so the live netmap and the
// open map streams see it at once (a deleted node's stream ends and its
// peers get PeersRemoved; an approved registration completes the waiting
// client). Plays the part of headscale's gRPC admin API
// (hscontrol/grpcv1.go) over its unix socket.
//
// Routes (bodies and answers are JSON objects; errors are
// {"error": "<what was wrong>"} with 400, 404, 405, 409, 413 or 5xx):
//   GET    /v1/users                    -> [user]
//   POST   /v1/users                    {name, display_name?, email?} -> user
//   DELETE /v1/users/<name or id>       -> user
//   GET    /v1/keys[?user=<name or id>] -> [key]
//   POST   /v1/keys                     {user, reusable?, ephemeral?, expiration_seconds?, tags?}
//                                       -> key, with "key": the full key text (shown once)
//   POST   /v1/keys/<id>/expire         -> key
//   GET    /v1/nodes[?user=<name or id>] -> [node] (with "online": an open map stream now)
//   POST   /v1/nodes/register           {id: auth id or "mkey:...", user} -> {auth_id, user, node}
//   DELETE /v1/nodes/<id>               -> {id}
//   POST   /v1/nodes/<id>/expire        -> node
//   POST   /v1/nodes/<id>/rename        {name} -> node
//   GET    /v1/lock                     -> {mode, and while enabled: head, trusted_keys,
//                                           disablement_secrets, support_disablement, nodes
//                                           (each with its signature verdict)}
//   GET    /v1/lock/log[?limit=N]       -> [aum] of the active chain, newest first
//                                          (N: 1..1000, default 50)
//   POST   /v1/lock/disable             {support: true} -> {mode: "disabled"}: disables the lock
//                                       with the support disablement secret stored at init
//                                       (409 when not enabled or none is held)
// The lock routes answer 503 when the server runs without a lock service
// (server/lock_admin.h builds their answers).
// Path segments are percent-encoded (admin_path_segment).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "server/tailnet.h"
#include "server/tailnet_lock.h"

namespace latchkey::server {

// Request bodies larger than this are refused (413).
inline constexpr std::size_t kAdminBodyLimit = 64 * 1024;

struct AdminRequest {
  std::string method;  // "GET", "POST", "DELETE"
  std::string target;  // path and optional query: "/v1/keys?user=alice"
  std::string body;    // JSON (empty for GET and DELETE)
};

struct AdminResponse {
  unsigned status = 200;
  std::string body;  // JSON text, newline-terminated
};

// A decoded request: which operation, with its checked arguments.
struct AdminCall {
  enum class Op {
    ListUsers,
    CreateUser,
    DeleteUser,
    ListKeys,
    CreateKey,
    ExpireKey,
    ListNodes,
    RegisterNode,
    DeleteNode,
    ExpireNode,
    RenameNode,
    LockStatus,
    LockLog,
    LockDisable,
  };
  Op op = Op::ListUsers;
  std::string user;  // a user's name or id: filter, owner, or the user to delete
  std::string name;  // CreateUser: the new user's name; RenameNode: the new node name
  std::string display_name;
  std::string email;
  std::int64_t id = 0;        // ExpireKey, DeleteNode, ExpireNode, RenameNode
  std::string registration;   // RegisterNode: auth id or machine key text
  bool reusable = false;
  bool ephemeral = false;
  std::int64_t expiration_seconds = 3600;
  std::vector<std::string> tags;
  std::size_t limit = 50;  // LockLog: how many AUMs at most
};

// GET /v1/lock/log: the default and the largest ?limit=.
inline constexpr std::size_t kLockLogDefaultLimit = 50;
inline constexpr std::size_t kLockLogMaxLimit = 1000;

// Decodes and checks a request. Errors: NotFound for an unknown path (404),
// Conflict for a known path with the wrong method (405), Invalid for a bad
// body or argument (400; the text says which field and why).
Result<AdminCall> decode_admin_request(const AdminRequest& request);

// A path segment percent-encoded for a target ("a b" -> "a%20b").
std::string admin_path_segment(std::string_view text);

class AdminApi {
 public:
  using Clock = std::chrono::system_clock;
  // `lock`: the server's Tailnet Lock service, or nullptr (the lock routes
  // then answer 503).
  explicit AdminApi(Tailnet& tailnet, TailnetLock* lock = nullptr) : tailnet_(tailnet), lock_(lock) {}

  AdminResponse handle(const AdminRequest& request, Clock::time_point now);
  // The answer to a request the socket could not read (too large, not
  // HTTP): counted like the others.
  AdminResponse refuse(unsigned status, std::string_view metric, const std::string& message);

 private:
  Result<std::string> run(const AdminCall& call, Clock::time_point now);
  bool online(store::NodeId id) const;
  Tailnet& tailnet_;
  TailnetLock* lock_;
};

}  // namespace latchkey::server
