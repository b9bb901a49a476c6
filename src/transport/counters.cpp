#include "transport/counters.h"

namespace latchkey::transport {

std::string_view to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::Completed: return "completed";
    case CloseReason::PeerClosed: return "peer closed";
    case CloseReason::BadRequest: return "bad request";
    case CloseReason::VersionRefused: return "client version refused";
    case CloseReason::HandshakeFailed: return "handshake failed";
    case CloseReason::HandshakeTimeout: return "handshake timeout";
    case CloseReason::IdleTimeout: return "idle timeout";
    case CloseReason::ReadTimeout: return "read timeout";
    case CloseReason::WriteTimeout: return "write timeout";
    case CloseReason::CorruptRecord: return "corrupt record";
    case CloseReason::OversizedFrame: return "oversized frame";
    case CloseReason::ProtocolError: return "HTTP/2 protocol error";
    case CloseReason::LimitExceeded: return "limit exceeded";
    case CloseReason::IoError: return "I/O error";
    case CloseReason::ServerShutdown: return "server shutdown";
  }
  return "unknown";
}

}  // namespace latchkey::transport
