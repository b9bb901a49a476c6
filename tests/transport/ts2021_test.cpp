// End to end over loopback: a Ts2021Server and clients — /key, the upgrade
// (plain, TLS, WebSocket), Noise, the early payload, HTTP/2 requests with
// bodies and long streamed responses; the real upstream client's /key and
// upgrade requests replayed; and bad input (malformed requests, truncated
// handshake, corrupt and oversized records, stalls) ending one connection
// each, logged and counted, while a good client keeps working; the caps on
// connections in total and per address; responses counted by status; how
// Noise sessions ended (requests, none, not one valid record as with a
// replayed initiation); request heads with bare LF line endings.
#include <gtest/gtest.h>

#include <nghttp2/nghttp2.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/base64.h"
#include "base/hex.h"
#include "loopback.h"
#include "noise/client_handshake.h"
#include "noise/keypair.h"
#include "tls_cert.h"
#include "transport/http_head.h"
#include "transport/key_fetch.h"
#include "transport/ts2021_client.h"
#include "transport/ts2021_server.h"

namespace latchkey::transport {
namespace {

using namespace std::chrono_literals;
using testing::run_loopback;
using testing::sleep_for;
using testing::to_bytes;
using testing::to_string;

// Log lines of the server, captured for the tests that check a reason was
// logged.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(512)) {
    previous_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("capture", spdlog::sinks_init_list{
                                                                  sink_, std::make_shared<spdlog::sinks::stdout_sink_mt>()});
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  bool contains(std::string_view text) const {
    for (const auto& line : sink_->last_formatted()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

std::shared_ptr<Http2Router> test_router() {
  auto router = std::make_shared<Http2Router>();
  // Echoes who called, how, and the body (GET with a body, as upstream's
  // Tailnet Lock RPCs are sent).
  router->add("", "/test", [](const Http2Request& req, Http2Response& res) -> asio::awaitable<void> {
    const auto& c = *req.connection;
    std::string text = req.method + " " + req.path + " from mkey:" + hex_encode(c.peer_static) + " v" +
                       std::to_string(c.protocol_version) + (c.websocket ? " ws" : "") +
                       " body=" + std::string(req.body.begin(), req.body.end());
    co_await res.send(200, "text/plain; charset=utf-8", as_bytes(text));
  });
  // A long-poll: many messages over time on one response.
  router->add("POST", "/stream", [](const Http2Request& req, Http2Response& res) -> asio::awaitable<void> {
    int count = std::stoi(std::string(req.body.begin(), req.body.end()));
    res.start(200, {{"content-type", "application/octet-stream"}});
    for (int i = 0; i < count; ++i) {
      std::string msg = "msg" + std::to_string(i) + "\n";
      if (!co_await res.write(as_bytes(msg))) co_return;
      co_await sleep_for(10ms);
    }
    res.finish();
  });
  // A long-poll that goes quiet: one message, then nothing until the
  // connection ends (as a map stream between keepalives).
  router->add("POST", "/hold", [](const Http2Request&, Http2Response& res) -> asio::awaitable<void> {
    res.start(200, {{"content-type", "application/octet-stream"}});
    if (!co_await res.write(as_bytes(std::string("held\n")))) co_return;
    boost::system::error_code ec;
    asio::steady_timer quiet(co_await asio::this_coro::executor, std::chrono::minutes(10));
    co_await quiet.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    res.finish();
  });
  return router;
}

struct Fixture {
  explicit Fixture(asio::io_context& io, ServerConfig config = {}) {
    if (config.control_key.is_zero()) config.control_key = key::MachinePrivate::generate();
    if (config.legacy_public_key.is_zero()) config.legacy_public_key = key::MachinePrivate::generate().public_key();
    control_public = config.control_key.public_key();
    tls = config.tls != nullptr;
    auto created = Ts2021Server::create(io, std::move(config), test_router());
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.message());
    server = std::move(*created);
    EXPECT_TRUE(server->listen(testing::loopback_any()).ok());
    server->start();
  }
  DialTarget target() const { return DialTarget{"127.0.0.1", server->local_endpoint().port(), tls, ""}; }
  Tcp::endpoint endpoint() const { return server->local_endpoint(); }
  ClientConfig client_config(bool websocket = false) const {
    ClientConfig c;
    c.target = target();
    c.websocket = websocket;
    c.machine_key = machine_key;
    c.control_key = control_public;
    return c;
  }

  std::unique_ptr<Ts2021Server> server;
  key::MachinePublic control_public;
  key::MachinePrivate machine_key = key::MachinePrivate::generate();
  bool tls = false;
};

asio::awaitable<void> full_exchange(Fixture& f, bool websocket) {
  const DialTarget target = f.target();
  // Named, not a temporary in the co_await: GCC 12 destroys such an
  // argument twice.
  const auto trust = f.tls ? testing::trusting_client_context() : nullptr;
  auto keys = co_await fetch_server_keys(target, 145, std::chrono::seconds(30), trust);
  EXPECT_TRUE(keys.ok()) << (keys.ok() ? "" : keys.message());
  if (!keys.ok()) co_return;
  EXPECT_EQ(keys->noise, f.control_public);
  EXPECT_NE(keys->legacy, keys->noise);

  ClientConfig config = f.client_config(websocket);
  config.control_key = keys->noise;
  auto client = co_await Ts2021Client::connect(config);
  EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.message());
  if (!client.ok()) co_return;
  auto& c = **client;
  EXPECT_EQ(c.info().peer_static, f.control_public.raw());
  EXPECT_EQ(c.info().protocol_version, 145);

  Http2ClientRequest get;
  get.method = "GET";
  get.path = "/test?q=1";
  get.headers = {{"content-type", "application/json"}};
  get.body = to_bytes(R"({"Version":145})");
  auto r1 = co_await c.request(get);
  EXPECT_TRUE(r1.ok()) << (r1.ok() ? "" : r1.message());
  if (!r1.ok()) co_return;
  EXPECT_EQ((*r1)->status(), 200u);
  auto b1 = co_await (*r1)->read_body(4096);
  std::string expected = "GET /test?q=1 from " + f.machine_key.public_key().to_string() + " v145" +
                         (websocket ? " ws" : "") + R"( body={"Version":145})";
  EXPECT_EQ(to_string(*b1), expected);

  // The early payload (plain form only, as upstream).
  auto early = co_await c.early_payload();
  EXPECT_TRUE(early.ok());
  if (websocket) {
    EXPECT_FALSE(early->has_value());
  } else {
    EXPECT_TRUE(early->has_value());
    if (early->has_value()) {
      EXPECT_FALSE((*early)->node_key_challenge.is_zero());
    }
  }

  Http2ClientRequest post;
  post.method = "POST";
  post.path = "/stream";
  post.body = to_bytes("40");
  auto r2 = co_await c.request(post);
  EXPECT_TRUE(r2.ok());
  std::string all;
  int chunks = 0;
  while (true) {
    auto chunk = co_await (*r2)->read_chunk();
    EXPECT_TRUE(chunk.ok());
    if (!chunk.ok() || !chunk->has_value()) break;
    ++chunks;
    all += to_string(**chunk);
  }
  std::string want;
  for (int i = 0; i < 40; ++i) want += "msg" + std::to_string(i) + "\n";
  EXPECT_EQ(all, want);
  EXPECT_GE(chunks, 20);  // arrived over time, not in one piece
  c.close();
  co_await c.wait_closed();
}

TEST(Ts2021, KeyUpgradeNoiseHttp2AndStreaming) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    Fixture f(io);
    co_await full_exchange(f, false);
    EXPECT_EQ(f.server->counters().key_requests.load(), 1u);
    EXPECT_EQ(f.server->counters().upgrades_http.load(), 1u);
    EXPECT_EQ(f.server->counters().handshakes_completed.load(), 1u);
    EXPECT_GE(f.server->counters().http2_streams.load(), 2u);
  });
}

