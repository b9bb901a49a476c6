// HTTP/2 server and client (nghttp2) talking over plain loopback TCP: bodies
// on any method, streamed responses, flow control with large bodies,
// concurrency, size limits and timeouts.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "loopback.h"
#include "transport/http2_client.h"
#include "transport/http2_server.h"
#include "transport/socket_stream.h"

namespace latchkey::transport {
namespace {

using namespace std::chrono_literals;
using testing::loopback_any;
using testing::run_loopback;
using testing::sleep_for;
using testing::to_bytes;
using testing::to_string;

// A server that accepts plain TCP connections and serves HTTP/2 on each.
struct PlainH2Server {
  PlainH2Server(asio::io_context& io, std::shared_ptr<Http2Router> r) : acceptor(io, loopback_any()), router(std::move(r)) {}

  void start() {
    asio::co_spawn(acceptor.get_executor(), accept_loop(), asio::detached);
  }
  asio::awaitable<void> accept_loop() {
    while (true) {
      boost::system::error_code ec;
      auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      auto info = std::make_shared<ConnectionInfo>();
      info->remote_address = peer_address(socket);
      auto session = Http2ServerSession::create(std::make_unique<TcpStream>(std::move(socket)), router, info,
                                                limits, timeouts, &counters);
      asio::co_spawn(acceptor.get_executor(), serve(session), asio::detached);
    }
  }
  asio::awaitable<void> serve(std::shared_ptr<Http2ServerSession> session) {
    CloseReason r = co_await session->run();
    reasons.push_back(r);
  }
  Tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }

  Tcp::acceptor acceptor;
  std::shared_ptr<Http2Router> router;
  Http2ServerLimits limits;
  Timeouts timeouts;
  TransportCounters counters;
  std::vector<CloseReason> reasons;
};

asio::awaitable<std::shared_ptr<Http2ClientSession>> connect_client(Tcp::endpoint ep,
                                                                    Timeouts timeouts = {}) {
  Tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(ep, asio::use_awaitable);
  auto client = Http2ClientSession::create(std::make_unique<TcpStream>(std::move(socket)), "127.0.0.1",
                                           Http2ClientLimits{}, timeouts);
  client->start();
  co_return client;
}

std::shared_ptr<Http2Router> echo_router() {
  auto router = std::make_shared<Http2Router>();
  // Echoes method, path, a header and the body.
  router->add("", "/echo", [](const Http2Request& req, Http2Response& res) -> asio::awaitable<void> {
    std::string text = req.method + " " + req.path + " lb=" + std::string(req.header("ts-lb").value_or("-")) +
                       " body=" + std::string(req.body.begin(), req.body.end());
    co_await res.send(200, "text/plain", as_bytes(text));
  });
  router->add("POST", "/post-only", [](const Http2Request&, Http2Response& res) -> asio::awaitable<void> {
    co_await res.send(200, "text/plain", as_bytes("posted"));
  });
  return router;
}

TEST(Http2, GetAndPostCarryBodies) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    PlainH2Server server(io, echo_router());
    server.start();
    auto client = co_await connect_client(server.endpoint());

    Http2ClientRequest get;
    get.method = "GET";
    get.path = "/echo?x=1";
    get.headers = {{"ts-lb", "nodekey:abc"}, {"content-type", "application/json"}};
    get.body = to_bytes(R"({"Version":145})");
    auto r1 = co_await client->request(get);
    EXPECT_TRUE(r1.ok()) << (r1.ok() ? "" : r1.message());
    if (!r1.ok()) co_return;
    EXPECT_EQ((*r1)->status(), 200u);
    EXPECT_EQ((*r1)->header("content-type").value_or(""), "text/plain");
    EXPECT_TRUE((*r1)->header("date").has_value());
    auto b1 = co_await (*r1)->read_body(1 << 20);
    EXPECT_TRUE(b1.ok());
    EXPECT_EQ(to_string(*b1), R"(GET /echo?x=1 lb=nodekey:abc body={"Version":145})");

    Http2ClientRequest post;
    post.method = "POST";
    post.path = "/echo";
    post.body = to_bytes("hello");
    auto r2 = co_await client->request(post);
    EXPECT_TRUE(r2.ok());
    auto b2 = co_await (*r2)->read_body(1 << 20);
    EXPECT_EQ(to_string(*b2), "POST /echo lb=- body=hello");

    // Routing: unknown path and wrong method.
    Http2ClientRequest missing;
    missing.path = "/nope";
    auto r3 = co_await client->request(missing);
    EXPECT_EQ((*r3)->status(), 404u);
    Http2ClientRequest wrong;
    wrong.path = "/post-only";
    auto r4 = co_await client->request(wrong);
    EXPECT_EQ((*r4)->status(), 405u);
    client->close();
    EXPECT_EQ(co_await client->wait_closed(), CloseReason::Completed);
  });
}

