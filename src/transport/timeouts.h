// Timeouts of one transport connection. Every connection has all four; the
// server and client pick defaults close to upstream's (controlhttp gives a
// dial 10 s end to end; net/http servers close idle keep-alives).
#pragma once

#include <chrono>

namespace latchkey::transport {

struct Timeouts {
  // From accept (or dial) until the Noise session is established, and for
  // each plain HTTP/1.1 request (head read to response written).
  std::chrono::milliseconds handshake{std::chrono::seconds(30)};
  // An established connection with no open HTTP/2 stream and no traffic.
  std::chrono::milliseconds idle{std::chrono::minutes(5)};
  // A message stalled mid-way: a partial Noise frame, or an HTTP/2 request
  // whose headers or body stopped arriving. Also bounds the whole time one
  // HTTP/2 request may take to arrive (4x this).
  std::chrono::milliseconds read{std::chrono::seconds(30)};
  // A write the peer does not drain (it stopped reading).
  std::chrono::milliseconds write{std::chrono::seconds(30)};
};

}  // namespace latchkey::transport