TEST(Ts2021, WebSocketForm) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    Fixture f(io);
    co_await full_exchange(f, true);
    EXPECT_EQ(f.server->counters().upgrades_websocket.load(), 1u);
  });
}

TEST(Ts2021, OverTls) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerConfig config;
    config.tls = testing::self_signed_server_context();
    Fixture f(io, std::move(config));
    co_await full_exchange(f, false);
    co_await full_exchange(f, true);
  });
}

// The control key comes from GET /key, so over https that answer must come
// from the named server: a certificate no trusted root vouches for, or one
// for another name, ends the fetch with the reason and nothing is trusted.
TEST(Ts2021, KeyFetchOverTlsVerifiesTheCertificateAndItsName) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerConfig config;
    config.tls = testing::self_signed_server_context();
    Fixture f(io, std::move(config));
    // The system's roots do not know the test certificate.
    auto untrusted = co_await fetch_server_keys(f.target(), 145);
    CO_ASSERT_TRUE(!untrusted.ok());
    EXPECT_NE(untrusted.message().find("certificate verify failed"), std::string::npos) << untrusted.message();

    const auto named = testing::make_test_certificate("DNS:control.example.com");
    ServerConfig named_config;
    named_config.tls = testing::server_context(named);
    Fixture h(io, std::move(named_config));
    auto trusts_it = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    trusts_it->add_certificate_authority(asio::buffer(named.cert_pem));
    trusts_it->set_verify_mode(asio::ssl::verify_peer);
    // Trusted, but issued for another name than 127.0.0.1.
    auto mismatch = co_await fetch_server_keys(h.target(), 145, std::chrono::seconds(30), trusts_it);
    CO_ASSERT_TRUE(!mismatch.ok());
    EXPECT_NE(mismatch.message().find("certificate verify failed"), std::string::npos) << mismatch.message();
    // The same trust with the right name works.
    const auto trust = testing::trusting_client_context();
    auto good = co_await fetch_server_keys(f.target(), 145, std::chrono::seconds(30), trust);
    CO_ASSERT_TRUE(good.ok());
    EXPECT_EQ(good->noise, f.control_public);
  });
}

TEST(Ts2021, SeparateKeyPairsAreRequired) {
  asio::io_context io;
  ServerConfig config;
  config.control_key = key::MachinePrivate::generate();
  config.legacy_public_key = config.control_key.public_key();
  EXPECT_FALSE(Ts2021Server::create(io, config, test_router()).ok());
  config.control_key = key::MachinePrivate();
  EXPECT_FALSE(Ts2021Server::create(io, config, test_router()).ok());
}

nlohmann::json capture(std::string_view name) {
  std::ifstream in(std::string(LATCHKEY_TEST_DATA) + "/vectors/control_requests.json");
  auto doc = nlohmann::json::parse(in);
  for (const auto& c : doc["captures"]) {
    if (c["name"].get<std::string>() == name) return c;
  }
  ADD_FAILURE() << "no capture " << name;
  return {};
}

// Writes `request` and reads until the server closes, `max` bytes arrived,
// or (with `one_response`) a whole response with Content-Length is there.
asio::awaitable<std::string> raw_exchange(Tcp::endpoint ep, std::string request, std::size_t max = 1 << 20,
                                          bool one_response = false) {
  Tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(ep, asio::use_awaitable);
  co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
  std::string out;
  char buf[4096];
  boost::system::error_code ec;
  while (out.size() < max) {
    if (one_response) {
      auto end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto head = parse_http_response_head(as_bytes(std::string_view(out).substr(0, end + 4)));
        if (head.ok() && out.size() >= end + 4 + head->content_length.value_or(0)) break;
      }
    }
    std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    out.append(buf, n);
  }
  co_return out;
}

