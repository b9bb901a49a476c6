#include "transport/upgrade_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "key/challenge_key.h"
#include "noise/server_handshake.h"
#include "transport/deadline.h"
#include "transport/early_payload.h"
#include "transport/http_head.h"
#include "transport/noise_stream.h"
#include "transport/upgrade_request.h"
#include "transport/websocket_stream.h"

namespace latchkey::transport {

namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

namespace {

Tcp::socket& lowest(Tcp::socket& s) { return s; }
Tcp::socket& lowest(TlsSocket& s) { return s.next_layer(); }

void close_socket(Tcp::socket& s) {
  boost::system::error_code ec;
  if (s.is_open()) {
    s.shutdown(Tcp::socket::shutdown_both, ec);
    s.close(ec);
  }
}

enum class HeadStatus { Ok, Eof, TooLarge };

struct HeadRead {
  HeadStatus status = HeadStatus::Ok;
  std::size_t end = 0;  // bytes of the head in the buffer
};

// Reads until the buffer holds a whole request head (up to and including the
// blank line; lines may end in CRLF or a bare LF). `buffer` may already hold
// bytes (pipelined requests).
template <class Socket>
asio::awaitable<HeadRead> read_head(Socket& socket, Bytes& buffer) {
  std::size_t scanned = 0;
  std::uint8_t chunk[4096];
  while (true) {
    if (auto end = find_request_head_end(as_chars(buffer), scanned)) co_return HeadRead{HeadStatus::Ok, *end};
    scanned = buffer.size();
    if (buffer.size() > kMaxRequestHeadBytes) co_return HeadRead{HeadStatus::TooLarge, 0};
    boost::system::error_code ec;
    std::size_t n = co_await socket.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) co_return HeadRead{HeadStatus::Eof, 0};
    if (ec) throw boost::system::system_error(ec);
    buffer.insert(buffer.end(), chunk, chunk + n);
  }
}

// Writes one response, counted by status.
template <class Socket>
asio::awaitable<void> respond(Socket& socket, const Http1Response& response, TransportCounters* counters) {
  if (counters) counters->http1_responses.count(response.status);
  const std::string text = serialize(response);
  co_await asio::async_write(socket, asio::buffer(text), asio::use_awaitable);
}

Http1Response refusal_response(const HttpRefusal& refusal) {
  Http1Response r = http_error(refusal.status, refusal.message);
  for (const auto& f : refusal.extra_fields) r.fields.push_back(f);
  r.close = true;
  return r;
}

Http1Response http_error_closing(unsigned status, std::string_view message) {
  Http1Response r = http_error(status, message);
  r.close = true;
  return r;
}

bool keeps_alive(const HttpRequestHead& head) {
  if (head.content_length.value_or(0) != 0 || head.chunked) return false;  // we do not read bodies here
  if (head.version < 11) return has_token(head, "Connection", "keep-alive");
  return !has_token(head, "Connection", "close");
}

std::shared_ptr<ConnectionInfo> info_for(const noise::Conn& conn, std::string remote, bool websocket) {
  auto info = std::make_shared<ConnectionInfo>();
  info->remote_address = std::move(remote);
  info->websocket = websocket;
  info->noise = true;
  info->peer_static = conn.peer();
  info->protocol_version = conn.protocol_version();
  info->handshake_hash = conn.handshake_hash();
  return info;
}

http::request<http::empty_body> to_beast(const HttpRequestHead& head) {
  http::request<http::empty_body> req;
  req.method_string(head.method);
  req.target(head.target);
  req.version(head.version);
  for (const auto& [name, value] : head.fields) req.insert(name, value);
  return req;
}

}  // namespace

