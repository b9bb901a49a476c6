// AdminApi: the administration API of `latchkey serve` — users, pre-auth
// keys and nodes — as JSON over HTTP, spoken on the local admin socket
// (server/admin_socket.h) by the `latchkey users|keys|nodes` commands.
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
};

// Decodes and checks a request. Errors: NotFound for an unknown path (404),
// Conflict for a known path with the wrong method (405), Invalid for a bad
// body or argument (400; the text says which field and why).
Result<AdminCall> decode_admin_request(const AdminRequest& request);

// A path segment percent-encoded for a target ("a b" -> "a%20b").
std::string admin_path_segment(std::string_view text);

class AdminApi {
 public:
  using Clock = std::chrono::system_clock;
  explicit AdminApi(Tailnet& tailnet) : tailnet_(tailnet) {}

  AdminResponse handle(const AdminRequest& request, Clock::time_point now);
  // The answer to a request the socket could not read (too large, not
  // HTTP): counted like the others.
  AdminResponse refuse(unsigned status, std::string_view metric, const std::string& message);

 private:
  Result<std::string> run(const AdminCall& call, Clock::time_point now);
  bool online(store::NodeId id) const;
  Tailnet& tailnet_;
};

}  // namespace latchkey::server
