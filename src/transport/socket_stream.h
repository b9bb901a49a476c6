// SocketStream: a ByteStream over a TCP socket or a TLS stream on one, with
// an optional prefix of bytes already read from the socket (the part of a
// read buffer that followed an HTTP head: the server's handshake response
// after a 101, or early client bytes). Mirrors netutil.NewDrainBufConn and
// NewAltReadWriteCloserConn upstream.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "transport/byte_stream.h"

namespace latchkey::transport {

using Tcp = asio::ip::tcp;
using TlsSocket = asio::ssl::stream<Tcp::socket>;

template <class Stream>
class SocketStream final : public ByteStream {
 public:
  explicit SocketStream(Stream stream, Bytes prefix = {});

  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> into) override;
  asio::awaitable<void> write_all(ByteView data) override;
  // Plain TCP waits for readability; TLS returns at once (the TLS stream
  // may hold decrypted bytes the socket no longer shows). End of stream
  // counts as readable: the next read_some returns 0.
  asio::awaitable<void> wait_readable() override;
  void close() noexcept override;
  void reset() noexcept override;
  asio::any_io_executor executor() const override;
  std::string remote_address() const override;

  Stream& next_layer() { return stream_; }

 private:
  Stream stream_;
  Bytes prefix_;
  std::size_t prefix_used_ = 0;
  // wait_readable's peek saw end of stream. Remembered rather than read
  // again: Asio marks a socket's reads exhausted after a receive returns 0
  // and waits for the next readiness edge before trying another, and the
  // edge of the FIN was the one the peek consumed, so a second receive
  // would wait for an unrelated event (a failing keepalive write, minutes
  // later) and the close would go unnoticed until then.
  bool peer_finished_ = false;
  std::string remote_;
};

using TcpStream = SocketStream<Tcp::socket>;
using TlsStream = SocketStream<TlsSocket>;

extern template class SocketStream<Tcp::socket>;
extern template class SocketStream<TlsSocket>;

// "address:port" of a connected socket's peer, or "?" when unknown.
std::string peer_address(const Tcp::socket& socket);

// Closes `socket` with a reset: SO_LINGER on with a zero timeout, then
// close, so the kernel sends RST and drops unsent data (ByteStream::reset).
void reset_socket(Tcp::socket& socket) noexcept;

}  // namespace latchkey::transport
