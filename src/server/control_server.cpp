#include "server/control_server.h"

#include <atomic>
#include <random>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "crypto/random.h"
#include "server/heap_release.h"
#include "server/off_io.h"
#include "transport/map_frame.h"
#include "tailcfg/codec.h"

namespace latchkey::server {

namespace asio = boost::asio;
using transport::Http2Request;
using transport::Http2Response;

struct ControlServer::Shared {
  ControlServerConfig config;
  std::shared_ptr<ServerMetrics> metrics;
  std::shared_ptr<Tailnet> tailnet;
  std::shared_ptr<TailnetLock> lock;
  asio::any_io_executor blocking;  // database work, signature checks, Argon2i
  std::atomic<bool> stopped{false};
  std::shared_ptr<asio::steady_timer> tick_timer;
  std::shared_ptr<asio::steady_timer> purge_timer;  // on the blocking executor
};

namespace {

using Clock = std::chrono::system_clock;

std::string_view text_of(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

asio::awaitable<void> send_text(Http2Response& res, unsigned status, std::string message) {
  message += '\n';
  co_await res.send(status, "text/plain; charset=utf-8", as_bytes(message));
}

std::chrono::milliseconds jitter(std::chrono::milliseconds max) {
  if (max.count() <= 0) return std::chrono::milliseconds(0);
  std::uint32_t r = 0;
  crypto::random_bytes({reinterpret_cast<std::uint8_t*>(&r), sizeof r});
  return std::chrono::milliseconds(r % static_cast<std::uint32_t>(max.count()));
}

// Wakes a map stream's handler from any thread: posts to its executor.
struct StreamWaker {
  explicit StreamWaker(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  bool pending = false;
};

// Ends the stream's registration however the handler leaves.
struct StreamGuard {
  std::shared_ptr<Tailnet> tailnet;
  std::shared_ptr<MapStream> stream;
  ~StreamGuard() {
    if (stream) tailnet->close_stream(stream, Clock::now());
  }
};

asio::awaitable<bool> cancelled() {
  auto cs = co_await asio::this_coro::cancellation_state;
  co_return cs.cancelled() != asio::cancellation_type::none;
}

asio::awaitable<void> handle_register(std::shared_ptr<ControlServer::Shared> sh, const Http2Request& req,
                                      Http2Response& res) {
  const auto machine = key::MachinePublic::from_raw(req.connection->peer_static);
  RegisterOutcome o =
      co_await off_io(sh->blocking, [&] { return sh->tailnet->handle_register(req.body, machine, Clock::now()); });
  if (o.http_status != 200) {
    co_await send_text(res, o.http_status, o.http_error);
    co_return;
  }
  if (o.wait_auth_id) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    while (true) {
      auto r = co_await off_io(sh->blocking,
                               [&] { return sh->tailnet->followup(*o.wait_auth_id, machine, Clock::now()); });
      if (r) {
        o.response = std::move(*r);
        break;
      }
      t.expires_after(sh->config.followup_poll);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.is_open() || co_await cancelled()) co_return;
    }
  }
  std::string body = tailcfg::encode_json(o.response);
  body += '\n';
  co_await res.send(200, "application/json; charset=utf-8", as_bytes(body));
}

asio::awaitable<void> handle_map(std::shared_ptr<ControlServer::Shared> sh, const Http2Request& req,
                                 Http2Response& res) {
  const auto machine = key::MachinePublic::from_raw(req.connection->peer_static);
  auto ex = co_await asio::this_coro::executor;
  auto waker = std::make_shared<StreamWaker>(ex);
  std::weak_ptr<StreamWaker> weak = waker;
  auto wake = [weak, ex] {
    asio::post(ex, [weak] {
      if (auto w = weak.lock()) {
        w->pending = true;
        w->timer.cancel();
      }
    });
  };
  Tailnet::MapStart start = sh->tailnet->handle_map(req.body, machine, wake, Clock::now());
  if (start.http_status != 200) {
    co_await send_text(res, start.http_status, start.http_error);
    co_return;
  }
  if (!start.stream) {
    co_await res.send(200, "application/octet-stream", start.single);
    co_return;
  }
  StreamGuard guard{sh->tailnet, start.stream};
  MapStream& stream = *start.stream;
  spdlog::debug("map stream of node {}: open", stream.node());
  // Why the stream ended, for the debug log (a client that stops hearing
  // from its control server is diagnosed from these lines).
  const char* end_reason = "client went away";
  static const Bytes keepalive_plain = transport::map_frame(transport::kKeepAliveJson, false);
  static const Bytes keepalive_zstd = transport::map_frame(transport::kKeepAliveJson, true);
  const Bytes& keepalive = stream.zstd() ? keepalive_zstd : keepalive_plain;
  auto& metrics = *sh->metrics;

  res.start(200, {{"content-type", "application/octet-stream"}});
  auto next_keepalive = [&] {
    return std::chrono::steady_clock::now() + sh->config.keepalive_interval + jitter(sh->config.keepalive_jitter);
  };
  auto keepalive_at = next_keepalive();
  while (true) {
    bool ended = false;
    bool ok = true;
    {
      // Scoped so that the frames (a full map is megabytes at thousands of
      // nodes) are released before the stream goes idle.
      auto messages = stream.take(ended);
      for (const auto& m : messages) {
        if (!co_await res.write(*m.frame)) {
          ok = false;
          end_reason = "write failed";
          break;
        }
      }
      if (!messages.empty()) {
        keepalive_at = next_keepalive();
        if (ok) spdlog::debug("map stream of node {}: wrote {} message(s)", stream.node(), messages.size());
      }
    }
    if (ended) end_reason = "ended by the server";
    if (!ok || ended || !res.is_open() || co_await cancelled()) break;
    if (std::chrono::steady_clock::now() >= keepalive_at) {
      if (!co_await res.write(keepalive)) {
        end_reason = "keepalive write failed";
        break;
      }
      metrics.map_response("keepalive", keepalive.size());
      keepalive_at = next_keepalive();
      continue;
    }
    if (!waker->pending) {
      waker->timer.expires_at(keepalive_at);
      boost::system::error_code ec;
      co_await waker->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    waker->pending = false;
  }
  spdlog::debug("map stream of node {}: closed: {}", stream.node(), end_reason);
  res.finish();
}

asio::awaitable<void> handle_set_dns(std::shared_ptr<ControlServer::Shared> sh, const Http2Request& req,
                                     Http2Response& res) {
  auto r = tailcfg::decode_json<tailcfg::SetDnsRequest>(text_of(req.body), tailcfg::kRequestLimits);
  if (!r) {
    sh->metrics->error("bad_set_dns_request");
    co_await send_text(res, 400, "invalid SetDNSRequest: " + r.message());
    co_return;
  }
  const auto machine = key::MachinePublic::from_raw(req.connection->peer_static);
  const bool owned = sh->tailnet->with_netmap([&](const Netmap& m) {
    auto id = m.find_by_node_key(r->node_key);
    return id && m.node(*id)->machine == machine;
  });
  if (!owned) {
    sh->metrics->error("unknown_node");
    co_await send_text(res, 404, "node not found");
    co_return;
  }
  // Accepted; latchkey does not run a DNS provider for ACME challenges yet.
  spdlog::info("set-dns from {}: {} {} (accepted, not published)", r->node_key.to_string(), r->name, r->type);
  co_await res.send(200, "application/json", as_bytes(std::string_view("{}\n")));
}

// /machine/tka/<endpoint>: upstream clients send GET with a JSON body. The
// RPC runs on the blocking executor (it may wait on the database, verify
// many signatures or run Argon2i); the answer is sent from the connection's
// own executor again.
asio::awaitable<void> handle_tka(std::shared_ptr<ControlServer::Shared> sh, std::string endpoint,
                                 const Http2Request& req, Http2Response& res) {
  const auto machine = key::MachinePublic::from_raw(req.connection->peer_static);
  TailnetLock::Reply reply =
      co_await off_io(sh->blocking, [&] { return sh->lock->handle(endpoint, req.body, machine, Clock::now()); });
  sh->metrics->tka_request(endpoint);
  if (reply.status == 200) {
    co_await res.send(200, "application/json; charset=utf-8", as_bytes(reply.body));
  } else {
    co_await send_text(res, reply.status, std::move(reply.body));
  }
}

transport::Http1Response plain(unsigned status, std::string content_type, std::string body) {
  transport::Http1Response r;
  r.status = status;
  r.fields.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

// /register/<auth id>: what the AuthURL of an interactive login shows —
// the command that approves it, or 404 when nothing waits under that id.
transport::Http1Response register_page(ControlServer::Shared& sh, std::string_view auth_id) {
  auto waiting = sh.tailnet->waiting_registration(auth_id, Clock::now());
  if (!waiting) {
    if (waiting.kind() != ErrorKind::NotFound) {
      sh.metrics->error("store");
      spdlog::warn("register page: {}", waiting.message());
      return transport::http_error(503, "cannot look up the registration now; try again");
    }
    sh.metrics->error("unknown_registration");
    return plain(404, "text/plain; charset=utf-8",
                 "latchkey: no login is waiting for approval under this id (it expired, was approved, or the "
                 "machine started a new login).\n");
  }
  return plain(200, "text/plain; charset=utf-8",
               "latchkey: this machine is waiting for an administrator.\n\nOn the server, run:\n\n  " +
                   sh.tailnet->approve_command(auth_id) + "\n");
}

// Removes expired pending registrations now and then every interval; runs
// on the blocking executor (a database transaction, off the I/O threads).
asio::awaitable<void> purge_loop(std::shared_ptr<ControlServer::Shared> sh) {
  while (!sh->stopped.load()) {
    if (auto r = sh->tailnet->purge_expired_registrations(Clock::now()); !r) {
      spdlog::warn("removing expired pending registrations: {}", r.message());
    }
    sh->purge_timer->expires_after(sh->config.pending_purge_interval);
    boost::system::error_code ec;
    co_await sh->purge_timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

ControlServer::~ControlServer() {
  stop();
  // The purge loop has ended (or ends after its current transaction).
  if (blocking_) blocking_->join();
  // Its timer belongs to the blocking pool and must go before the pool
  // does (route handlers may keep the shared state alive longer).
  if (shared_) shared_->purge_timer.reset();
  // Stream ends after stop() queued their last-seen times.
  if (tailnet_) tailnet_->flush_status();
}

Result<std::unique_ptr<ControlServer>> ControlServer::create(asio::io_context& io, ControlServerConfig config,
                                                             std::shared_ptr<store::Store> store) {
  std::unique_ptr<ControlServer> s(new ControlServer());
  s->metrics_ = std::make_shared<ServerMetrics>();
  auto tailnet = Tailnet::create(config.tailnet, std::move(store), s->metrics_.get());
  if (!tailnet) return tailnet.error();
  s->tailnet_ = std::shared_ptr<Tailnet>(std::move(*tailnet));
  auto lock = TailnetLock::load(s->tailnet_->store_ptr(), s->metrics_.get());
  if (!lock) return Error{"loading the tailnet lock: " + lock.message()};
  s->lock_ = std::shared_ptr<TailnetLock>(std::move(*lock));
  {
    // The netmap starts from the stored lock state; later changes reach it
    // through publish (the tailnet outlives neither: the server owns both).
    Tailnet* t = s->tailnet_.get();
    t->apply_lock(s->lock_->current());
    s->lock_->set_caller_lookup(
        [t](const key::NodePublic& nk, const key::MachinePublic& mk, TailnetLock::Clock::time_point now) {
          return t->lock_caller(nk, mk, now);
        });
    s->lock_->set_publish([t](const LockPublication& change) { t->apply_lock(change); });
    std::weak_ptr<TailnetLock> weak_lock = s->lock_;
    t->set_lock_state([weak_lock]() -> std::shared_ptr<const tka::State> {
      auto l = weak_lock.lock();
      return l ? l->enabled_state() : nullptr;
    });
  }
  s->config_ = config;
  s->blocking_ = std::make_unique<asio::thread_pool>(1);

  auto sh = std::make_shared<Shared>();
  sh->config = config;
  sh->metrics = s->metrics_;
  sh->tailnet = s->tailnet_;
  sh->lock = s->lock_;
  sh->blocking = s->blocking_->get_executor();
  s->shared_ = sh;

  auto router = std::make_shared<transport::Http2Router>();
  router->add("POST", "/machine/register", [sh](const Http2Request& req, Http2Response& res) {
    return handle_register(sh, req, res);
  });
  router->add("POST", "/machine/map", [sh](const Http2Request& req, Http2Response& res) {
    return handle_map(sh, req, res);
  });
  router->add("POST", "/machine/set-dns", [sh](const Http2Request& req, Http2Response& res) {
    return handle_set_dns(sh, req, res);
  });
  for (std::string_view e : TailnetLock::kEndpoints) {
    std::string endpoint(e);
    router->add("", "/machine/tka/" + endpoint, [sh, endpoint](const Http2Request& req, Http2Response& res) {
      return handle_tka(sh, endpoint, req, res);
    });
  }

  std::weak_ptr<Shared> weak = sh;
  config.transport.http1_handler = [weak](const transport::HttpRequestHead& head) -> transport::Http1Response {
    auto sh2 = weak.lock();
    if (!sh2) return transport::http_error(503, "shutting down");
    const std::string_view path = head.path();
    if (path == "/health") return plain(200, "application/json; charset=utf-8", "{\"status\":\"pass\"}\n");
    if (path.substr(0, 10) == "/register/") return register_page(*sh2, path.substr(10));
    if (path == "/") return plain(200, "text/plain; charset=utf-8", "latchkey control server\n");
    return transport::http_error(404, "404 page not found");
  };

  auto server = transport::Ts2021Server::create(io, std::move(config.transport), router);
  if (!server) return server.error();
  s->server_ = std::move(*server);
  sh->tick_timer = std::make_shared<asio::steady_timer>(asio::make_strand(io));
  sh->purge_timer = std::make_shared<asio::steady_timer>(s->blocking_->get_executor());
  return s;
}

asio::any_io_executor ControlServer::blocking_executor() const { return blocking_->get_executor(); }

Status ControlServer::listen(const transport::Tcp::endpoint& endpoint) { return server_->listen(endpoint); }

transport::Tcp::endpoint ControlServer::local_endpoint(std::size_t n) const { return server_->local_endpoint(n); }

void ControlServer::start() {
  server_->start();
  auto sh = shared_;
  asio::co_spawn(
      sh->tick_timer->get_executor(),
      [sh]() -> asio::awaitable<void> {
        HeapRelease heap;
        while (!sh->stopped.load()) {
          sh->tick_timer->expires_after(sh->config.batch_window);
          boost::system::error_code ec;
          co_await sh->tick_timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (sh->stopped.load()) break;
          // Nothing may end this loop but stop(): without it no change
          // reaches any map stream.
          try {
            sh->tailnet->tick(Clock::now());
          } catch (const std::exception& e) {
            spdlog::error("tailnet tick: {}", e.what());
          } catch (...) {
            spdlog::error("tailnet tick: unknown exception");
          }
          (void)heap.tick(sh->metrics->map_bytes("full") + sh->metrics->map_bytes("delta"),
                          std::chrono::steady_clock::now());
        }
      },
      asio::detached);
  asio::co_spawn(sh->purge_timer->get_executor(), purge_loop(sh), asio::detached);
}

void ControlServer::stop() {
  if (!shared_ || shared_->stopped.exchange(true)) return;
  auto timer = shared_->tick_timer;
  asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  auto purge = shared_->purge_timer;
  asio::post(purge->get_executor(), [purge] { purge->cancel(); });
  if (server_) server_->stop();
  // Status queued since the last batch (last seen, endpoints) is saved.
  tailnet_->flush_status();
}

std::string ControlServer::metrics_text() {
  return metrics_->prometheus(server_->counters(), tailnet_->node_count(), tailnet_->online_count());
}

}  // namespace latchkey::server