TEST(Http2, StreamedResponseArrivesChunkByChunk) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto router = std::make_shared<Http2Router>();
    int written = 0;
    bool handler_done = false;
    router->add("POST", "/stream", [&](const Http2Request&, Http2Response& res) -> asio::awaitable<void> {
      res.start(200, {{"content-type", "application/octet-stream"}});
      for (int i = 0; i < 20; ++i) {
        std::string chunk = "message " + std::to_string(i) + ";";
        if (!co_await res.write(as_bytes(chunk))) co_return;
        ++written;
        co_await sleep_for(10ms);
      }
      handler_done = true;
      res.finish();
    });
    PlainH2Server server(io, router);
    server.start();
    auto client = co_await connect_client(server.endpoint());
    Http2ClientRequest req;
    req.method = "POST";
    req.path = "/stream";
    req.body = to_bytes("{}");
    auto r = co_await client->request(req);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ((*r)->status(), 200u);
    EXPECT_FALSE((*r)->header("content-length").has_value());
    std::string all;
    int chunks = 0;
    bool first_before_done = false;
    while (true) {
      auto c = co_await (*r)->read_chunk();
      EXPECT_TRUE(c.ok());
      if (!c.ok() || !c->has_value()) break;
      if (chunks == 0) first_before_done = !handler_done;
      ++chunks;
      all += to_string(**c);
    }
    EXPECT_TRUE(first_before_done);
    EXPECT_GE(chunks, 10);  // chunks were delivered as written, over time
    std::string expected;
    for (int i = 0; i < 20; ++i) expected += "message " + std::to_string(i) + ";";
    EXPECT_EQ(all, expected);
    EXPECT_EQ(written, 20);
  });
}

TEST(Http2, LargeBodiesBothWaysRespectFlowControl) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto router = std::make_shared<Http2Router>();
    // Sends back 24 MiB in 100 KiB writes, each derived from the request.
    router->add("PUT", "/big", [](const Http2Request& req, Http2Response& res) -> asio::awaitable<void> {
      std::uint8_t seed = req.body.empty() ? 0 : req.body[req.body.size() - 1];
      Bytes chunk(100 * 1024);
      for (int i = 0; i < 246; ++i) {
        for (std::size_t j = 0; j < chunk.size(); ++j) {
          chunk[j] = static_cast<std::uint8_t>(seed + i + j);
        }
        if (!co_await res.write(chunk)) co_return;
      }
      res.finish();
    });
    PlainH2Server server(io, router);
    server.start();
    auto client = co_await connect_client(server.endpoint());
    Http2ClientRequest req;
    req.method = "PUT";
    req.path = "/big";
    req.body.assign(3 << 20, 7);  // 3 MiB up: more than one window
    auto r = co_await client->request(req);
    EXPECT_TRUE(r.ok());
    std::size_t total = 0;
    bool ok = true;
    while (true) {
      auto c = co_await (*r)->read_chunk();
      if (!c.ok() || !c->has_value()) break;
      for (std::uint8_t b : **c) {
        std::size_t i = total / (100 * 1024);
        std::size_t j = total % (100 * 1024);
        ok = ok && b == static_cast<std::uint8_t>(7 + i + j);
        ++total;
      }
      // A slow reader: the server must wait for the window, not buffer it all.
      if (total < (8 << 20)) co_await sleep_for(1ms);
    }
    EXPECT_TRUE(ok);
    EXPECT_EQ(total, 246u * 100 * 1024);
  });
}

TEST(Http2, ConcurrentStreams) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto router = std::make_shared<Http2Router>();
    router->add("GET", "/slow", [](const Http2Request& req, Http2Response& res) -> asio::awaitable<void> {
      co_await sleep_for(50ms);
      co_await res.send(200, "text/plain", req.body);
    });
    PlainH2Server server(io, router);
    server.start();
    auto client = co_await connect_client(server.endpoint());
    int finished = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 30; ++i) {
      asio::co_spawn(
          io,
          [&, i]() -> asio::awaitable<void> {
            Http2ClientRequest req;
            req.path = "/slow";
            req.body = to_bytes("req" + std::to_string(i));
            auto r = co_await client->request(req);
            EXPECT_TRUE(r.ok());
            auto b = co_await (*r)->read_body(100);
            EXPECT_EQ(to_string(*b), "req" + std::to_string(i));
            ++finished;
          },
          asio::detached);
    }
    while (finished < 30) co_await sleep_for(5ms);
    // All 30 ran at once, not one after another (30 x 50 ms).
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
  });
}

