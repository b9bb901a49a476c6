#include "transport/key_fetch.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "transport/deadline.h"
#include "transport/http_head.h"
#include "transport/transport_error.h"

namespace latchkey::transport {

namespace {

// Reads a whole response (head, then Content-Length bytes or up to EOF) of
// at most kMaxKeyResponseBody body bytes.
asio::awaitable<Result<std::pair<HttpResponseHead, std::string>>> read_response(ByteStream& stream) {
  Bytes buf;
  std::uint8_t chunk[4096];
  std::optional<HttpResponseHead> head;
  while (true) {
    if (!head) {
      auto text = as_chars(buf);
      if (text.find("\r\n\r\n") != std::string_view::npos) {
        auto parsed = parse_http_response_head(buf);
        if (!parsed.ok()) co_return parsed.error();
        head = std::move(*parsed);
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(head->head_size));
      } else if (buf.size() > kMaxRequestHeadBytes) {
        co_return Error{"response head too large"};
      }
    }
    if (head) {
      if (head->chunked) co_return Error{"chunked /key response not supported"};
      if (head->content_length && buf.size() >= *head->content_length) {
        buf.resize(*head->content_length);
        break;
      }
      if (buf.size() > kMaxKeyResponseBody) co_return Error{"key response larger than 64 KiB"};
    }
    std::size_t n = co_await stream.read_some(chunk);
    if (n == 0) {
      if (head && !head->content_length) break;  // body delimited by EOF
      co_return Error{"connection closed before the whole /key response arrived"};
    }
    buf.insert(buf.end(), chunk, chunk + n);
  }
  co_return std::make_pair(std::move(*head), std::string(buf.begin(), buf.end()));
}

}  // namespace

asio::awaitable<Result<ServerKeys>> fetch_server_keys(const DialTarget& target, std::uint16_t capability_version,
                                                      std::chrono::milliseconds timeout,
                                                      std::shared_ptr<asio::ssl::context> tls_context) {
  auto executor = co_await asio::this_coro::executor;
  Tcp::socket socket(executor);
  std::unique_ptr<ByteStream> stream;
  auto deadline = Deadline::start(executor, [&](CloseReason) {
    if (stream) {
      stream->close();
    } else {
      boost::system::error_code ec;
      socket.close(ec);
    }
  });
  struct Stop {
    std::shared_ptr<Deadline> d;
    ~Stop() { d->stop(); }
  } stop{deadline};
  deadline->arm(Deadline::Slot::Phase, timeout, CloseReason::HandshakeTimeout);
  Result<std::pair<HttpResponseHead, std::string>> response = Error{""};
  try {
    co_await connect_tcp(socket, target);
    if (target.tls) {
      if (!tls_context) tls_context = verifying_tls_client_context();
      auto tls = std::make_unique<TlsStream>(make_tls_socket(std::move(socket), *tls_context));
      auto& tls_socket = tls->next_layer();
      stream = std::move(tls);
      co_await tls_handshake(tls_socket, target, /*verify_host=*/true);
    } else {
      stream = std::make_unique<TcpStream>(std::move(socket));
    }
    std::string request = "GET /key?v=" + std::to_string(capability_version) + " HTTP/1.1\r\nHost: " +
                          target.host_port() + "\r\nUser-Agent: latchkey\r\nConnection: close\r\n\r\n";
    co_await stream->write_all(as_bytes(request));
    response = co_await read_response(*stream);
  } catch (...) {
    auto f = classify_failure(std::current_exception());
    if (deadline->expired()) co_return Error{"fetch /key: timed out"};
    co_return Error{"fetch /key: " + f.message};
  }
  if (stream) stream->close();
  if (!response.ok()) co_return Error{"fetch /key: " + response.message()};
  if (response->first.status != 200) {
    co_return Error{"fetch /key: " + std::to_string(response->first.status) + " " + response->first.reason};
  }
  auto keys = parse_key_response(response->second);
  if (!keys.ok()) co_return Error{"fetch /key: " + keys.message()};
  co_return *keys;
}

}  // namespace latchkey::transport