// The field names of a response head, in order, without Date's value.
std::vector<std::string> field_names(std::string_view head) {
  auto parsed = parse_http_response_head(as_bytes(head));
  EXPECT_TRUE(parsed.ok());
  std::vector<std::string> names;
  if (parsed.ok()) {
    for (const auto& [n, v] : parsed->fields) names.push_back(n);
  }
  return names;
}

TEST(Ts2021, ReplayedUpstreamKeyRequestGetsUpstreamShapedAnswer) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    Fixture f(io);
    auto request = capture("alpha_key_request");
    auto expected = capture("alpha_key_response");
    std::string raw = request["raw_head"];
    // Go's client keeps the connection open (keep-alive): read one response.
    std::string answer = co_await raw_exchange(f.endpoint(), raw, 4096, true);
    auto head_end = answer.find("\r\n\r\n");
    EXPECT_NE(head_end, std::string::npos);
    std::string head = answer.substr(0, head_end + 4);
    std::string body = answer.substr(head_end + 4);
    EXPECT_EQ(head.substr(0, head.find("\r\n")), expected["status_line"].get<std::string>());
    EXPECT_EQ(field_names(head), field_names(expected["raw_head"].get<std::string>()));
    EXPECT_EQ(body.back(), '\n');
    auto json = nlohmann::json::parse(body);
    auto want = expected["body_json"];
    CO_ASSERT_TRUE(json.size() == want.size());
    for (auto it = want.begin(); it != want.end(); ++it) {
      CO_ASSERT_TRUE(json.contains(it.key()));
      EXPECT_EQ(json[it.key()].get<std::string>().substr(0, 5), "mkey:");
      EXPECT_EQ(json[it.key()].get<std::string>().size(), it.value().get<std::string>().size());
    }
    EXPECT_EQ(json["publicKey"], f.control_public.to_string());
    EXPECT_EQ(json.dump().size() + 1, body.size());  // compact, one newline
  }, 5s);
}

TEST(Ts2021, ReplayedUpstreamUpgradeGets101ThenHandshakeFailsForOtherKey) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    LogCapture log;
    Fixture f(io);
    auto request = capture("alpha_ts2021_upgrade_request");
    auto expected = capture("alpha_ts2021_upgrade_response");
    std::string raw = request["raw_head"];
    std::string answer = co_await raw_exchange(f.endpoint(), raw);
    auto head_end = answer.find("\r\n\r\n");
    CO_ASSERT_TRUE(head_end != std::string::npos);
    std::string head = answer.substr(0, head_end + 4);
    EXPECT_EQ(head.substr(0, head.find("\r\n")), expected["status_line"].get<std::string>());
    EXPECT_EQ(field_names(head), field_names(expected["raw_head"].get<std::string>()));
    std::string want_head = expected["raw_head"];
    // Identical but for the date.
    auto strip_date = [](std::string s) {
      auto d = s.find("Date: ");
      return s.erase(d, s.find("\r\n", d) - d);
    };
    EXPECT_EQ(strip_date(head), strip_date(want_head));
    // The initiation was made for upstream's server key, not ours: the
    // machine key does not decrypt, so nothing follows (as upstream).
    EXPECT_EQ(answer.size(), head.size());
    for (int i = 0; i < 100 && f.server->counters().closed_for(CloseReason::HandshakeFailed) == 0; ++i) {
      co_await sleep_for(5ms);
    }
    EXPECT_EQ(f.server->counters().closed_for(CloseReason::HandshakeFailed), 1u);
    EXPECT_TRUE(log.contains("handshake failed"));
  }, 5s);
}

// Encodes HTTP/2 header fields with nghttp2's HPACK deflater.
Bytes hpack(const std::vector<std::pair<std::string, std::string>>& fields) {
  nghttp2_hd_deflater* deflater = nullptr;
  nghttp2_hd_deflate_new(&deflater, 4096);
  std::vector<nghttp2_nv> nva;
  for (const auto& [n, v] : fields) {
    nghttp2_nv nv;
    nv.name = reinterpret_cast<std::uint8_t*>(const_cast<char*>(n.data()));
    nv.value = reinterpret_cast<std::uint8_t*>(const_cast<char*>(v.data()));
    nv.namelen = n.size();
    nv.valuelen = v.size();
    nv.flags = NGHTTP2_NV_FLAG_NONE;
    nva.push_back(nv);
  }
  Bytes out(nghttp2_hd_deflate_bound(deflater, nva.data(), nva.size()));
  auto n = nghttp2_hd_deflate_hd(deflater, out.data(), out.size(), nva.data(), nva.size());
  nghttp2_hd_deflate_del(deflater);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

Bytes frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, ByteView payload) {
  Bytes f(9 + payload.size());
  f[0] = static_cast<std::uint8_t>(payload.size() >> 16);
  f[1] = static_cast<std::uint8_t>(payload.size() >> 8);
  f[2] = static_cast<std::uint8_t>(payload.size());
  f[3] = type;
  f[4] = flags;
  for (int i = 0; i < 4; ++i) f[5 + i] = static_cast<std::uint8_t>(stream >> (24 - 8 * i));
  for (std::size_t i = 0; i < payload.size(); ++i) f[9 + i] = payload[i];
  return f;
}

