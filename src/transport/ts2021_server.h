// Ts2021Server: a TS2021 control-protocol listener. Accepts TCP (optionally
// TLS) connections; serves GET /key and the /ts2021 upgrade (plain and
// WebSocket) on each; after the Noise handshake serves HTTP/2 on the
// connection, dispatching requests to an Http2Router whose handlers see the
// peer's machine key (Http2Request::connection). Every connection has
// handshake, idle, read and write timeouts; a bad connection ends alone, with
// its reason logged (spdlog) and counted (TransportCounters), while the
// server keeps serving the others. Connections over the caps of
// ConnectionLimits are closed at once; a failed accept (out of descriptors)
// pauses that listener (AcceptBackoff) and is logged at most once a second.
// Upstream: the /key and /ts2021 handlers of
// headscale (hscontrol/noise.go) and testcontrol, over controlhttpserver and
// http2.Server.ServeConn.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "base/result.h"
#include "key/machine_key.h"
#include "transport/connection_limits.h"
#include "transport/http2_server.h"
#include "transport/upgrade_server.h"

namespace latchkey::transport {

struct ServerConfig {
  key::MachinePrivate control_key;       // the Noise static key
  key::MachinePublic legacy_public_key;  // /key's legacyPublicKey: a different key pair
  std::uint16_t min_capability_version = kDefaultMinCapabilityVersion;
  bool send_early_payload = true;
  Timeouts timeouts;
  Http2ServerLimits limits;
  ConnectionLimits connection_limits;
  // Serve HTTPS instead of plain HTTP when set.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Plain HTTP/1.1 requests other than /key and /ts2021 (default: 404).
  std::function<Http1Response(const HttpRequestHead&)> http1_handler;
};

class Ts2021Server {
 public:
  // Fails if the control key is zero or the legacy key is the control key's
  // public half.
  static Result<std::unique_ptr<Ts2021Server>> create(boost::asio::io_context& io, ServerConfig config,
                                                      std::shared_ptr<const Http2Router> router);
  // Stops the server (connections still running end on their own strands;
  // their state outlives this object).
  ~Ts2021Server();
  Ts2021Server(const Ts2021Server&) = delete;
  Ts2021Server& operator=(const Ts2021Server&) = delete;

  // Binds and listens; may be called for several endpoints.
  Status listen(const Tcp::endpoint& endpoint);
  // The bound endpoint of the n-th listener (port 0 resolved).
  Tcp::endpoint local_endpoint(std::size_t n = 0) const;
  // Starts accepting on every listener.
  void start();
  // Stops accepting and ends every connection (GOAWAY on HTTP/2 ones). Safe
  // from any thread.
  void stop();

  TransportCounters& counters();
  const ServerKeys& keys() const;
  std::size_t open_connections() const;
  // The total cap in effect (ConnectionLimits resolved at create()).
  std::size_t max_connections() const;

  struct State;

 private:
  explicit Ts2021Server(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace latchkey::transport
