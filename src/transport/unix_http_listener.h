// UnixHttpListener: a small HTTP/1.1 server on a unix stream socket, for a
// process's local control socket — the admin socket of `latchkey serve`
// (server/admin_socket.h) and the status socket of `latchkey up`
// (GET /status, GET /metrics). Lives in transport/ so the client side can
// serve one without linking server/.
//
// The socket file is created with umask 0177 and chmod 0600 before
// listen(), so only the owning user can ever connect. A file left by a
// process that died is removed, but only once a connection attempt shows
// nobody listens on it; when someone answers there, open() fails with
// AlreadyExists, and a path that is not a socket is never touched. The file
// is removed when the listener is destroyed, unless another process has
// replaced it by then. Request bodies are bounded, headers too; a
// connection that sends no complete request within the idle deadline is
// closed. Requests run on the given blocking executor when there is one
// (the answer is written from the connection's own executor again), else on
// the connection's executor.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "base/result.h"

namespace latchkey::transport {

struct UnixHttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and optional query
  std::string body;
};

struct UnixHttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// A request the listener answers itself, without calling the handler.
struct UnixHttpRefusal {
  enum class Kind { BodyTooLarge, BadRequest };
  Kind kind = Kind::BadRequest;
  unsigned status = 400;  // 413 for BodyTooLarge
  std::string message;    // "request body is larger than 64 KiB"
};

using UnixHttpHandler = std::function<UnixHttpResponse(const UnixHttpRequest&)>;
using UnixHttpRefusalHandler = std::function<UnixHttpResponse(const UnixHttpRefusal&)>;

struct UnixHttpListenerOptions {
  // In error texts and logs: "cannot bind the <name> PATH".
  std::string name = "socket";
  // Who the other listener is, in the AlreadyExists text: "<holder> is
  // already listening on the <name> PATH".
  std::string holder = "another process";
  std::size_t body_limit = 64 * 1024;
  std::uint32_t header_limit = 8 * 1024;
  std::chrono::steady_clock::duration idle_deadline = std::chrono::seconds(30);
  // Where handlers run, when set.
  std::optional<boost::asio::any_io_executor> blocking;
  // Builds the answer to a refused request; by default a JSON
  // {"error": message}. Runs on the connection's executor.
  UnixHttpRefusalHandler refuse;
};

class UnixHttpListener {
 public:
  // Binds and listens on `path`.
  static Result<std::unique_ptr<UnixHttpListener>> open(boost::asio::io_context& io, const std::string& path,
                                                        UnixHttpHandler handler, UnixHttpListenerOptions options = {});
  ~UnixHttpListener();
  UnixHttpListener(const UnixHttpListener&) = delete;
  UnixHttpListener& operator=(const UnixHttpListener&) = delete;

  // Starts accepting connections.
  void start();
  // Stops accepting; connections end after their current request. Safe
  // from any thread.
  void stop();
  const std::string& path() const { return path_; }

  struct State;

 private:
  UnixHttpListener() = default;
  std::string path_;
  std::shared_ptr<State> state_;
  ino_t inode_ = 0;  // of the socket file we bound
  dev_t device_ = 0;
};

}  // namespace latchkey::transport