TEST(Ts2021, AcceptsUpstreamClientHttp2FramesExactly) {
  // What upstream's Go client sends on a fresh Noise connection
  // (control_requests.json: alpha_noise_conn1_http2_frames and the register
  // request): preface, SETTINGS {ENABLE_PUSH 0, INITIAL_WINDOW_SIZE 4194304,
  // MAX_FRAME_SIZE 16384, MAX_HEADER_LIST_SIZE 10485760}, a connection
  // WINDOW_UPDATE of 1073741824, HEADERS (END_HEADERS only), one DATA with
  // END_STREAM, SETTINGS ACK.
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    Fixture f(io);
    UpgradeClientConfig dial;
    dial.target = f.target();
    dial.machine_key = f.machine_key;
    dial.control_key = f.control_public;
    auto noise = co_await dial_noise(dial);
    CO_ASSERT_TRUE(noise.ok());
    auto& stream = *noise->stream;

    auto req = capture("alpha_register_authkey_request");
    std::string body = req["body_json"].dump();
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& h : req["headers"]) {
      std::string name = h[0], value = h[1];
      if (name == ":path") value = "/test";
      if (name == "content-length") value = std::to_string(body.size());
      fields.emplace_back(name, value);
    }
    Bytes out(as_bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").begin(), as_bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").end());
    Bytes settings = {0, 2, 0, 0, 0, 0, 0, 4, 0, 0x40, 0, 0, 0, 5, 0, 0, 0x40, 0, 0, 6, 0, 0xa0, 0, 0};
    auto append = [&out](const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); };
    append(frame(4, 0, 0, settings));
    append(frame(8, 0, 0, Bytes{0x40, 0, 0, 0}));
    append(frame(1, 4, 1, hpack(fields)));
    append(frame(0, 1, 1, as_bytes(body)));
    append(frame(4, 1, 0, {}));
    co_await stream.write_all(out);

    // Read the server's side: skip the early payload, then frames until the
    // DATA with END_STREAM on stream 1.
    Bytes in;
    std::uint8_t chunk[8192];
    auto fill = [&](std::size_t want) -> asio::awaitable<bool> {
      while (in.size() < want) {
        std::size_t n = co_await stream.read_some(chunk);
        if (n == 0) co_return false;
        in.insert(in.end(), chunk, chunk + n);
      }
      co_return true;
    };
    EXPECT_TRUE(co_await fill(9));
    EXPECT_EQ(as_chars(ByteView(in).first(5)), std::string_view("\xff\xff\xffTS", 5));
    std::size_t early_len = (std::size_t{in[5]} << 24) | (std::size_t{in[6]} << 16) | (std::size_t{in[7]} << 8) | in[8];
    EXPECT_TRUE(co_await fill(9 + early_len));
    in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(9 + early_len));
    bool got_headers = false;
    std::string response;
    bool done = false;
    while (!done) {
      if (!co_await fill(9)) break;
      std::size_t len = (std::size_t{in[0]} << 16) | (std::size_t{in[1]} << 8) | in[2];
      std::uint8_t type = in[3], flags = in[4];
      std::uint32_t sid = (std::uint32_t{in[5]} << 24 | std::uint32_t{in[6]} << 16 | std::uint32_t{in[7]} << 8 | in[8]) &
                          0x7fffffff;
      if (!co_await fill(9 + len)) break;
      if (type == 1 && sid == 1) got_headers = true;
      if (type == 0 && sid == 1) {
        response.append(reinterpret_cast<const char*>(in.data() + 9), len);
        done = flags & 1;
      }
      EXPECT_NE(type, 7) << "server sent GOAWAY";
      EXPECT_NE(type, 3) << "server sent RST_STREAM";
      if (type == 7 || type == 3) break;
      in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(9 + len));
    }
    EXPECT_TRUE(got_headers);
    EXPECT_EQ(response, "POST /test from " + f.machine_key.public_key().to_string() + " v145 body=" + body);
  });
}

// A Noise session set up by hand on a raw socket, for sending bad bytes
// below the Noise layer.
struct RawSession {
  Tcp::socket socket;
  std::optional<noise::Conn> conn;
};

asio::awaitable<RawSession> raw_session(Fixture& f) {
  Tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(f.endpoint(), asio::use_awaitable);
  auto hs = noise::ClientHandshake::start(noise::Keypair::from_private(f.machine_key.raw()), f.control_public.raw(), 145);
  std::string request = "POST /ts2021 HTTP/1.1\r\nHost: x\r\nUpgrade: tailscale-control-protocol\r\nConnection: upgrade\r\n"
                        "X-Tailscale-Handshake: " + base64_encode(hs->initiation()) + "\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
  Bytes buf;
  std::uint8_t chunk[4096];
  std::size_t head_end = std::string::npos;
  while (!hs->established()) {
    std::size_t n = co_await socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
    buf.insert(buf.end(), chunk, chunk + n);
    if (head_end == std::string::npos) {
      auto pos = as_chars(buf).find("\r\n\r\n");
      if (pos == std::string_view::npos) continue;
      head_end = pos + 4;
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(head_end));
    }
    auto used = hs->read_response(buf);
    EXPECT_TRUE(used.ok());
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*used));
  }
  co_return RawSession{std::move(socket), hs->take_conn()};
}

