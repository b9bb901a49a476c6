#include "transport/websocket_stream.h"

#include <algorithm>
#include <cstring>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/error.hpp>

#include "transport/transport_error.h"

namespace latchkey::transport {

namespace websocket = boost::beast::websocket;

namespace {
Tcp::socket& lowest(Tcp::socket& s) { return s; }
Tcp::socket& lowest(TlsSocket& s) { return s.next_layer(); }
}  // namespace

template <class NextLayer>
WebSocketStream<NextLayer>::WebSocketStream(Socket ws)
    : ws_(std::move(ws)), remote_(peer_address(lowest(ws_.next_layer()))) {
  ws_.read_message_max(kMaxWebSocketMessage);
  ws_.binary(true);
  ws_.auto_fragment(false);
}

template <class NextLayer>
asio::awaitable<std::size_t> WebSocketStream<NextLayer>::read_some(std::span<std::uint8_t> into) {
  while (message_.size() == 0) {
    boost::system::error_code ec;
    co_await ws_.async_read(message_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == websocket::error::closed || ec == asio::error::eof) co_return 0;
    if (ec) throw boost::system::system_error(ec);
    if (!ws_.got_binary()) {
      throw TransportError(CloseReason::ProtocolError, "text message on the WebSocket (binary expected)");
    }
  }
  auto data = message_.data();
  std::size_t n = std::min(into.size(), data.size());
  std::memcpy(into.data(), data.data(), n);
  message_.consume(n);
  co_return n;
}

template <class NextLayer>
asio::awaitable<void> WebSocketStream<NextLayer>::write_all(ByteView data) {
  co_await ws_.async_write(asio::buffer(data.data(), data.size()), asio::use_awaitable);
}

template <class NextLayer>
void WebSocketStream<NextLayer>::close() noexcept {
  boost::system::error_code ec;
  auto& s = lowest(ws_.next_layer());
  if (s.is_open()) {
    s.shutdown(Tcp::socket::shutdown_both, ec);
    s.close(ec);
  }
}

template <class NextLayer>
void WebSocketStream<NextLayer>::reset() noexcept {
  reset_socket(lowest(ws_.next_layer()));
}

template <class NextLayer>
asio::any_io_executor WebSocketStream<NextLayer>::executor() const {
  return const_cast<Socket&>(ws_).get_executor();
}

template class WebSocketStream<Tcp::socket>;
template class WebSocketStream<TlsSocket>;

}  // namespace latchkey::transport
