// ControlConn: the client's one connection to its control server, redialed
// on demand. It fetches the server's Noise key from /key once (upstream
// loadServerPubKeys), dials /ts2021 (plain or WebSocket, HTTP or HTTPS) and
// hands out requests over the HTTP/2 session inside. Several coroutines
// (the map stream, lock RPCs, lite updates) share it; a dial in progress is
// joined, not repeated. drop() abandons the connection (a watchdog or a
// deadline fired, a stream failed); the next request dials again.
//
// rpc() bounds its exchange: a deadline from the call (dial included) to the
// whole answer, and a cap on the body. A deadline aborts the connection, as
// nothing else can stop a read the server never completes. open() leaves the
// bounding to the caller (the map stream's watchdog).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/result.h"
#include "key/machine_key.h"
#include "transport/control_url.h"
#include "transport/http2_client.h"
#include "transport/ts2021_client.h"

namespace latchkey::client {

struct ControlConnOptions {
  transport::ControlUrl server;
  bool websocket = false;  // dial /ts2021 in its WebSocket form
  key::MachinePrivate machine_key;
  std::uint16_t capability_version = 0;
  std::chrono::milliseconds dial_timeout{std::chrono::seconds(30)};
  // Verifies an https server's certificate at GET /key (null: the system's
  // roots). /ts2021 itself is authenticated by Noise.
  std::shared_ptr<boost::asio::ssl::context> key_tls;
};

// A complete answer to a request.
struct RpcReply {
  unsigned status = 0;
  std::string retry_after;  // the Retry-After header, empty when absent
  std::string body;
};

class ControlConn {
 public:
  ControlConn(boost::asio::any_io_executor executor, ControlConnOptions options);

  // One request and its whole answer: at most `max_body` bytes, all within
  // `deadline` (zero: no deadline). A transport failure or a passed
  // deadline is an Unavailable error and drops the connection.
  boost::asio::awaitable<Result<RpcReply>> rpc(std::string method, std::string path, std::string body,
                                               std::chrono::milliseconds deadline, std::size_t max_body);

  // A request whose answer is read as a stream (the map poll). The caller
  // bounds the reading; drop() ends it.
  boost::asio::awaitable<Result<std::unique_ptr<transport::Http2ClientResponse>>> open(std::string method,
                                                                                       std::string path,
                                                                                       std::string body);

  // Abandons the current connection (every request on it fails).
  void drop();
  // Abandons it for good: no more dialing; requests fail.
  void close();

  // Connections established so far (the first one included).
  std::uint64_t dials() const { return dials_; }
  const ControlConnOptions& options() const { return options_; }

 private:
  boost::asio::awaitable<Result<std::shared_ptr<transport::Ts2021Client>>> connection();
  boost::asio::awaitable<Result<std::shared_ptr<transport::Ts2021Client>>> dial();
  boost::asio::awaitable<Result<RpcReply>> exchange(std::shared_ptr<transport::Ts2021Client> conn, std::string method,
                                                    std::string path, std::string body, std::size_t max_body);

  boost::asio::any_io_executor executor_;
  ControlConnOptions options_;
  std::optional<key::MachinePublic> control_key_;
  std::shared_ptr<transport::Ts2021Client> conn_;
  bool dialing_ = false;
  bool closed_ = false;
  // Armed by the dialer, cancelled when its dial ends: every coroutine
  // waiting for that dial wakes once.
  boost::asio::steady_timer dial_done_;
  std::uint64_t dial_generation_ = 0;  // dials finished
  Error last_dial_error_{"not dialed", ErrorKind::Unavailable};
  std::uint64_t dials_ = 0;
};

}  // namespace latchkey::client