asio::awaitable<void> wait_until_closed(Tcp::socket& socket) {
  std::uint8_t buf[4096];
  boost::system::error_code ec;
  while (!ec) co_await socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> wait_count(Fixture& f, CloseReason reason, std::uint64_t n) {
  for (int i = 0; i < 400 && f.server->counters().closed_for(reason) < n; ++i) co_await sleep_for(5ms);
  EXPECT_EQ(f.server->counters().closed_for(reason), n) << to_string(reason);
}

TEST(Ts2021, BadInputEndsOnlyThatConnection) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    LogCapture log;
    ServerConfig config;
    config.timeouts.handshake = 300ms;
    config.timeouts.read = 300ms;
    Fixture f(io, std::move(config));

    // A good client streaming for the whole test (~2 s).
    bool good_done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const ClientConfig good_config = f.client_config();
          auto client = co_await Ts2021Client::connect(good_config);
          EXPECT_TRUE(client.ok());
          Http2ClientRequest req;
          req.method = "POST";
          req.path = "/stream";
          req.body = to_bytes("200");
          auto r = co_await (*client)->request(req);
          EXPECT_TRUE(r.ok());
          std::string all;
          while (true) {
            auto chunk = co_await (*r)->read_chunk();
            EXPECT_TRUE(chunk.ok()) << (chunk.ok() ? "" : chunk.message());
            if (!chunk.ok() || !chunk->has_value()) break;
            all += to_string(**chunk);
          }
          EXPECT_NE(all.find("msg199\n"), std::string::npos);
          good_done = true;
        },
        asio::detached);
    co_await sleep_for(50ms);

    auto upgrade = [](std::string fields) {
      return "POST /ts2021 HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\n" + fields + "\r\n";
    };
    // Missing handshake header.
    std::string req_a = upgrade("Upgrade: tailscale-control-protocol\r\n");
    std::string a = co_await raw_exchange(f.endpoint(), req_a);
    EXPECT_EQ(a.substr(0, 24), "HTTP/1.1 400 Bad Request");
    EXPECT_NE(a.find("missing Tailscale handshake header\n"), std::string::npos);
    // Garbled handshake header.
    std::string req_b = upgrade("Upgrade: tailscale-control-protocol\r\nX-Tailscale-Handshake: %%%\r\n");
    std::string b = co_await raw_exchange(f.endpoint(), req_b);
    EXPECT_NE(b.find("invalid tailscale handshake header"), std::string::npos);
    // Wrong Upgrade.
    std::string req_c = upgrade("Upgrade: h2c\r\nX-Tailscale-Handshake: AAAA\r\n");
    std::string c = co_await raw_exchange(f.endpoint(), req_c);
    EXPECT_NE(c.find("unknown next protocol"), std::string::npos);
    // Not HTTP at all.
    std::string req_d = "\x16\x03\x01\x02\x01garbage\r\n\r\n";
    std::string d = co_await raw_exchange(f.endpoint(), req_d);
    EXPECT_EQ(d.substr(0, 24), "HTTP/1.1 400 Bad Request");
    co_await wait_count(f, CloseReason::BadRequest, 4);

    // Old client: refused with HTTP before the handshake.
    Bytes old_init(101, 0);
    old_init[1] = 50;
    old_init[2] = 1;
    old_init[4] = 96;
    std::string req_e = upgrade("Upgrade: tailscale-control-protocol\r\nX-Tailscale-Handshake: " + base64_encode(old_init) + "\r\n");
    std::string e = co_await raw_exchange(f.endpoint(), req_e);
    EXPECT_NE(e.find("unsupported client capability version 50"), std::string::npos);
    co_await wait_count(f, CloseReason::VersionRefused, 1);

    // Truncated handshake: 60 of 101 bytes. 101, then the Noise error frame.
    Bytes part(60, 0);
    part[1] = 145;
    part[2] = 1;
    part[4] = 96;
    std::string req_g = upgrade("Upgrade: tailscale-control-protocol\r\nX-Tailscale-Handshake: " + base64_encode(part) + "\r\n");
    std::string g = co_await raw_exchange(f.endpoint(), req_g);
    EXPECT_EQ(g.substr(0, 12), "HTTP/1.1 101");
    std::string error_frame = g.substr(g.find("\r\n\r\n") + 4);
    EXPECT_EQ(error_frame.substr(0, 1), "\x03");
    EXPECT_EQ(error_frame.substr(3), "wrong handshake initiation size");
    co_await wait_count(f, CloseReason::HandshakeFailed, 1);

    // Corrupted record after a good handshake.
    {
      auto s = co_await raw_session(f);
      Bytes wire;
      EXPECT_TRUE(s.conn->encrypt(as_bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), wire).ok());
      wire[10] ^= 0x01;
      co_await asio::async_write(s.socket, asio::buffer(wire), asio::use_awaitable);
      co_await wait_until_closed(s.socket);
      co_await wait_count(f, CloseReason::CorruptRecord, 1);
    }
    // Oversized frame: a record header announcing 65535 bytes.
    {
      auto s = co_await raw_session(f);
      std::uint8_t header[3] = {4, 0xff, 0xff};
      co_await asio::async_write(s.socket, asio::buffer(header), asio::use_awaitable);
      co_await wait_until_closed(s.socket);
      co_await wait_count(f, CloseReason::OversizedFrame, 1);
    }
    // Stall mid-record: half a frame, then nothing.
    {
      auto s = co_await raw_session(f);
      Bytes wire;
      EXPECT_TRUE(s.conn->encrypt(as_bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), wire).ok());
      co_await asio::async_write(s.socket, asio::buffer(wire.data(), 10), asio::use_awaitable);
      auto start = std::chrono::steady_clock::now();
      co_await wait_until_closed(s.socket);
      EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
      co_await wait_count(f, CloseReason::ReadTimeout, 1);
    }
    // Slowloris on the request head; and a connection that never speaks.
    {
      Tcp::socket slow(io);
      co_await slow.async_connect(f.endpoint(), asio::use_awaitable);
      co_await asio::async_write(slow, asio::buffer(std::string("POST /ts2021 HTTP/1.1\r\nHo")), asio::use_awaitable);
      Tcp::socket silent(io);
      co_await silent.async_connect(f.endpoint(), asio::use_awaitable);
      co_await wait_until_closed(slow);
      co_await wait_until_closed(silent);
      co_await wait_count(f, CloseReason::HandshakeTimeout, 2);
    }
    // Every reason was logged.
    for (auto text : {"bad request", "client version refused", "handshake failed", "corrupt record", "oversized frame",
                      "read timeout", "handshake timeout"}) {
      EXPECT_TRUE(log.contains(text)) << text;
    }
    // And the good client was never disturbed.
    for (int i = 0; i < 400 && !good_done; ++i) co_await sleep_for(10ms);
    EXPECT_TRUE(good_done);
  });
}

