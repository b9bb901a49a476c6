// Test harness for the control server over real loopback sockets: a store
// in a temporary directory, a ControlServer on 127.0.0.1:0, and simulated
// nodes that talk to it with the project's own TS2021 client.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "key/disco_key.h"
#include "key/machine_key.h"
#include "key/node_key.h"
#include "server/control_server.h"
#include "transport/map_frame.h"
#include "tailcfg/codec.h"
#include "transport/key_fetch.h"
#include "transport/loopback.h"
#include "transport/ts2021_client.h"

namespace latchkey::server::testing {

namespace asio = boost::asio;
using transport::testing::sleep_for;

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("latchkey-server-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path path_;
};

inline ControlServerConfig test_config() {
  ControlServerConfig c;
  c.transport.control_key = key::MachinePrivate::generate();
  c.transport.legacy_public_key = key::MachinePrivate::generate().public_key();
  c.tailnet.server_url = "http://127.0.0.1";
  c.tailnet.base_domain = "example.ts.net";
  c.tailnet.netmap.domain = "example.ts.net";
  tailcfg::DerpRegion r;
  r.region_id = 900;
  r.region_code = "test";
  r.region_name = "Test";
  r.nodes = std::vector<tailcfg::DerpNode>{};
  c.tailnet.netmap.derp_map.regions[900] = r;
  c.batch_window = std::chrono::milliseconds(20);
  c.followup_poll = std::chrono::milliseconds(20);
  return c;
}

struct ServerFixture {
  explicit ServerFixture(asio::io_context& io, ControlServerConfig config = test_config()) {
    store::StoreConfig sc;
    sc.sqlite_path = (dir.path() / "latchkey.db").string();
    auto st = store::Store::open(sc);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.message());
    db = std::shared_ptr<store::Store>(std::move(*st));
    auto u = db->create_user({"alice", "Alice", "alice@example.com", ""}, std::chrono::system_clock::now());
    EXPECT_TRUE(u.ok());
    user = *u;
    control_public = config.transport.control_key.public_key();
    auto s = ControlServer::create(io, std::move(config), db);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.message());
    server = std::move(*s);
    EXPECT_TRUE(server->listen(transport::testing::loopback_any()).ok());
    server->start();
  }
  ~ServerFixture() {
    if (server) server->stop();
  }

  std::string auth_key(bool reusable = false, bool ephemeral = false,
                       std::optional<std::chrono::system_clock::time_point> expires = std::nullopt) {
    store::NewPreAuthKey k;
    k.user_id = user.id;
    k.reusable = reusable;
    k.ephemeral = ephemeral;
    k.expires_at = expires;
    auto c = db->create_pre_auth_key(k, std::chrono::system_clock::now());
    EXPECT_TRUE(c.ok());
    return c->text;
  }
  transport::DialTarget target() const { return {"127.0.0.1", server->local_endpoint().port(), false, ""}; }

  TempDir dir;
  std::shared_ptr<store::Store> db;
  store::User user;
  std::unique_ptr<ControlServer> server;
  key::MachinePublic control_public;
};

struct HttpResult {
  unsigned status = 0;
  std::string body;
  std::string content_type;
};

// A simulated node: its keys and one TS2021 connection.
struct SimNode {
  key::MachinePrivate machine = key::MachinePrivate::generate();
  key::NodePrivate node = key::NodePrivate::generate();
  key::DiscoPrivate disco = key::DiscoPrivate::generate();
  std::string hostname = "node";
  std::shared_ptr<transport::Ts2021Client> conn;

