// ControlServer: latchkey's control server — the TS2021 listener
// (transport::Ts2021Server: /key, /ts2021 plain and WebSocket, optional TLS)
// with the Noise-side routes POST /machine/register, POST /machine/map
// (streaming and lite), POST /machine/set-dns and the Tailnet Lock RPCs
// /machine/tka/* (TailnetLock, run on the blocking executor), the plain-HTTP /health
// and /register/<id> pages, the timer that flushes batched tailnet changes
// to every map stream, and the blocking executor: a thread of its own for
// database housekeeping (the purge of expired pending registrations, at
// start and periodically), off the I/O threads. /metrics is not served
// here but by MetricsListener on its own address. Mirrors headscale's
// hscontrol/app.go routes and noise.go handlers.
#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "server/metrics.h"
#include "server/tailnet.h"
#include "store/store.h"
#include "transport/ts2021_server.h"

namespace latchkey::server {

struct ControlServerConfig {
  transport::ServerConfig transport;  // keys, TLS, timeouts, limits
  TailnetConfig tailnet;
  // How long changes are collected before they go out to map streams.
  std::chrono::milliseconds batch_window{50};
  // Keepalive cadence of an idle map stream: interval plus a random jitter
  // (upstream's servers send one after 50-58 s without other messages).
  std::chrono::milliseconds keepalive_interval{std::chrono::seconds(50)};
  std::chrono::milliseconds keepalive_jitter{std::chrono::seconds(8)};
  // How often a waiting interactive registration checks for approval.
  std::chrono::milliseconds followup_poll{250};
  // How often expired pending registrations are removed (also once at start).
  std::chrono::milliseconds pending_purge_interval{std::chrono::seconds(60)};
};

class ControlServer {
 public:
  static Result<std::unique_ptr<ControlServer>> create(boost::asio::io_context& io, ControlServerConfig config,
                                                       std::shared_ptr<store::Store> store);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  Status listen(const transport::Tcp::endpoint& endpoint);
  transport::Tcp::endpoint local_endpoint(std::size_t n = 0) const;
  // Starts accepting, the batch timer and the purge of expired pending
  // registrations (the first one at once).
  void start();
  // Stops accepting, ends connections and the timers. Safe from any thread.
  void stop();

  Tailnet& tailnet() { return *tailnet_; }
  TailnetLock& tailnet_lock() { return *lock_; }
  ServerMetrics& metrics() { return *metrics_; }
  // The pool for blocking work (database, signature batches, Argon2i), for
  // the admin socket's requests.
  boost::asio::any_io_executor blocking_executor() const;
  transport::TransportCounters& counters() { return server_->counters(); }
  const ControlServerConfig& config() const { return config_; }
  // The Prometheus exposition text (what MetricsListener serves).
  std::string metrics_text();

  struct Shared;

 private:
  ControlServer() = default;
  ControlServerConfig config_;
  std::shared_ptr<ServerMetrics> metrics_;
  std::shared_ptr<Tailnet> tailnet_;
  std::shared_ptr<TailnetLock> lock_;
  std::unique_ptr<transport::Ts2021Server> server_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<boost::asio::thread_pool> blocking_;  // joined at destruction
};

}  // namespace latchkey::server