// Connects without sending anything.
asio::awaitable<Tcp::socket> connect_idle(Fixture& f) {
  Tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(f.endpoint(), asio::use_awaitable);
  co_return socket;
}

asio::awaitable<void> wait_open(Fixture& f, std::size_t n) {
  for (int i = 0; i < 400 && f.server->open_connections() != n; ++i) co_await sleep_for(5ms);
  EXPECT_EQ(f.server->open_connections(), n);
}

// GET /key on an open socket; the status code of the answer (0: none).
asio::awaitable<unsigned> get_key(Tcp::socket& socket) {
  const std::string request = "GET /key?v=145 HTTP/1.1\r\nHost: x\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
  std::string in;
  char buf[4096];
  boost::system::error_code ec;
  while (in.find("\r\n\r\n") == std::string::npos && !ec) {
    std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    in.append(buf, n);
  }
  auto head = parse_http_response_head(as_bytes(in));
  co_return head.ok() ? head->status : 0;
}

TEST(Ts2021, ConnectionsOverThePerAddressCapAreClosedAtOnce) {
  // The handshake timeout (30 s) is far beyond the test's limit: a refused
  // connection must be closed at once, not left to time out.
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerConfig config;
    config.connection_limits.max_connections_per_address = 3;
    Fixture f(io, std::move(config));
    std::vector<Tcp::socket> held;
    for (int i = 0; i < 3; ++i) held.push_back(co_await connect_idle(f));
    co_await wait_open(f, 3);

    Tcp::socket fourth = co_await connect_idle(f);
    std::uint8_t byte = 0;
    boost::system::error_code ec;
    std::size_t n = co_await fourth.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(asio::use_awaitable, ec));
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(ec, asio::error::eof) << ec.message();
    EXPECT_EQ(f.server->counters().refused_over_per_address.load(), 1u);
    EXPECT_EQ(f.server->counters().refused_over_total.load(), 0u);
    EXPECT_EQ(f.server->counters().connections_accepted.load(), 3u);
    EXPECT_EQ(f.server->open_connections(), 3u);
    // No handshake work was done for it: nothing answered, nothing ended.
    EXPECT_EQ(f.server->counters().closed_for(CloseReason::BadRequest), 0u);
    EXPECT_EQ(f.server->counters().closed_for(CloseReason::PeerClosed), 0u);

    // The admitted ones are served; once one ends, a new one is admitted.
    EXPECT_EQ(co_await get_key(held[0]), 200u);
    held[1].close();
    co_await wait_open(f, 2);
    Tcp::socket again = co_await connect_idle(f);
    EXPECT_EQ(co_await get_key(again), 200u);
    EXPECT_EQ(f.server->counters().refused_over_per_address.load(), 1u);
  }, 5s);
}

TEST(Ts2021, ConnectionsOverTheTotalCapAreClosedAtOnce) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerConfig config;
    config.connection_limits.max_connections = 2;
    Fixture f(io, std::move(config));
    EXPECT_EQ(f.server->max_connections(), 2u);
    Tcp::socket a = co_await connect_idle(f);
    Tcp::socket b = co_await connect_idle(f);
    co_await wait_open(f, 2);
    for (int i = 0; i < 3; ++i) {
      Tcp::socket over = co_await connect_idle(f);
      co_await wait_until_closed(over);
    }
    EXPECT_EQ(f.server->counters().refused_over_total.load(), 3u);
    EXPECT_EQ(f.server->counters().refused_over_per_address.load(), 0u);
    EXPECT_EQ(f.server->open_connections(), 2u);
    EXPECT_EQ(co_await get_key(b), 200u);
  }, 5s);
}

TEST(Ts2021, ResponsesAreCountedByStatusOnBothSides) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    Fixture f(io);
    auto& c = f.server->counters();
    std::string missing = co_await raw_exchange(f.endpoint(), "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(missing.substr(0, 22), "HTTP/1.1 404 Not Found");
    std::string key = co_await raw_exchange(f.endpoint(), "GET /key?v=145 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(key.substr(0, 15), "HTTP/1.1 200 OK");
    std::string bad = co_await raw_exchange(f.endpoint(), "BLAH\r\n\r\n");
    EXPECT_EQ(bad.substr(0, 24), "HTTP/1.1 400 Bad Request");
    EXPECT_EQ(c.http1_responses.of(404), 1u);
    EXPECT_EQ(c.http1_responses.of(200), 1u);
    EXPECT_EQ(c.http1_responses.of(400), 1u);

    const ClientConfig config = f.client_config();
    auto client = co_await Ts2021Client::connect(config);
    CO_ASSERT_TRUE(client.ok());
    EXPECT_EQ(c.http1_responses.of(101), 1u);
    for (const char* path : {"/nope", "/nope/either", "/test"}) {
      Http2ClientRequest req;
      req.method = "GET";
      req.path = path;
      auto r = co_await (*client)->request(req);
      CO_ASSERT_TRUE(r.ok());
      EXPECT_EQ((*r)->status(), std::string_view(path) == "/test" ? 200u : 404u) << path;
      (void)co_await (*r)->read_body(4096);
    }
    Http2ClientRequest wrong_method;
    wrong_method.method = "GET";
    wrong_method.path = "/stream";
    auto r = co_await (*client)->request(wrong_method);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->status(), 405u);
    EXPECT_EQ(c.http2_responses.of(404), 2u);
    EXPECT_EQ(c.http2_responses.of(405), 1u);
    EXPECT_EQ(c.http2_responses.of(200), 1u);
    EXPECT_EQ(c.http1_responses.of(404), 1u);  // the sides are counted apart
    (*client)->close();
    co_await (*client)->wait_closed();
  }, 10s);
}

