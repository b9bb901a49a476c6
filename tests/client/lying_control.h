// LyingControl: a TS2021 control server for the client's tests that says
// whatever the test scripts, built from our transport pieces (not from
// `latchkey serve`, which would refuse to hand out what these tests need:
// peers whose signatures were forged or made by keys the lock does not
// trust). It registers every node, serves one full map with the scripted
// peers and TKAInfo, then keeps the stream open; it answers the lock's
// bootstrap and sync with the scripted genesis, or never (hang_bootstrap,
// hang_sync); it can rate-limit map streams or mute them after the full map.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "client/netmap_state.h"
#include "tailcfg/codec.h"
#include "tailcfg/map_request.h"
#include "tailcfg/map_response.h"
#include "tailcfg/register.h"
#include "tailcfg/tka.h"
#include "tka/aum.h"
#include "transport/loopback.h"
#include "transport/map_frame.h"
#include "transport/ts2021_server.h"

namespace latchkey::client::testing {

namespace asio = boost::asio;

struct LyingControl {
  // The map's peers; the self node is made from the registration, signed
  // with `sign_self` when set (given the node's key and its lock key).
  std::vector<tailcfg::Node> peers;
  std::function<Bytes(const key::NodePublic&, const key::NLPublic&)> sign_self;
  std::optional<tka::Aum> genesis;  // TKAInfo and bootstrap; none: lock off
  bool hang_sync = false;           // sync/offer never answers
  bool hang_bootstrap = false;      // bootstrap never answers
  int rate_limit_maps = 0;          // this many map streams get 429 with Retry-After: 1
  bool silent_maps = false;         // after the full map, not a byte more (no keepalives)

  std::atomic<int> map_streams{0};  // streaming map requests answered with a full map

  std::atomic<int> bootstraps{0}, offers{0};
  key::NodePublic registered_key;
  key::NLPublic registered_nl;

  std::unique_ptr<transport::Ts2021Server> server;

  void start(asio::io_context& io) {
    auto router = std::make_shared<transport::Http2Router>();
    router->add("POST", "/machine/register", [this](const auto& req, auto& res) -> asio::awaitable<void> {
      auto r = tailcfg::decode_json<tailcfg::RegisterRequest>(as_chars(req.body));
      if (!r) {
        co_await res.send(400, "text/plain", as_bytes("bad request"));
        co_return;
      }
      registered_key = r->node_key;
      registered_nl = r->nl_key;
      tailcfg::RegisterResponse out;
      out.machine_authorized = true;
      out.user.id = 1;
      out.user.display_name = "Test";
      out.login.id = 1;
      out.login.login_name = "test@example.com";
      co_await res.send(200, "application/json", as_bytes(tailcfg::encode_json(out)));
    });
    router->add("POST", "/machine/map", [this](const auto& req, auto& res) -> asio::awaitable<void> {
      auto r = tailcfg::decode_json<tailcfg::MapRequest>(as_chars(req.body));
      if (!r || !r->stream) {
        co_await res.send(200, "application/json", {});
        co_return;
      }
      if (rate_limit_maps > 0) {
        --rate_limit_maps;
        res.start(429, transport::HeaderList{{"retry-after", "1"}});
        co_await res.write(as_bytes("slow down\n"));
        res.finish();
        co_return;
      }
      tailcfg::MapResponse m;
      tailcfg::Node self;
      self.id = 1;
      self.stable_id = "n1";
      self.name = "ours.example.ts.net.";
      self.key = r->node_key;
      self.capabilities.push_back(std::string(kCapTailnetLock));
      if (sign_self) self.key_signature = sign_self(registered_key, registered_nl);
      m.node = self;
      m.peers = peers;
      if (genesis) m.tka_info = tailcfg::TkaInfo{genesis->hash().to_string(), false};
      res.start(200);
      if (!co_await res.write(transport::map_frame(tailcfg::encode_json(m), r->compress == "zstd"))) co_return;
      ++map_streams;
      if (silent_maps) {
        // Open and mute until the client gives up on it.
        while (res.is_open()) co_await transport::testing::sleep_for(std::chrono::milliseconds(20));
        co_return;
      }
      // Keep the stream open (the test ends it by stopping the client).
      while (co_await res.write(transport::map_frame(transport::kKeepAliveJson, r->compress == "zstd"))) {
        co_await transport::testing::sleep_for(std::chrono::seconds(1));
      }
    });
    router->add("", "/machine/tka/bootstrap", [this](const auto&, auto& res) -> asio::awaitable<void> {
      ++bootstraps;
      if (hang_bootstrap) {
        res.start(200);
        while (co_await res.write(as_bytes(" "))) co_await transport::testing::sleep_for(std::chrono::milliseconds(50));
        co_return;
      }
      tailcfg::TkaBootstrapResponse out;
      if (genesis) out.genesis_aum = genesis->serialize();
      co_await res.send(200, "application/json", as_bytes(tailcfg::encode_json(out)));
    });
    router->add("", "/machine/tka/sync/offer", [this](const auto&, auto& res) -> asio::awaitable<void> {
      ++offers;
      if (hang_sync) {
        res.start(200);
        while (co_await res.write(as_bytes(" "))) co_await transport::testing::sleep_for(std::chrono::milliseconds(50));
        co_return;
      }
      tailcfg::TkaSyncOfferResponse out;
      out.head = genesis ? genesis->hash().to_string() : "";
      out.ancestors.emplace();
      co_await res.send(200, "application/json", as_bytes(tailcfg::encode_json(out)));
    });
    transport::ServerConfig config;
    config.control_key = key::MachinePrivate::generate();
    config.legacy_public_key = key::MachinePrivate::generate().public_key();
    auto s = transport::Ts2021Server::create(io, std::move(config), router);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.message());
    server = std::move(*s);
    EXPECT_TRUE(server->listen(transport::testing::loopback_any()).ok());
    server->start();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->local_endpoint().port()); }
};

}  // namespace latchkey::client::testing
