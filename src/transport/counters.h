// Transport counters: accepts that failed or were refused, why connections
// ended, what they carried and which HTTP statuses they were answered with,
// as plain atomics a server can export (metrics, debug endpoints) without
// locking.
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

// HTTP responses sent, by status code (100-599; other codes are not
// counted).
class HttpStatusCounts {
 public:
  static constexpr unsigned kFirst = 100;
  static constexpr unsigned kLast = 599;

  void count(unsigned status) {
    if (status >= kFirst && status <= kLast) counts_[status - kFirst].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t of(unsigned status) const {
    return status >= kFirst && status <= kLast ? counts_[status - kFirst].load(std::memory_order_relaxed) : 0;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kLast - kFirst + 1> counts_{};
};

// Counters of one server (or client). All members are monotonic except
// connections_open. Relaxed atomics: they are statistics, not synchronisation.
struct TransportCounters {
  std::atomic<std::uint64_t> connections_accepted{0};  // admitted (not refused over a cap)
  std::atomic<std::int64_t> connections_open{0};
  // Failed accepts (out of descriptors, memory or buffers, ...); each is
  // followed by a pause before the next attempt (AcceptBackoff).
  std::atomic<std::uint64_t> accept_errors{0};
  // Connections closed right after accept, without reading a byte, because
  // the server held its maximum in total or from that address
  // (ConnectionLimits).
  std::atomic<std::uint64_t> refused_over_total{0};
  std::atomic<std::uint64_t> refused_over_per_address{0};
  std::atomic<std::uint64_t> key_requests{0};
  std::atomic<std::uint64_t> upgrades_http{0};       // POST /ts2021 with Upgrade
  std::atomic<std::uint64_t> upgrades_websocket{0};  // WebSocket form
  std::atomic<std::uint64_t> handshakes_completed{0};
  std::atomic<std::uint64_t> http2_streams{0};       // requests dispatched
  std::atomic<std::uint64_t> http2_streams_refused{0};  // 413 / RST_STREAM for limits
  std::atomic<std::uint64_t> bytes_received{0};      // Noise plaintext in
  std::atomic<std::uint64_t> bytes_sent{0};          // Noise plaintext out
  // How each established Noise session ended, by what its client sent:
  // at least one HTTP/2 request; valid records but no request; or not one
  // valid record — what a replayed handshake initiation looks like, as the
  // replayer cannot derive the session keys.
  std::atomic<std::uint64_t> sessions_with_requests{0};
  std::atomic<std::uint64_t> sessions_without_request{0};
  std::atomic<std::uint64_t> sessions_without_valid_record{0};
  // Responses sent: HTTP/1.1 before the upgrade (including 101), and
  // HTTP/2 inside Noise sessions.
  HttpStatusCounts http1_responses;
  HttpStatusCounts http2_responses;
  std::array<std::atomic<std::uint64_t>, kCloseReasonCount> closed{};

  void count_close(CloseReason reason) {
    closed[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t closed_for(CloseReason reason) const {
    return closed[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }
};

}  // namespace latchkey::transport
