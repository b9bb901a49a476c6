// Ts2021Client: one client connection to a TS2021 control server — the
// upgrade and Noise handshake (upgrade_client.h), the optional early payload,
// and HTTP/2 inside. Requests may carry a body on any method; responses are
// read as streams. Like upstream's ts2021.Client it is one connection; dial
// another when it closes. Use it from coroutines on the executor of the
// coroutine that connected (a strand, or a single-threaded io_context).
// Mirrors control/ts2021/client.go and conn.go.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "transport/early_payload.h"
#include "transport/early_payload_reader.h"
#include "transport/http2_client.h"
#include "transport/upgrade_client.h"

namespace latchkey::transport {

struct ClientConfig {
  DialTarget target;
  bool websocket = false;
  key::MachinePrivate machine_key;
  key::MachinePublic control_key;  // from fetch_server_keys (key_fetch.h)
  std::uint16_t protocol_version = noise::kCurrentCapabilityVersion;
  Timeouts timeouts;
  Http2ClientLimits limits;
  // :authority of requests; default host:port (host alone on 80/443), as
  // upstream derives it from the server URL.
  std::string authority;
};

class Ts2021Client {
 public:
  static boost::asio::awaitable<Result<std::shared_ptr<Ts2021Client>>> connect(const ClientConfig& config);

  // See Http2ClientSession::request.
  boost::asio::awaitable<Result<std::unique_ptr<Http2ClientResponse>>> request(Http2ClientRequest request) {
    return http_->request(std::move(request));
  }
  // The server's EarlyNoise, once its first bytes arrived (nullopt if none).
  boost::asio::awaitable<Result<std::optional<EarlyNoise>>> early_payload() { return early_->early_payload(); }

  const ConnectionInfo& info() const { return info_; }
  bool is_open() const { return http_->is_open(); }
  void close() { http_->close(); }
  // See Http2ClientSession::abort.
  void abort(bool reset = false) { http_->abort(reset); }
  boost::asio::awaitable<CloseReason> wait_closed() { return http_->wait_closed(); }
  const std::shared_ptr<Http2ClientSession>& http() const { return http_; }

  Ts2021Client(std::shared_ptr<Http2ClientSession> http, EarlyPayloadReader* early, ConnectionInfo info)
      : http_(std::move(http)), early_(early), info_(std::move(info)) {}

 private:
  std::shared_ptr<Http2ClientSession> http_;
  EarlyPayloadReader* early_;  // owned by http_
  ConnectionInfo info_;
};

}  // namespace latchkey::transport