  asio::awaitable<bool> connect(const ServerFixture& f, std::uint16_t version = 145) {
    transport::ClientConfig c;
    c.target = f.target();
    c.machine_key = machine;
    c.control_key = f.control_public;
    c.protocol_version = version;
    auto r = co_await transport::Ts2021Client::connect(c);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.message());
    if (!r.ok()) co_return false;
    conn = *r;
    co_return true;
  }

  asio::awaitable<HttpResult> post(std::string path, std::string body) {
    return send("POST", std::move(path), std::move(body));
  }
  // As upstream's Tailnet Lock RPCs: GET with a JSON body.
  asio::awaitable<HttpResult> get(std::string path, std::string body) {
    return send("GET", std::move(path), std::move(body));
  }
  asio::awaitable<HttpResult> send(std::string method, std::string path, std::string body) {
    transport::Http2ClientRequest req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.body.assign(body.begin(), body.end());
    auto r = co_await conn->request(std::move(req));
    HttpResult out;
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.message());
    if (!r.ok()) co_return out;
    out.status = (*r)->status();
    if (auto ct = (*r)->header("content-type")) out.content_type = std::string(*ct);
    auto b = co_await (*r)->read_body(64 << 20);
    if (b.ok()) out.body.assign(b->begin(), b->end());
    co_return out;
  }

  tailcfg::RegisterRequest register_request(const std::string& auth_key) const {
    tailcfg::RegisterRequest r;
    r.version = 145;
    r.node_key = node.public_key();
    if (!auth_key.empty()) r.auth = tailcfg::RegisterResponseAuth{std::nullopt, auth_key};
    tailcfg::Hostinfo hi;
    hi.hostname = hostname;
    hi.os = "linux";
    r.hostinfo = hi;
    return r;
  }

  // Registers; returns the decoded response (or nullopt on an HTTP error).
  asio::awaitable<std::optional<tailcfg::RegisterResponse>> register_with(const tailcfg::RegisterRequest& r,
                                                                            unsigned* status = nullptr) {
    auto res = co_await post("/machine/register", tailcfg::encode_json(r));
    if (status) *status = res.status;
    if (res.status != 200) co_return std::nullopt;
    auto d = tailcfg::decode_json<tailcfg::RegisterResponse>(res.body);
    EXPECT_TRUE(d.ok()) << res.body;
    if (!d.ok()) co_return std::nullopt;
    co_return *d;
  }

  tailcfg::MapRequest map_request(bool stream) const {
    tailcfg::MapRequest m;
    m.version = 145;
    m.compress = "zstd";
    m.keep_alive = true;
    m.node_key = node.public_key();
    m.disco_key = disco.public_key();
    m.stream = stream;
    tailcfg::Hostinfo hi;
    hi.hostname = hostname;
    hi.os = "linux";
    m.hostinfo = hi;
    return m;
  }
};

// An open streaming map: reads framed messages as they arrive.
struct MapStreamReader {
  std::unique_ptr<transport::Http2ClientResponse> response;
  transport::MapFrameReader frames{true};

  // The next message as JSON; nullopt when the stream ended or failed.
  asio::awaitable<std::optional<nlohmann::json>> next() {
    while (true) {
      auto m = frames.next();
      EXPECT_TRUE(m.ok());
      if (!m.ok()) co_return std::nullopt;
      if (m->has_value()) co_return nlohmann::json::parse(**m);
      auto chunk = co_await response->read_chunk();
      if (!chunk.ok() || !chunk->has_value()) co_return std::nullopt;
      frames.feed(**chunk);
    }
  }
  // The next message that is not a keepalive.
  asio::awaitable<std::optional<nlohmann::json>> next_change() {
    while (true) {
      auto m = co_await next();
      if (!m || !m->contains("KeepAlive")) co_return m;
    }
  }
};

// Sends `request` (raw HTTP/1.1) to `endpoint`; returns what arrived once
// `until` shows up, or the connection closed.
inline asio::awaitable<std::string> http_exchange(asio::ip::tcp::endpoint endpoint, std::string request,
                                                  std::string until) {
  asio::ip::tcp::socket sock(co_await asio::this_coro::executor);
  co_await sock.async_connect(endpoint, asio::use_awaitable);
  co_await asio::async_write(sock, asio::buffer(request), asio::use_awaitable);
  std::string got;
  char buf[4096];
  while (got.find(until) == std::string::npos) {
    boost::system::error_code ec;
    const std::size_t n = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    got.append(buf, n);
  }
  co_return got;
}

// A plain HTTP/1.1 GET.
inline asio::awaitable<std::string> http_get(asio::ip::tcp::endpoint endpoint, std::string path, std::string until) {
  return http_exchange(endpoint, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", std::move(until));
}

inline asio::awaitable<std::optional<MapStreamReader>> open_stream(SimNode& n, const tailcfg::MapRequest& req) {
  transport::Http2ClientRequest r;
  r.method = "POST";
  r.path = "/machine/map";
  std::string body = tailcfg::encode_json(req);
  r.body.assign(body.begin(), body.end());
  auto res = co_await n.conn->request(std::move(r));
  EXPECT_TRUE(res.ok());
  if (!res.ok()) co_return std::nullopt;
  EXPECT_EQ((*res)->status(), 200u);
  if ((*res)->status() != 200) co_return std::nullopt;
  MapStreamReader out;
  out.response = std::move(*res);
  out.frames = transport::MapFrameReader(req.compress == "zstd");
  co_return out;
}

}  // namespace latchkey::server::testing
