// AdminSocket: the local admin socket of `latchkey serve` — HTTP/1.1 on a
// unix stream socket (mode 0600, so only the server's own user can
// administer it), each request answered by AdminApi. Bodies are bounded
// (kAdminBodyLimit), idle connections are closed after a deadline.
//
// Opening: a socket file left by a server that died is removed, but only
// once a connection attempt shows nobody is listening on it; if another
// server answers there, opening fails. The file is bound with umask 0177
// and chmod 0600 before listen(), so no one can connect before the mode is
// right. The file is removed again when the AdminSocket is destroyed.
// Requests run on the blocking executor given at open (the control
// server's pool: database transactions, signature checks across all nodes
// and Argon2i in the lock routes), never on the I/O threads; the answer is
// written from the connection's own executor again. Without one (tests of
// the socket alone) they run on the connection's executor.
// Plays the part of headscale's unix_socket (hscontrol/app.go).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "base/result.h"
#include "server/admin_api.h"

namespace latchkey::server {

class AdminSocket {
 public:
  // Binds and listens on `path`; AlreadyExists when another server is
  // listening there.
  static Result<std::unique_ptr<AdminSocket>> open(boost::asio::io_context& io, const std::string& path,
                                                   std::shared_ptr<AdminApi> api,
                                                   std::optional<boost::asio::any_io_executor> blocking = {});
  ~AdminSocket();
  AdminSocket(const AdminSocket&) = delete;
  AdminSocket& operator=(const AdminSocket&) = delete;

  // Starts accepting connections.
  void start();
  // Stops accepting; connections end after their current request. Safe
  // from any thread.
  void stop();
  const std::string& path() const { return path_; }

  struct State;

 private:
  AdminSocket() = default;
  std::string path_;
  std::shared_ptr<State> state_;
  ino_t inode_ = 0;  // of the socket file we bound
  dev_t device_ = 0;
};

}  // namespace latchkey::server
