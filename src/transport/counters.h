// Transport counters: why connections ended and what they carried, as plain
// atomics a server can export (metrics, debug endpoints) without locking.
// No upstream equivalent; upstream logs these events through logf.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace latchkey::transport {

// Why one connection (or one connection attempt) ended. Every connection ends
// with exactly one reason, counted in TransportCounters::closed.
enum class CloseReason : std::uint8_t {
  Completed,          // orderly end: peer closed after a complete exchange
  PeerClosed,         // peer closed the socket mid-exchange (or reset it)
  BadRequest,         // malformed or unsupported HTTP/1.1 request (answered 4xx)
  VersionRefused,     // client capability version below the server's minimum
  HandshakeFailed,    // Noise handshake rejected (bad initiation, bad tag, ...)
  HandshakeTimeout,   // request head / handshake not finished in time
  IdleTimeout,        // no open streams and no traffic for the idle timeout
  ReadTimeout,        // a message (record, request) stalled mid-way
  WriteTimeout,       // the peer stopped reading our output
  CorruptRecord,      // a Noise record failed authentication or was malformed
  OversizedFrame,     // a Noise frame longer than the protocol allows
  ProtocolError,      // HTTP/2 protocol violation by the peer
  LimitExceeded,      // per-connection size limit exceeded (GOAWAY sent)
  IoError,            // socket error other than a plain close
  ServerShutdown,     // the server stopped
};
inline constexpr std::size_t kCloseReasonCount = 15;

std::string_view to_string(CloseReason reason);

// Counters of one server (or client). All members are monotonic except
// connections_open. Relaxed atomics: they are statistics, not synchronisation.
struct TransportCounters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> key_requests{0};
  std::atomic<std::uint64_t> upgrades_http{0};       // POST /ts2021 with Upgrade
  std::atomic<std::uint64_t> upgrades_websocket{0};  // WebSocket form
  std::atomic<std::uint64_t> handshakes_completed{0};
  std::atomic<std::uint64_t> http2_streams{0};       // requests dispatched
  std::atomic<std::uint64_t> http2_streams_refused{0};  // 413 / RST_STREAM for limits
  std::atomic<std::uint64_t> bytes_received{0};      // Noise plaintext in
  std::atomic<std::uint64_t> bytes_sent{0};          // Noise plaintext out
  std::array<std::atomic<std::uint64_t>, kCloseReasonCount> closed{};

  void count_close(CloseReason reason) {
    closed[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t closed_for(CloseReason reason) const {
    return closed[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }
};

}  // namespace latchkey::transport
