// ByteStream: an ordered, reliable byte stream with coroutine reads and
// writes — what every layer of the TS2021 stack offers the one above it: a
// TCP or TLS socket, a WebSocket carrying binary messages, and a Noise
// connection over any of those. HTTP/2 runs over whichever is on top.
// Mirrors the role net.Conn plays upstream (controlbase.Conn, wsconn).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "base/bytes.h"

namespace latchkey::transport {

namespace asio = boost::asio;

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  ByteStream() = default;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads at least one byte into `into` (which must not be empty); returns
  // 0 at a clean end of stream. Throws boost::system::system_error on I/O
  // errors and TransportError on protocol errors.
  virtual asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> into) = 0;

  // Writes all of `data` (throws as read_some does). At most one write may
  // be in flight at a time.
  virtual asio::awaitable<void> write_all(ByteView data) = 0;

  // Closes the stream now; operations in flight complete with an error.
  // Idempotent, never throws.
  virtual void close() noexcept = 0;

  // Closes the stream now as close() does, but where a TCP socket is at the
  // bottom it is reset (RST, SO_LINGER 0) rather than finished with a FIN:
  // the peer's next read fails with ECONNRESET, as when a host drops a
  // connection. Layers above the socket pass it down; the default (a stream
  // with no socket below) is close().
  virtual void reset() noexcept { close(); }

  // The executor (a strand) every operation of this stream runs on.
  virtual asio::any_io_executor executor() const = 0;

  // The peer's address for logs ("127.0.0.1:4242"), if known.
  virtual std::string remote_address() const = 0;

  // Waits until read_some would not block (data, end of stream or an
  // error), so that an idle reader need not hold a read buffer meanwhile —
  // thousands of idle control connections are mostly waiting. Throws as
  // read_some does when the stream is closed meanwhile. The default returns
  // at once (the following read_some then does the waiting).
  virtual asio::awaitable<void> wait_readable() { co_return; }

  // Whether the stream holds part of a message it cannot deliver yet (a
  // partially received Noise frame): reading must then finish within the
  // read timeout rather than the idle timeout.
  virtual bool mid_message() const { return false; }
};

// Reads exactly into.size() bytes. Returns false if the stream ended first
// (after a partial read the bytes read so far are in `into`).
asio::awaitable<bool> read_exact(ByteStream& stream, std::span<std::uint8_t> into);

}  // namespace latchkey::transport
