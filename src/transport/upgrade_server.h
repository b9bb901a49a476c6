// The server side of one TS2021 connection before HTTP/2: reads HTTP/1.1
// requests (keep-alive), answers GET /key and other plain requests, refuses
// malformed ones with an HTTP error, and on /ts2021 switches protocols —
// 101 Switching Protocols, the Noise response and the optional early payload
// leave in one write (upstream's write corking) — or accepts the WebSocket
// form and answers the handshake in a binary message. Every step is bounded
// by the handshake timeout. Mirrors controlhttpserver.AcceptHTTP and
// acceptWebsocket, with headscale's earlyNoise.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "noise/keypair.h"
#include "transport/byte_stream.h"
#include "transport/counters.h"
#include "transport/http1_response.h"
#include "transport/http2_message.h"
#include "transport/key_endpoint.h"
#include "transport/socket_stream.h"
#include "transport/timeouts.h"
#include "transport/transport_error.h"

namespace latchkey::transport {

// Upstream headscale's floor at the commit the vectors came from (it keeps
// the latest ten minor releases); a server may choose another.
inline constexpr std::uint16_t kDefaultMinCapabilityVersion = 113;

struct UpgradeServerConfig {
  noise::Keypair control_key;   // the Noise static key
  ServerKeys keys;              // what /key reports
  std::uint16_t min_capability_version = kDefaultMinCapabilityVersion;
  bool send_early_payload = true;  // EarlyNoise with a node-key challenge (plain form)
  Timeouts timeouts;
  // Plain HTTP/1.1 requests other than /key and /ts2021 (default: 404).
  std::function<Http1Response(const HttpRequestHead&)> http1_handler;
};

// What became of one connection's HTTP/1.1 phase.
struct UpgradeOutcome {
  std::unique_ptr<ByteStream> noise;           // set when the upgrade succeeded
  std::shared_ptr<ConnectionInfo> info;        // with it
  Failure end;                                 // why it ended otherwise
};

// Called when the connection's lowest socket changes hands, with an action
// that closes it now (for server shutdown).
using CloseAction = std::function<void()>;

template <class Socket>
boost::asio::awaitable<UpgradeOutcome> serve_upgrade(Socket socket, const UpgradeServerConfig& config,
                                                     TransportCounters* counters,
                                                     std::function<void(CloseAction)> on_close_action = {});

extern template boost::asio::awaitable<UpgradeOutcome> serve_upgrade<Tcp::socket>(
    Tcp::socket, const UpgradeServerConfig&, TransportCounters*, std::function<void(CloseAction)>);
extern template boost::asio::awaitable<UpgradeOutcome> serve_upgrade<TlsSocket>(
    TlsSocket, const UpgradeServerConfig&, TransportCounters*, std::function<void(CloseAction)>);

}  // namespace latchkey::transport
