#include "transport/upgrade_client.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "base/base64.h"
#include "noise/client_handshake.h"
#include "noise/keypair.h"
#include "transport/deadline.h"
#include "transport/http_head.h"
#include "transport/transport_error.h"
#include "transport/upgrade_request.h"
#include "transport/websocket_stream.h"

namespace latchkey::transport {

namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

namespace {

std::string query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(c);
    } else {
      auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

ConnectionInfo info_of(const NoiseStream& stream, bool websocket) {
  ConnectionInfo info;
  info.remote_address = stream.remote_address();
  info.websocket = websocket;
  info.noise = true;
  info.peer_static = stream.peer();
  info.protocol_version = stream.protocol_version();
  info.handshake_hash = stream.handshake_hash();
  return info;
}

// Feeds the server's bytes to the handshake until it completes; returns the
// transport bytes that followed the response.
asio::awaitable<Result<Bytes>> finish_handshake(ByteStream& stream, noise::ClientHandshake& hs, Bytes already) {
  Bytes buf = std::move(already);
  std::uint8_t chunk[4096];
  while (true) {
    if (!buf.empty()) {
      auto used = hs.read_response(buf);
      if (!used.ok()) co_return Error{"noise handshake: " + used.message()};
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*used));
      if (hs.established()) co_return buf;
    }
    std::size_t n = co_await stream.read_some(chunk);
    if (n == 0) {
      auto end = hs.end_of_stream();
      co_return Error{"noise handshake: " + (end.ok() ? std::string("stream ended") : end.message())};
    }
    buf.assign(chunk, chunk + n);
  }
}

// Plain form: request, 101, then the handshake over the same stream.
asio::awaitable<Result<NoiseDial>> upgrade_plain(std::unique_ptr<ByteStream> stream, const UpgradeClientConfig& config,
                                                 noise::ClientHandshake& hs) {
  std::string request = "POST " + std::string(kUpgradePath) + " HTTP/1.1\r\nHost: " + config.target.host_port() +
                        "\r\nUser-Agent: latchkey\r\nContent-Length: 0\r\nConnection: upgrade\r\nUpgrade: " +
                        std::string(kUpgradeHeaderValue) + "\r\n" + std::string(kHandshakeHeaderName) + ": " +
                        base64_encode(hs.initiation()) + "\r\n\r\n";
  co_await stream->write_all(as_bytes(request));

  Bytes buf;
  std::uint8_t chunk[4096];
  std::optional<HttpResponseHead> head;
  while (!head) {
    if (as_chars(buf).find("\r\n\r\n") != std::string_view::npos) {
      auto parsed = parse_http_response_head(buf);
      if (!parsed.ok()) co_return Error{"upgrade: " + parsed.message()};
      head = std::move(*parsed);
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(head->head_size));
      break;
    }
    if (buf.size() > kMaxRequestHeadBytes) co_return Error{"upgrade: response head too large"};
    std::size_t n = co_await stream->read_some(chunk);
    if (n == 0) co_return Error{"upgrade: connection closed before the HTTP response"};
    buf.insert(buf.end(), chunk, chunk + n);
  }
  if (head->status != 101) {
    // Show the server's reason (a short text body) along with the status.
    std::size_t want = std::min<std::uint64_t>(head->content_length.value_or(0), 1024);
    while (buf.size() < want) {
      std::size_t n = co_await stream->read_some(chunk);
      if (n == 0) break;
      buf.insert(buf.end(), chunk, chunk + n);
    }
    std::string body(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(std::min(buf.size(), want)));
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    co_return Error{"unexpected HTTP response: " + std::to_string(head->status) + " " + head->reason +
                    (body.empty() ? "" : ": " + body)};
  }
  auto next = head->field("Upgrade").value_or("");
  if (next != kUpgradeHeaderValue) {
    co_return Error{"server switched to unexpected protocol \"" + std::string(next) + "\""};
  }
  auto rest = co_await finish_handshake(*stream, hs, std::move(buf));
  if (!rest.ok()) co_return rest.error();
  auto noise = std::make_unique<NoiseStream>(std::move(stream), hs.take_conn(), std::move(*rest));
  NoiseDial dial{nullptr, info_of(*noise, false)};
  dial.stream = std::move(noise);
  co_return dial;
}

