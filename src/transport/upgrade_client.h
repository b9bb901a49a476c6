// The client side of the TS2021 upgrade: dial the server (TCP, optionally
// TLS), send POST /ts2021 with Upgrade: tailscale-control-protocol and the
// Noise initiation in X-Tailscale-Handshake (or the WebSocket form with the
// initiation in the query), read 101 Switching Protocols, and finish the
// Noise handshake with the server's response — bytes that follow the response
// are already transport data. All of it bounded by the handshake timeout.
// Mirrors control/controlhttp/client.go (dialURL, tryURLUpgrade) and
// client_js.go (WebSocket), with controlbase.ClientDeferred.
#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "base/result.h"
#include "key/machine_key.h"
#include "noise/protocol.h"
#include "transport/dialer.h"
#include "transport/http2_message.h"
#include "transport/noise_stream.h"
#include "transport/timeouts.h"

namespace latchkey::transport {

struct UpgradeClientConfig {
  DialTarget target;
  bool websocket = false;           // the WebSocket form instead of Upgrade
  key::MachinePrivate machine_key;  // our Noise static key
  key::MachinePublic control_key;   // the server's, from /key
  std::uint16_t protocol_version = noise::kCurrentCapabilityVersion;
  Timeouts timeouts;                // handshake bounds the whole dial
};

struct NoiseDial {
  std::unique_ptr<NoiseStream> stream;
  ConnectionInfo info;  // peer_static = the control key
};

// Runs on the calling coroutine's executor.
boost::asio::awaitable<Result<NoiseDial>> dial_noise(const UpgradeClientConfig& config);

// The raw form (no HTTP, as the interop probes use): writes the initiation
// to `lower` and reads the response from it.
boost::asio::awaitable<Result<NoiseDial>> noise_client_handshake(std::unique_ptr<ByteStream> lower,
                                                                 const key::MachinePrivate& machine_key,
                                                                 const key::MachinePublic& control_key,
                                                                 std::uint16_t protocol_version);

}  // namespace latchkey::transport
