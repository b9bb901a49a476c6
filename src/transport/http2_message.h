// The pieces of an HTTP/2 exchange both roles share: header lists, limits,
// and the identity of the connection a request arrived on (the Noise peer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"

namespace latchkey::transport {

// Header fields in wire order. HTTP/2 names are lower case; pseudo-headers
// (":status", ":path", ...) are kept apart, not in this list.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// First value of `name` (case-insensitive).
std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name);

// Who is at the other end of an HTTP/2-over-Noise connection.
struct ConnectionInfo {
  std::string remote_address;         // "ip:port" of the TCP peer
  bool websocket = false;             // upgraded through the WebSocket form
  bool noise = false;                 // false only for plain test connections
  ByteArray<32> peer_static{};        // the peer's Noise static key (machine key)
  std::uint16_t protocol_version = 0; // client capability version from the handshake
  ByteArray<32> handshake_hash{};     // binds messages to this connection
  // The EarlyNoise node-key challenge this server sent on the connection
  // (private half), when it sent one.
  std::optional<ByteArray<32>> challenge_private;
};

// Limits of the HTTP/2 server role.
struct Http2ServerLimits {
  std::size_t max_request_body = 4 << 20;        // per stream; beyond: 413 + RST_STREAM
  std::size_t max_connection_request_bytes = 16 << 20;  // request bodies held at once; beyond: GOAWAY
  std::size_t max_header_list = 64 << 10;        // decoded request header block; beyond: 431
  std::uint32_t max_concurrent_streams = 250;    // as upstream's Go server
  std::size_t stream_send_buffer = 1 << 20;      // unsent response bytes before write() waits
  std::size_t connection_send_buffer = 8 << 20;  // same, summed over the connection
  std::uint32_t initial_window = 1 << 20;        // our receive window per stream and connection
};

// Limits of the HTTP/2 client role.
struct Http2ClientLimits {
  std::uint32_t stream_window = 4 << 20;         // unread response bytes buffered per stream
  std::uint32_t connection_window = 16 << 20;    // unread bytes summed over the connection
  std::size_t max_header_list = 10 << 20;        // as upstream's Go client advertises
};

}  // namespace latchkey::transport