TEST(Http2, OversizedRequestBodyGets413AndConnectionSurvives) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    PlainH2Server server(io, echo_router());
    server.limits.max_request_body = 1024;
    server.start();
    auto client = co_await connect_client(server.endpoint());
    // Announced by content-length.
    Http2ClientRequest big;
    big.method = "POST";
    big.path = "/echo";
    big.body.assign(5000, 'x');
    auto r = co_await client->request(big);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ((*r)->status(), 413u);
    auto b = co_await (*r)->read_body(1000);
    EXPECT_EQ(to_string(*b), "request body too large\n");
    // Not announced: discovered while the body streams in.
    Http2ClientRequest sneaky;
    sneaky.method = "POST";
    sneaky.path = "/echo";
    sneaky.body.assign(5000, 'y');
    sneaky.send_content_length = false;
    auto r2 = co_await client->request(sneaky);
    EXPECT_EQ((*r2)->status(), 413u);
    // The connection still serves.
    Http2ClientRequest small;
    small.method = "POST";
    small.path = "/echo";
    small.body = to_bytes("ok");
    auto r3 = co_await client->request(small);
    EXPECT_TRUE(r3.ok());
    auto b3 = co_await (*r3)->read_body(1000);
    EXPECT_EQ(to_string(*b3), "POST /echo lb=- body=ok");
    EXPECT_EQ(server.counters.http2_streams_refused.load(), 2u);
  });
}

TEST(Http2, HandlerIsCancelledWhenClientResets) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto router = std::make_shared<Http2Router>();
    bool cancelled = false;
    router->add("POST", "/poll", [&](const Http2Request&, Http2Response& res) -> asio::awaitable<void> {
      co_await res.write(as_bytes("first"));
      try {
        co_await sleep_for(60s);  // a long-poll waiting for news
      } catch (const boost::system::system_error&) {
        cancelled = true;
      }
      EXPECT_FALSE(res.is_open());
      EXPECT_FALSE(co_await res.write(as_bytes("late")));
    });
    PlainH2Server server(io, router);
    server.start();
    auto client = co_await connect_client(server.endpoint());
    Http2ClientRequest req;
    req.method = "POST";
    req.path = "/poll";
    auto r = co_await client->request(req);
    auto c = co_await (*r)->read_chunk();
    EXPECT_EQ(to_string(**c), "first");
    (*r)->cancel();
    for (int i = 0; i < 100 && !cancelled; ++i) co_await sleep_for(5ms);
    EXPECT_TRUE(cancelled);
  });
}

TEST(Http2, HandlerExceptionBecomes500) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto router = std::make_shared<Http2Router>();
    router->add("GET", "/boom", [](const Http2Request&, Http2Response&) -> asio::awaitable<void> {
      throw std::runtime_error("boom");
      co_return;
    });
    PlainH2Server server(io, router);
    server.start();
    auto client = co_await connect_client(server.endpoint());
    Http2ClientRequest req;
    req.path = "/boom";
    auto r = co_await client->request(req);
    EXPECT_EQ((*r)->status(), 500u);
  });
}

TEST(Http2, ConnectionRequestLimitSendsGoaway) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    auto router = std::make_shared<Http2Router>();
    router->add("POST", "/hold", [](const Http2Request&, Http2Response& res) -> asio::awaitable<void> {
      co_await sleep_for(10s);
      res.finish();
    });
    PlainH2Server server(io, router);
    server.limits.max_request_body = 64 << 10;
    server.limits.max_connection_request_bytes = 200 << 10;
    server.start();
    auto client = co_await connect_client(server.endpoint());
    int failed = 0;
    for (int i = 0; i < 5; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            Http2ClientRequest req;
            req.method = "POST";
            req.path = "/hold";
            req.body.assign(60 << 10, 1);  // each fits, five together do not
            auto r = co_await client->request(req);
            if (!r.ok()) ++failed;
          },
          asio::detached);
    }
    EXPECT_EQ(co_await client->wait_closed(), CloseReason::PeerClosed);
    while (server.reasons.empty()) co_await sleep_for(5ms);
    EXPECT_EQ(server.reasons[0], CloseReason::LimitExceeded);
    co_await sleep_for(10ms);
    EXPECT_EQ(failed, 5);
  });
}

TEST(Http2, IdleAndStalledConnectionsAreClosed) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    PlainH2Server server(io, echo_router());
    server.timeouts.idle = 150ms;
    server.timeouts.read = 100ms;
    server.start();
    // Idle: a client that made no request.
    auto client = co_await connect_client(server.endpoint());
    auto start = std::chrono::steady_clock::now();
    co_await client->wait_closed();
    EXPECT_GE(std::chrono::steady_clock::now() - start, 140ms);
    // Stalled: a TCP client that sends half a preface.
    Tcp::socket raw(io);
    co_await raw.async_connect(server.endpoint(), asio::use_awaitable);
    co_await asio::async_write(raw, asio::buffer(std::string("PRI * HTTP/2.0\r\n")), asio::use_awaitable);
    std::uint8_t buf[256];
    boost::system::error_code ec;
    while (!ec) co_await raw.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    while (server.reasons.size() < 2) co_await sleep_for(5ms);
    EXPECT_EQ(server.reasons[0], CloseReason::IdleTimeout);
    EXPECT_EQ(server.reasons[1], CloseReason::ReadTimeout);
  });
}