template <class Socket>
asio::awaitable<Result<NoiseDial>> upgrade_websocket(Socket socket, const UpgradeClientConfig& config,
                                                     noise::ClientHandshake& hs,
                                                     std::function<void()>& close_now) {
  websocket::stream<Socket> ws(std::move(socket));
  close_now = [&ws] {
    boost::system::error_code ec;
    boost::beast::get_lowest_layer(ws).close(ec);
  };
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(http::field::sec_websocket_protocol, kUpgradeHeaderValue);
    req.set(http::field::user_agent, "latchkey");
  }));
  std::string target = std::string(kUpgradePath) + "?" + std::string(kHandshakeHeaderName) + "=" +
                       query_escape(base64_encode(hs.initiation()));
  websocket::response_type response;
  co_await ws.async_handshake(response, config.target.host_port(), target, asio::use_awaitable);
  if (response[http::field::sec_websocket_protocol] != kUpgradeHeaderValue) {
    co_return Error{"server did not accept the tailscale-control-protocol subprotocol"};
  }
  auto stream = std::make_unique<WebSocketStream<Socket>>(std::move(ws));
  close_now = [s = stream.get()] { s->close(); };
  Bytes none;
  auto rest = co_await finish_handshake(*stream, hs, std::move(none));
  if (!rest.ok()) co_return rest.error();
  auto noise = std::make_unique<NoiseStream>(std::move(stream), hs.take_conn(), std::move(*rest));
  NoiseDial dial{nullptr, info_of(*noise, true)};
  dial.stream = std::move(noise);
  co_return dial;
}

}  // namespace

asio::awaitable<Result<NoiseDial>> dial_noise(const UpgradeClientConfig& config) {
  auto hs = noise::ClientHandshake::start(noise::Keypair::from_private(config.machine_key.raw()),
                                          config.control_key.raw(), config.protocol_version);
  if (!hs.ok()) co_return Error{"noise handshake: " + hs.message()};

  auto executor = co_await asio::this_coro::executor;
  Tcp::socket socket(executor);
  std::function<void()> close_now = [&socket] {
    boost::system::error_code ec;
    socket.close(ec);
  };
  auto deadline = Deadline::start(executor, [&close_now](CloseReason) {
    if (close_now) close_now();
  });
  struct Stop {
    std::shared_ptr<Deadline> d;
    ~Stop() { d->stop(); }
  } stop{deadline};
  deadline->arm(Deadline::Slot::Phase, config.timeouts.handshake, CloseReason::HandshakeTimeout);

  Result<NoiseDial> result = Error{""};
  try {
    co_await connect_tcp(socket, config.target);
    if (config.websocket) {
      if (config.target.tls) {
        TlsSocket tls = make_tls_socket(std::move(socket));
        close_now = [&tls] {
          boost::system::error_code ec;
          tls.next_layer().close(ec);
        };
        co_await tls_handshake(tls, config.target);
        result = co_await upgrade_websocket(std::move(tls), config, *hs, close_now);
      } else {
        result = co_await upgrade_websocket(std::move(socket), config, *hs, close_now);
      }
    } else {
      std::unique_ptr<ByteStream> stream;
      if (config.target.tls) {
        auto tls = std::make_unique<TlsStream>(make_tls_socket(std::move(socket)));
        close_now = [s = tls.get()] { s->close(); };
        auto& tls_socket = tls->next_layer();
        stream = std::move(tls);
        co_await tls_handshake(tls_socket, config.target);
      } else {
        stream = std::make_unique<TcpStream>(std::move(socket));
        close_now = [s = stream.get()] { s->close(); };
      }
      result = co_await upgrade_plain(std::move(stream), config, *hs);
    }
  } catch (...) {
    auto f = classify_failure(std::current_exception());
    close_now = nullptr;
    if (deadline->expired()) co_return Error{"dial " + config.target.host_port() + ": timed out"};
    co_return Error{"dial " + config.target.host_port() + ": " + f.message};
  }
  close_now = nullptr;
  if (!result.ok()) co_return Error{"dial " + config.target.host_port() + ": " + result.message()};
  co_return result;
}

asio::awaitable<Result<NoiseDial>> noise_client_handshake(std::unique_ptr<ByteStream> lower,
                                                          const key::MachinePrivate& machine_key,
                                                          const key::MachinePublic& control_key,
                                                          std::uint16_t protocol_version) {
  auto hs = noise::ClientHandshake::start(noise::Keypair::from_private(machine_key.raw()), control_key.raw(),
                                          protocol_version);
  if (!hs.ok()) co_return Error{"noise handshake: " + hs.message()};
  co_await lower->write_all(hs->initiation());
  Bytes none;
  auto rest = co_await finish_handshake(*lower, *hs, std::move(none));
  if (!rest.ok()) co_return rest.error();
  auto noise = std::make_unique<NoiseStream>(std::move(lower), hs->take_conn(), std::move(*rest));
  NoiseDial dial{nullptr, info_of(*noise, false)};
  dial.stream = std::move(noise);
  co_return dial;
}

}  // namespace latchkey::transport
