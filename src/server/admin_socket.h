// AdminSocket: the local admin socket of `latchkey serve` — HTTP/1.1 on a
// unix stream socket (mode 0600, so only the server's own user can
// administer it), each request answered by AdminApi. Bodies are bounded
// (kAdminBodyLimit), idle connections are closed after a deadline.
//
// The socket itself (mode, stale-file detection, limits, removal at
// destruction) is transport::UnixHttpListener; this file binds it to the
// admin API: requests run on the blocking executor given at open (the
// control server's pool: database transactions, signature checks across all
// nodes and Argon2i in the lock routes), never on the I/O threads; without
// one (tests of the socket alone) they run on the connection's executor.
// Refused requests (too large, not HTTP) are answered and counted by
// AdminApi::refuse. Opening fails with AlreadyExists when another server is
// listening on the path.
// Plays the part of headscale's unix_socket (hscontrol/app.go).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "base/result.h"
#include "server/admin_api.h"
#include "transport/unix_http_listener.h"

namespace latchkey::server {

class AdminSocket {
 public:
  // Binds and listens on `path`; AlreadyExists when another server is
  // listening there.
  static Result<std::unique_ptr<AdminSocket>> open(boost::asio::io_context& io, const std::string& path,
                                                   std::shared_ptr<AdminApi> api,
                                                   std::optional<boost::asio::any_io_executor> blocking = {});
  ~AdminSocket() = default;
  AdminSocket(const AdminSocket&) = delete;
  AdminSocket& operator=(const AdminSocket&) = delete;

  // Starts accepting connections.
  void start();
  // Stops accepting; connections end after their current request. Safe
  // from any thread.
  void stop();
  const std::string& path() const { return listener_->path(); }

 private:
  explicit AdminSocket(std::unique_ptr<transport::UnixHttpListener> listener) : listener_(std::move(listener)) {}
  std::unique_ptr<transport::UnixHttpListener> listener_;
};

}  // namespace latchkey::server