// An HTTP/2 frame written by hand: the 9-byte header, then the payload.
std::string raw_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream_id, std::string_view payload = {}) {
  std::string f;
  const auto len = static_cast<std::uint32_t>(payload.size());
  f.push_back(static_cast<char>(len >> 16));
  f.push_back(static_cast<char>(len >> 8));
  f.push_back(static_cast<char>(len));
  f.push_back(static_cast<char>(type));
  f.push_back(static_cast<char>(flags));
  f.push_back(static_cast<char>(stream_id >> 24));
  f.push_back(static_cast<char>(stream_id >> 16));
  f.push_back(static_cast<char>(stream_id >> 8));
  f.push_back(static_cast<char>(stream_id));
  f.append(payload);
  return f;
}

constexpr std::uint8_t kFrameData = 0;
constexpr std::uint8_t kFrameGoaway = 7;

// Reads until the peer closes; returns the error code of the first GOAWAY
// among the frames received after the first `skip` bytes (-1 when there was
// none).
asio::awaitable<std::int64_t> goaway_error_until_closed(Tcp::socket& raw, std::size_t skip = 0) {
  std::string in;
  std::uint8_t buf[4096];
  boost::system::error_code ec;
  while (!ec) {
    std::size_t n = co_await raw.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    in.append(reinterpret_cast<const char*>(buf), n);
  }
  std::size_t off = skip;
  while (off + 9 <= in.size()) {
    const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<std::uint8_t>(in[off + i])); };
    const std::uint32_t len = (b(0) << 16) | (b(1) << 8) | b(2);
    if (b(3) == kFrameGoaway && off + 9 + len <= in.size() && len >= 8) {
      co_return static_cast<std::int64_t>((b(13) << 24) | (b(14) << 16) | (b(15) << 8) | b(16));
    }
    off += 9 + len;
  }
  co_return -1;
}

// A connection error nghttp2 reports through its error callback (a peer
// whose first frame is not SETTINGS) makes it send GOAWAY(PROTOCOL_ERROR);
// the session then ends as a protocol error under nghttp2's own text for
// it. Server role first, then client role.
TEST(Http2, PeerProtocolErrorEndsWithGoawayAndNghttp2sText) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    const std::string bad_frames = raw_frame(kFrameData, 0, 1, "x");

    Tcp::acceptor acceptor(io, loopback_any());
    Tcp::socket raw(io);
    co_await raw.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
    auto accepted = co_await acceptor.async_accept(asio::use_awaitable);
    auto server = Http2ServerSession::create(std::make_unique<TcpStream>(std::move(accepted)), echo_router(),
                                             std::make_shared<ConnectionInfo>(), Http2ServerLimits{}, Timeouts{},
                                             nullptr);
    std::optional<CloseReason> server_reason;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { server_reason = co_await server->run(); }, asio::detached);
    co_await asio::async_write(raw, asio::buffer(kPreface + bad_frames), asio::use_awaitable);
    EXPECT_EQ(co_await goaway_error_until_closed(raw), 1);  // PROTOCOL_ERROR
    while (!server_reason) co_await sleep_for(5ms);
    EXPECT_EQ(*server_reason, CloseReason::ProtocolError);
    CO_ASSERT_TRUE(server->failure().has_value());
    EXPECT_EQ(server->failure()->reason, CloseReason::ProtocolError);
    EXPECT_NE(server->failure()->message.find("expected SETTINGS"), std::string::npos) << server->failure()->message;

    // The client role: a "server" that answers the preface with DATA.
    auto client = co_await connect_client(acceptor.local_endpoint());
    auto peer = co_await acceptor.async_accept(asio::use_awaitable);
    co_await asio::async_write(peer, asio::buffer(bad_frames), asio::use_awaitable);
    EXPECT_EQ(co_await client->wait_closed(), CloseReason::ProtocolError);
    CO_ASSERT_TRUE(client->failure().has_value());
    EXPECT_NE(client->failure()->message.find("expected SETTINGS"), std::string::npos) << client->failure()->message;
    EXPECT_EQ(co_await goaway_error_until_closed(peer, kPreface.size()), 1);
  });
}

}  // namespace
}  // namespace latchkey::transport
