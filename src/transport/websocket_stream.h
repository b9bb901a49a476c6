// WebSocketStream: a ByteStream over a WebSocket whose binary messages carry
// the Noise byte stream, the form browsers (tsconnect/wasm) use to reach
// /ts2021 when they cannot upgrade plain HTTP. Message boundaries carry no
// meaning; each write is one binary message. Mirrors upstream's
// net/wsconn.NetConn with websocket.MessageBinary.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "transport/socket_stream.h"

namespace latchkey::transport {

// The largest WebSocket message accepted (Noise frames are at most 4 KiB;
// a peer may batch several into one message).
inline constexpr std::size_t kMaxWebSocketMessage = 1 << 20;

template <class NextLayer>
class WebSocketStream final : public ByteStream {
 public:
  using Socket = boost::beast::websocket::stream<NextLayer>;
  explicit WebSocketStream(Socket ws);

  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> into) override;
  asio::awaitable<void> write_all(ByteView data) override;
  void close() noexcept override;
  void reset() noexcept override;
  asio::any_io_executor executor() const override;
  std::string remote_address() const override { return remote_; }

 private:
  Socket ws_;
  boost::beast::flat_buffer message_;
  std::string remote_;
};

extern template class WebSocketStream<Tcp::socket>;
extern template class WebSocketStream<TlsSocket>;

}  // namespace latchkey::transport