TEST(Ts2021, BareLfRequestHeadsAreAnsweredAtOnce) {
  // With the default 30 s handshake timeout: an answer within the test's
  // limit is an answer to the head, not to the timeout.
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    Fixture f(io);
    for (std::string request : {"GET /key?v=145 HTTP/1.1\nHost: x\nConnection: close\n\n",
                                "GET /key?v=145 HTTP/1.1\r\nHost: x\nConnection: close\r\n\n",
                                "GET /key?v=145 HTTP/1.1\nHost: x\r\nConnection: close\n\r\n"}) {
      auto start = std::chrono::steady_clock::now();
      std::string answer = co_await raw_exchange(f.endpoint(), request);
      EXPECT_EQ(answer.substr(0, 15), "HTTP/1.1 200 OK") << answer;
      EXPECT_NE(answer.find(f.control_public.to_string()), std::string::npos);
      EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    }
    // Two keep-alive requests in one write, with bare LF.
    std::string two = co_await raw_exchange(
        f.endpoint(), "GET /key?v=145 HTTP/1.1\nHost: x\n\nGET /nope HTTP/1.1\nHost: x\nConnection: close\n\n");
    EXPECT_EQ(two.substr(0, 15), "HTTP/1.1 200 OK");
    EXPECT_NE(two.find("HTTP/1.1 404 Not Found"), std::string::npos) << two;
    // A bare CR is still refused, at once.
    std::string bad = co_await raw_exchange(f.endpoint(), "GET /key?v=145 HTTP/1.1\nHost: a\rb\n\n");
    EXPECT_EQ(bad.substr(0, 24), "HTTP/1.1 400 Bad Request");
    EXPECT_EQ(f.server->counters().closed_for(CloseReason::HandshakeTimeout), 0u);
  }, 5s);
}

// Sends `request` and reads the 101 and the handshake response; with `hs`
// (the initiator that made the request) completes the handshake.
asio::awaitable<void> read_upgrade_answer(Tcp::socket& socket, noise::ClientHandshake* hs) {
  Bytes buf;
  std::uint8_t chunk[4096];
  bool head_done = false;
  while (true) {
    std::size_t n = co_await socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
    buf.insert(buf.end(), chunk, chunk + n);
    if (!head_done) {
      auto pos = as_chars(buf).find("\r\n\r\n");
      if (pos == std::string_view::npos) continue;
      EXPECT_EQ(as_chars(buf).substr(0, 12), "HTTP/1.1 101");
      head_done = true;
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(pos + 4));
    }
    if (hs) {
      auto used = hs->read_response(buf);
      EXPECT_TRUE(used.ok());
      if (!used.ok()) co_return;
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*used));
      if (hs->established()) co_return;
    } else {
      // The handshake response: a 3-byte header and a 48-byte body.
      if (buf.size() >= 51) co_return;
    }
  }
}

TEST(Ts2021, SessionsAreCountedByWhatTheClientSent) {
  // Short idle and read timeouts: the server ends the sessions of cases 2-4
  // itself, so that no case depends on noticing a client's close.
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerConfig server_config;
    server_config.timeouts.idle = 300ms;
    server_config.timeouts.read = 300ms;
    Fixture f(io, std::move(server_config));
    auto& c = f.server->counters();
    auto ended = [&c] {
      return c.sessions_with_requests.load() + c.sessions_without_request.load() +
             c.sessions_without_valid_record.load();
    };

    // 1. A client that makes a request.
    {
      const ClientConfig config = f.client_config();
      auto client = co_await Ts2021Client::connect(config);
      CO_ASSERT_TRUE(client.ok());
      Http2ClientRequest req;
      req.method = "GET";
      req.path = "/test";
      auto r = co_await (*client)->request(req);
      CO_ASSERT_TRUE(r.ok());
      EXPECT_EQ((*r)->status(), 200u);
      (*client)->close();
      co_await (*client)->wait_closed();
    }
    for (int i = 0; i < 400 && ended() < 1; ++i) co_await sleep_for(5ms);

    // 2. A handshake by hand, captured; the client sends the HTTP/2 preface
    // and SETTINGS (valid records) but no request; the idle timeout ends it.
    auto hs = noise::ClientHandshake::start(noise::Keypair::from_private(f.machine_key.raw()),
                                            f.control_public.raw(), 145);
    CO_ASSERT_TRUE(hs.ok());
    const std::string request = "POST /ts2021 HTTP/1.1\r\nHost: x\r\nUpgrade: tailscale-control-protocol\r\n"
                                "Connection: upgrade\r\nX-Tailscale-Handshake: " +
                                base64_encode(hs->initiation()) + "\r\n\r\n";
    {
      Tcp::socket socket = co_await connect_idle(f);
      co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
      co_await read_upgrade_answer(socket, &*hs);
      CO_ASSERT_TRUE(hs->established());
      auto conn = hs->take_conn();
      Bytes wire;
      const Bytes preface_and_settings = [] {
        std::string p = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
        Bytes b(p.begin(), p.end());
        Bytes settings = frame(4, 0, 0, {});
        b.insert(b.end(), settings.begin(), settings.end());
        return b;
      }();
      EXPECT_TRUE(conn.encrypt(preface_and_settings, wire).ok());
      co_await asio::async_write(socket, asio::buffer(wire), asio::use_awaitable);
      co_await wait_until_closed(socket);
    }
    for (int i = 0; i < 400 && ended() < 2; ++i) co_await sleep_for(5ms);

    // 3. The same upgrade request replayed by someone without the client's
    // keys: the server answers (it cannot tell), but no valid record follows.
    {
      Tcp::socket socket = co_await connect_idle(f);
      co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
      co_await read_upgrade_answer(socket, nullptr);
      // Bytes that are no valid record under any key the replayer has.
      std::uint8_t junk[64] = {4, 0, 61};
      co_await asio::async_write(socket, asio::buffer(junk), asio::use_awaitable);
      co_await wait_until_closed(socket);
    }
    // 4. A replay whose sender then says nothing (the read timeout ends it).
    {
      Tcp::socket socket = co_await connect_idle(f);
      co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
      co_await read_upgrade_answer(socket, nullptr);
      co_await wait_until_closed(socket);
    }
    for (int i = 0; i < 400 && ended() < 4; ++i) co_await sleep_for(5ms);

    EXPECT_EQ(c.handshakes_completed.load(), 4u);
    EXPECT_EQ(c.sessions_with_requests.load(), 1u);
    EXPECT_EQ(c.sessions_without_request.load(), 1u);
    EXPECT_EQ(c.sessions_without_valid_record.load(), 2u);
    EXPECT_EQ(c.closed_for(CloseReason::CorruptRecord), 1u);
    EXPECT_EQ(c.closed_for(CloseReason::ReadTimeout), 1u);
    EXPECT_EQ(c.closed_for(CloseReason::IdleTimeout), 1u);
  }, 10s);
}

