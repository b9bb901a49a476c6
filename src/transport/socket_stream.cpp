#include "transport/socket_stream.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/redirect_error.hpp>

namespace latchkey::transport {

namespace {

Tcp::socket& lowest(Tcp::socket& s) { return s; }
Tcp::socket& lowest(TlsSocket& s) { return s.next_layer(); }

}  // namespace

std::string peer_address(const Tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  std::string addr = ep.address().to_string();
  if (ep.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

void reset_socket(Tcp::socket& socket) noexcept {
  if (!socket.is_open()) return;
  boost::system::error_code ec;
  socket.set_option(Tcp::socket::linger(true, 0), ec);
  socket.close(ec);
}

template <class Stream>
SocketStream<Stream>::SocketStream(Stream stream, Bytes prefix)
    : stream_(std::move(stream)), prefix_(std::move(prefix)), remote_(peer_address(lowest(stream_))) {}

template <class Stream>
asio::awaitable<std::size_t> SocketStream<Stream>::read_some(std::span<std::uint8_t> into) {
  if (prefix_used_ < prefix_.size()) {
    std::size_t n = std::min(into.size(), prefix_.size() - prefix_used_);
    std::memcpy(into.data(), prefix_.data() + prefix_used_, n);
    prefix_used_ += n;
    if (prefix_used_ == prefix_.size()) {
      prefix_.clear();
      prefix_.shrink_to_fit();
      prefix_used_ = 0;
    }
    co_return n;
  }
  if (peer_finished_) co_return 0;
  boost::system::error_code ec;
  std::size_t n = co_await stream_.async_read_some(asio::buffer(into.data(), into.size()),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) co_return 0;
  if (ec) throw boost::system::system_error(ec);
  co_return n;
}

template <class Stream>
asio::awaitable<void> SocketStream<Stream>::wait_readable() {
  if constexpr (std::is_same_v<Stream, Tcp::socket>) {
    if (prefix_used_ < prefix_.size()) co_return;
    // A one-byte MSG_PEEK receive rather than async_wait: a receive tries
    // the socket first, so bytes left over from an earlier short read are
    // seen at once (a wait only completes on the next readiness edge).
    std::uint8_t probe = 0;
    boost::system::error_code ec;
    co_await stream_.async_receive(asio::buffer(&probe, 1), Tcp::socket::message_peek,
                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) {
      peer_finished_ = true;
    } else if (ec) {
      throw boost::system::system_error(ec);
    }
  }
  co_return;
}

template <class Stream>
asio::awaitable<void> SocketStream<Stream>::write_all(ByteView data) {
  co_await asio::async_write(stream_, asio::buffer(data.data(), data.size()), asio::use_awaitable);
}

template <class Stream>
void SocketStream<Stream>::close() noexcept {
  boost::system::error_code ec;
  auto& s = lowest(stream_);
  if (s.is_open()) {
    s.shutdown(Tcp::socket::shutdown_both, ec);
    s.close(ec);
  }
}

template <class Stream>
void SocketStream<Stream>::reset() noexcept {
  reset_socket(lowest(stream_));
}

template <class Stream>
asio::any_io_executor SocketStream<Stream>::executor() const {
  return const_cast<Stream&>(stream_).get_executor();
}

template <class Stream>
std::string SocketStream<Stream>::remote_address() const {
  return remote_;
}

template class SocketStream<Tcp::socket>;
template class SocketStream<TlsSocket>;

}  // namespace latchkey::transport
