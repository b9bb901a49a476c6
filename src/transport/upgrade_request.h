// Validation of the HTTP/1.1 requests a TS2021 control server answers before
// any Noise: `GET /key?v=N`, the `/ts2021` upgrade (Upgrade:
// tailscale-control-protocol, initiation in X-Tailscale-Handshake) and its
// WebSocket form (initiation in the X-Tailscale-Handshake query parameter,
// subprotocol tailscale-control-protocol). Pure: no sockets.
// Mirrors control/controlhttp/controlhttpserver (acceptHTTP,
// acceptWebsocket), coder/websocket's request checks, and the /key handlers
// of tstest/integration/testcontrol and headscale.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/bytes.h"
#include "base/result.h"
#include "transport/counters.h"
#include "transport/http_head.h"

namespace latchkey::transport {

inline constexpr std::string_view kUpgradePath = "/ts2021";
inline constexpr std::string_view kKeyPath = "/key";
inline constexpr std::string_view kUpgradeHeaderValue = "tailscale-control-protocol";
inline constexpr std::string_view kHandshakeHeaderName = "X-Tailscale-Handshake";

// A request the server refuses with an HTTP error before any upgrade.
struct HttpRefusal {
  unsigned status = 400;
  std::string message;       // response body text (a line, no newline)
  CloseReason reason = CloseReason::BadRequest;
  // Extra response fields coder/websocket sends with some refusals.
  std::vector<std::pair<std::string, std::string>> extra_fields;
};

// GET /key: the client's capability version from `v`, if it sent one.
struct KeyRequest {
  std::optional<int> capability_version;
};

// An accepted /ts2021 upgrade.
struct UpgradeRequest {
  bool websocket = false;
  Bytes initiation;                    // decoded handshake message
  std::optional<std::uint16_t> version;  // from the initiation header, if readable
  std::string websocket_key;           // Sec-WebSocket-Key (WebSocket form)
  std::string websocket_protocol;      // subprotocol token to echo (WebSocket form)
};

// Any other request: left to the embedding server (404 by default).
struct OtherRequest {};

using RequestRoute = std::variant<KeyRequest, UpgradeRequest, OtherRequest, HttpRefusal>;

// Classifies a request head and validates the /key and /ts2021 forms.
// Upgrades from clients whose initiation names a capability version below
// `min_version` are refused here (HTTP 400), before any Noise.
RequestRoute route_request(const HttpRequestHead& head, std::uint16_t min_version);

// Validation of the /ts2021 request alone (path already matched).
std::variant<UpgradeRequest, HttpRefusal> validate_upgrade(const HttpRequestHead& head,
                                                           std::uint16_t min_version);

// Go's url.ParseQuery + Values.Get: the first value of `key` in a raw query,
// percent-decoded with '+' as space. Fails like Go does on a malformed
// escape or a ';' separator anywhere in the query. nullopt if absent.
Result<std::optional<std::string>> query_value(std::string_view raw_query, std::string_view key);

}  // namespace latchkey::transport