TEST(Ts2021, StopEndsConnectionsWithGoaway) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    Fixture f(io);
    const ClientConfig config = f.client_config();
    auto client = co_await Ts2021Client::connect(config);
    CO_ASSERT_TRUE(client.ok());
    Http2ClientRequest req;
    req.method = "POST";
    req.path = "/stream";
    req.body = to_bytes("1000");
    auto r = co_await (*client)->request(req);
    CO_ASSERT_TRUE(r.ok());
    auto first = co_await (*r)->read_chunk();
    EXPECT_TRUE(first.ok());
    f.server->stop();
    co_await (*client)->wait_closed();
    for (int i = 0; i < 200 && f.server->open_connections() > 0; ++i) co_await sleep_for(5ms);
    EXPECT_EQ(f.server->open_connections(), 0u);
    EXPECT_EQ(f.server->counters().closed_for(CloseReason::ServerShutdown), 1u);
  });
}

// Issue 12's first finding: a client that closes while its long-poll is
// quiet was noticed only when a later write failed (~50 s) or at the idle
// timeout, and counted as an idle timeout. Its close must end the
// connection at once, counted as a peer close mid-exchange.
TEST(Ts2021, ClientCloseDuringQuietLongPollEndsTheConnectionAtOnce) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    Fixture f(io);
    auto client = co_await Ts2021Client::connect(f.client_config());
    CO_ASSERT_TRUE(client.ok());
    Http2ClientRequest req;
    req.method = "POST";
    req.path = "/hold";
    auto r = co_await (*client)->request(req);
    CO_ASSERT_TRUE(r.ok());
    auto first = co_await (*r)->read_chunk();
    CO_ASSERT_TRUE(first.ok() && first->has_value());
    EXPECT_EQ(f.server->open_connections(), 1u);
    (*client)->abort();  // a FIN and no GOAWAY, as a client process that exits
    co_await (*client)->wait_closed();
    const auto start = std::chrono::steady_clock::now();
    while (f.server->open_connections() > 0 && std::chrono::steady_clock::now() - start < 3s) {
      co_await sleep_for(5ms);
    }
    EXPECT_EQ(f.server->open_connections(), 0u) << "the server did not notice the client's close";
    EXPECT_EQ(f.server->counters().closed_for(CloseReason::PeerClosed), 1u);
    EXPECT_EQ(f.server->counters().closed_for(CloseReason::IdleTimeout), 0u);
  });
}

// Ts2021Client::abort ends the connection as a client that dies does: no
// GOAWAY, the socket closed (FIN) or reset (RST). The client's pending read
// fails at once, and the server ends the connection at once, counted as a
// peer close mid-exchange.
TEST(Ts2021, ClientAbortEndsTheConnectionAtOnce) {
  for (const bool reset : {false, true}) {
    SCOPED_TRACE(reset ? "reset" : "abort");
    run_loopback([reset](asio::io_context& io) -> asio::awaitable<void> {
      Fixture f(io);
      auto client = co_await Ts2021Client::connect(f.client_config());
      CO_ASSERT_TRUE(client.ok());
      Http2ClientRequest req;
      req.method = "POST";
      req.path = "/hold";
      auto r = co_await (*client)->request(req);
      CO_ASSERT_TRUE(r.ok());
      auto first = co_await (*r)->read_chunk();
      CO_ASSERT_TRUE(first.ok() && first->has_value());
      (*client)->abort(reset);
      EXPECT_FALSE((*client)->is_open());
      auto next = co_await (*r)->read_chunk();
      CO_ASSERT_TRUE(!next.ok());
      EXPECT_NE(next.message().find(reset ? "reset by the client" : "aborted by the client"), std::string::npos)
          << next.message();
      co_await (*client)->wait_closed();
      const auto start = std::chrono::steady_clock::now();
      while (f.server->open_connections() > 0 && std::chrono::steady_clock::now() - start < 3s) {
        co_await sleep_for(5ms);
      }
      EXPECT_EQ(f.server->open_connections(), 0u) << "the server did not notice the client's end";
      EXPECT_EQ(f.server->counters().closed_for(CloseReason::PeerClosed), 1u);
    });
  }
}

}  // namespace
}  // namespace latchkey::transport
