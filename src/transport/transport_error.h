// TransportError: a protocol failure inside the transport stack (bad frame,
// corrupt record, oversized message), tagged with the CloseReason it ends the
// connection with. I/O failures stay boost::system::system_error;
// classify_failure maps either to a reason and a log text.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

#include "transport/counters.h"

namespace latchkey::transport {

class TransportError : public std::runtime_error {
 public:
  TransportError(CloseReason reason, const std::string& what)
      : std::runtime_error(what), reason_(reason) {}
  CloseReason reason() const { return reason_; }

 private:
  CloseReason reason_;
};

struct Failure {
  CloseReason reason = CloseReason::IoError;
  std::string message;
};

// The reason and text for an exception that ended a connection: a
// TransportError keeps its reason; end-of-stream and resets count as
// PeerClosed; other system errors as IoError.
Failure classify_failure(std::exception_ptr error);

}  // namespace latchkey::transport