template <class Socket>
asio::awaitable<UpgradeOutcome> serve_upgrade(Socket socket, const UpgradeServerConfig& config,
                                              TransportCounters* counters,
                                              std::function<void(CloseAction)> on_close_action) {
  const std::string remote = peer_address(lowest(socket));
  // The watchdog closes whatever currently owns the socket.
  std::function<void()> close_now = [&socket] { close_socket(lowest(socket)); };
  auto publish = [&] {
    if (on_close_action) on_close_action(close_now);
  };
  publish();
  auto deadline = Deadline::start(socket.get_executor(), [&close_now](CloseReason) {
    if (close_now) close_now();
  });
  struct StopDeadline {
    std::shared_ptr<Deadline> d;
    ~StopDeadline() { d->stop(); }
  } stop_deadline{deadline};
  deadline->arm(Deadline::Slot::Phase, config.timeouts.handshake, CloseReason::HandshakeTimeout);

  auto timed_out = [&](Failure f) {
    if (auto r = deadline->expired()) return Failure{*r, "no complete request or handshake within the handshake timeout"};
    return f;
  };
  UpgradeOutcome outcome;

  try {
    if constexpr (std::is_same_v<Socket, TlsSocket>) {
      co_await socket.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
    }

    Bytes buffer;
    bool answered_one = false;
    HttpRequestHead head;
    UpgradeRequest upgrade;
    while (true) {
      auto read = co_await read_head(socket, buffer);
      if (read.status == HeadStatus::Eof) {
        // The watchdog's close can end the read as end of stream too: a
        // deadline that fired decides the reason.
        bool clean = buffer.empty();
        outcome.end = timed_out(clean ? Failure{answered_one ? CloseReason::Completed : CloseReason::PeerClosed,
                                                answered_one ? "client closed the connection" : "closed before a request"}
                                      : Failure{CloseReason::PeerClosed, "closed in the middle of a request head"});
        co_return outcome;
      }
      if (read.status == HeadStatus::TooLarge) {
        // (Locals, not temporaries, across co_await: g++ 12 mishandles braced
        // temporaries in a co_await full-expression.)
        const Http1Response answer = http_error_closing(431, "request head too large");
        co_await respond(socket, answer, counters);
        outcome.end = {CloseReason::BadRequest, "request head larger than " + std::to_string(kMaxRequestHeadBytes) + " bytes"};
        co_return outcome;
      }
      auto parsed = parse_http_request_head(ByteView(buffer.data(), read.end));
      if (!parsed.ok()) {
        const Http1Response answer = http_error_closing(400, "Bad Request");
        co_await respond(socket, answer, counters);
        outcome.end = {CloseReason::BadRequest, parsed.message()};
        co_return outcome;
      }
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(read.end));
      head = std::move(parsed->head);
      auto route = route_request(head, config.min_capability_version);

      if (auto* refusal = std::get_if<HttpRefusal>(&route)) {
        const Http1Response answer = refusal_response(*refusal);
        co_await respond(socket, answer, counters);
        outcome.end = {refusal->reason, head.method + " " + std::string(head.path()) + ": " +
                                            std::to_string(refusal->status) + " " + refusal->message};
        co_return outcome;
      }
      if (auto* up = std::get_if<UpgradeRequest>(&route)) {
        upgrade = std::move(*up);
        break;
      }
      Http1Response response;
      if (auto* key = std::get_if<KeyRequest>(&route)) {
        if (counters) counters->key_requests.fetch_add(1, std::memory_order_relaxed);
        response = key_response(*key, config.keys);
      } else if (config.http1_handler) {
        response = config.http1_handler(head);
      } else {
        response = http_error(404, "404 page not found");
      }
      bool again = keeps_alive(head) && !response.close;
      if (!again) response.close = true;
      co_await respond(socket, response, counters);
      answered_one = true;
      if (!again) {
        outcome.end = {CloseReason::Completed, "answered " + head.method + " " + std::string(head.path())};
        co_return outcome;
      }
      // The next request gets a fresh handshake-timeout window.
      deadline->arm(Deadline::Slot::Phase, config.timeouts.handshake, CloseReason::HandshakeTimeout);
    }

    // --- /ts2021: the Noise handshake -----------------------------------
    noise::ServerHandshake hs(config.control_key);
    Status read = hs.read_initiation_message(upgrade.initiation);
    if (read && hs.client_version() < config.min_capability_version) {
      (void)hs.refuse("unsupported client version");
      read = Error{"client capability version " + std::to_string(hs.client_version()) + " below the minimum"};
      outcome.end.reason = CloseReason::VersionRefused;
    } else {
      outcome.end.reason = CloseReason::HandshakeFailed;
    }
    Result<noise::ServerAccept> accepted = read ? hs.respond() : Result<noise::ServerAccept>(read.error());

    if (!upgrade.websocket) {
      if (counters) {
        counters->upgrades_http.fetch_add(1, std::memory_order_relaxed);
        counters->http1_responses.count(101);
      }
      std::string head_101 = switching_protocols_head();
      Bytes out(head_101.begin(), head_101.end());
      if (!accepted.ok()) {
        // 101, then the Noise layer's error frame (if it has one), then close.
        ByteView reply = hs.failure_reply();
        out.insert(out.end(), reply.begin(), reply.end());
        co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
        outcome.end.message = "noise: " + accepted.message();
        co_return outcome;
      }
      noise::Conn conn = std::move(accepted->conn);
      out.insert(out.end(), accepted->response.begin(), accepted->response.end());
      auto info = info_for(conn, remote, false);
      if (config.send_early_payload) {
        auto challenge = key::ChallengePrivate::generate();
        Bytes payload = encode_early_payload(EarlyNoise{challenge.public_key()});
        if (auto s = conn.sender().seal_append(payload, out); !s) {
          outcome.end = {CloseReason::IoError, "noise: " + s.message()};
          co_return outcome;
        }
        info->challenge_private = challenge.raw();
      }
      auto stream = std::make_unique<SocketStream<Socket>>(std::move(socket), std::move(buffer));
      close_now = [s = stream.get()] { s->close(); };
      publish();
      // The cork: 101, the handshake response and the early payload in one write.
      co_await stream->write_all(out);
      outcome.noise = std::make_unique<NoiseStream>(std::move(stream), std::move(conn), Bytes{}, counters);
      outcome.info = std::move(info);
    } else {
      if (counters) counters->upgrades_websocket.fetch_add(1, std::memory_order_relaxed);
      if (!buffer.empty()) {
        const Http1Response answer = http_error_closing(400, "data sent before the WebSocket handshake completed");
        co_await respond(socket, answer, counters);
        outcome.end = {CloseReason::BadRequest, "client sent data before the WebSocket handshake completed"};
        co_return outcome;
      }
      websocket::stream<Socket> ws(std::move(socket));
      close_now = [&ws] { close_socket(lowest(ws.next_layer())); };
      publish();
      std::string protocol = upgrade.websocket_protocol;
      ws.set_option(websocket::stream_base::decorator([protocol](websocket::response_type& res) {
        res.set(http::field::sec_websocket_protocol, protocol);
        res.set(http::field::server, "latchkey");
      }));
      const http::request<http::empty_body> ws_request = to_beast(head);
      co_await ws.async_accept(ws_request, asio::use_awaitable);
      if (counters) counters->http1_responses.count(101);
      auto stream = std::make_unique<WebSocketStream<Socket>>(std::move(ws));
      close_now = [s = stream.get()] { s->close(); };
      publish();
      if (!accepted.ok()) {
        ByteView reply = hs.failure_reply();
        if (!reply.empty()) co_await stream->write_all(reply);
        outcome.end.message = "noise: " + accepted.message();
        co_return outcome;
      }
      noise::Conn conn = std::move(accepted->conn);
      // Upstream's WebSocket form sends no early payload.
      co_await stream->write_all(accepted->response);
      outcome.info = info_for(conn, remote, true);
      outcome.noise = std::make_unique<NoiseStream>(std::move(stream), std::move(conn), Bytes{}, counters);
    }
    if (counters) counters->handshakes_completed.fetch_add(1, std::memory_order_relaxed);
    outcome.end = {CloseReason::Completed, "upgraded"};
    co_return outcome;
  } catch (...) {
    outcome.noise.reset();
    outcome.end = timed_out(classify_failure(std::current_exception()));
    co_return outcome;
  }
}

template asio::awaitable<UpgradeOutcome> serve_upgrade<Tcp::socket>(Tcp::socket, const UpgradeServerConfig&,
                                                                    TransportCounters*,
                                                                    std::function<void(CloseAction)>);
template asio::awaitable<UpgradeOutcome> serve_upgrade<TlsSocket>(TlsSocket, const UpgradeServerConfig&,
                                                                  TransportCounters*,
                                                                  std::function<void(CloseAction)>);

}  // namespace latchkey::transport
