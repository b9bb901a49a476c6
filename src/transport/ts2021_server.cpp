#include "transport/ts2021_server.h"

#include <spdlog/spdlog.h>

#include "base/hex.h"
#include "transport/accept_backoff.h"
#include "transport/log_throttle.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace latchkey::transport {

namespace {

struct Connection {
  std::uint64_t id = 0;
  asio::any_io_executor executor;
  asio::ip::address address;  // the peer's, as counted in the quota
  std::string remote;
  // Used on `executor` only.
  CloseAction close_action;
  std::weak_ptr<Http2ServerSession> h2;
  bool stopping = false;
};

// " (N more since the last report)" for a throttled log line, or "".
std::string left_out_note(std::uint64_t left_out) {
  return left_out == 0 ? std::string() : " (" + std::to_string(left_out) + " more since the last report)";
}

}  // namespace

struct Ts2021Server::State : std::enable_shared_from_this<Ts2021Server::State> {
  asio::io_context& io;
  ServerConfig config;
  UpgradeServerConfig upgrade;
  std::shared_ptr<const Http2Router> router;
  TransportCounters counters;
  std::vector<std::unique_ptr<Tcp::acceptor>> acceptors;
  mutable std::mutex mu;
  std::map<std::uint64_t, std::weak_ptr<Connection>> live;
  const std::size_t max_connections;
  ConnectionQuota quota;  // of the connections in `live`
  std::uint64_t next_id = 0;
  bool stopping = false;

  State(asio::io_context& i, ServerConfig c, std::shared_ptr<const Http2Router> r)
      : io(i),
        config(std::move(c)),
        router(std::move(r)),
        max_connections(resolve_max_connections(config.connection_limits.max_connections, open_file_limit())),
        quota(max_connections, config.connection_limits.max_connections_per_address) {}

  void finish(const std::shared_ptr<Connection>& conn, Failure end) {
    if (conn->stopping && end.reason != CloseReason::Completed) {
      end = {CloseReason::ServerShutdown, "server shutting down"};
    }
    counters.count_close(end.reason);
    counters.connections_open.fetch_sub(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(mu);
      live.erase(conn->id);
      quota.release(conn->address);
    }
    if (end.reason == CloseReason::Completed || end.reason == CloseReason::PeerClosed) {
      spdlog::debug("ts2021 {}: closed: {}: {}", conn->remote, to_string(end.reason), end.message);
    } else {
      spdlog::info("ts2021 {}: closed: {}: {}", conn->remote, to_string(end.reason), end.message);
    }
  }

  template <class Socket>
  static asio::awaitable<void> serve(std::shared_ptr<State> self, Socket socket, std::shared_ptr<Connection> conn) {
    // Named, not a temporary in the co_await: g++ 12 destroys such
    // temporaries twice (here: one reference too few on `conn`).
    std::function<void(CloseAction)> publish = [conn](CloseAction a) { conn->close_action = std::move(a); };
    UpgradeOutcome outcome = co_await serve_upgrade(std::move(socket), self->upgrade, &self->counters, std::move(publish));
    if (!outcome.noise || conn->stopping) {
      conn->close_action = nullptr;
      self->finish(conn, outcome.noise ? Failure{CloseReason::ServerShutdown, "server shutting down"} : outcome.end);
      co_return;
    }
    spdlog::debug("ts2021 {}: noise session with mkey:{} (version {}{})", conn->remote,
                  hex_encode(outcome.info->peer_static), outcome.info->protocol_version,
                  outcome.info->websocket ? ", websocket" : "");
    auto session = Http2ServerSession::create(std::move(outcome.noise), self->router, outcome.info,
                                              self->config.limits, self->config.timeouts, &self->counters);
    conn->h2 = session;
    conn->close_action = nullptr;
    CloseReason reason = co_await session->run();
    Failure end = session->failure() ? *session->failure() : Failure{reason, ""};
    if (session->requests_received() > 0) {
      self->counters.sessions_with_requests.fetch_add(1, std::memory_order_relaxed);
    } else if (session->bytes_received() > 0) {
      self->counters.sessions_without_request.fetch_add(1, std::memory_order_relaxed);
    } else {
      self->counters.sessions_without_valid_record.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("ts2021 {}: not one valid record after the handshake (a replayed initiation?)", conn->remote);
    }
    self->finish(conn, end);
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<State> self, Tcp::acceptor* acceptor) {
    AcceptBackoff backoff;
    LogThrottle failure_log;
    LogThrottle refusal_log;
    asio::steady_timer pause(acceptor->get_executor());
    while (true) {
      boost::system::error_code ec;
      Tcp::socket socket = co_await acceptor->async_accept(asio::make_strand(self->io),
                                                           asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        // E.g. out of file descriptors: the connection stays in the backlog
        // and the next attempt would fail alike, so wait before it.
        self->counters.accept_errors.fetch_add(1, std::memory_order_relaxed);
        const auto delay = backoff.failed();
        if (auto left_out = failure_log.admit(LogThrottle::Clock::now())) {
          spdlog::warn("ts2021: accept failed: {}; retrying in {} ms{}", ec.message(), delay.count(),
                       left_out_note(*left_out));
        }
        pause.expires_after(delay);
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      backoff.succeeded();
      boost::system::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      if (peer_ec) continue;  // already reset by the peer; the socket closes here
      auto conn = std::make_shared<Connection>();
      conn->executor = socket.get_executor();
      conn->address = peer.address();
      conn->remote = peer_address(socket);
      Admission admission = Admission::Admitted;
      {
        std::lock_guard lock(self->mu);
        if (self->stopping) co_return;
        admission = self->quota.admit(conn->address);
        if (admission == Admission::Admitted) {
          conn->id = self->next_id++;
          self->live[conn->id] = conn;
        }
      }
      if (admission != Admission::Admitted) {
        const bool total = admission == Admission::OverTotal;
        (total ? self->counters.refused_over_total : self->counters.refused_over_per_address)
            .fetch_add(1, std::memory_order_relaxed);
        if (auto left_out = refusal_log.admit(LogThrottle::Clock::now())) {
          spdlog::warn("ts2021 {}: connection refused: {} connections open{}{}", conn->remote,
                       total ? self->max_connections : self->config.connection_limits.max_connections_per_address,
                       total ? " (max_connections)" : " from this address (max_connections_per_address)",
                       left_out_note(*left_out));
        }
        socket.close(ec);
        continue;
      }
      self->counters.connections_accepted.fetch_add(1, std::memory_order_relaxed);
      self->counters.connections_open.fetch_add(1, std::memory_order_relaxed);
      if (self->config.tls) {
        TlsSocket tls(std::move(socket), *self->config.tls);
        asio::co_spawn(conn->executor, serve(self, std::move(tls), conn), asio::detached);
      } else {
        asio::co_spawn(conn->executor, serve(self, std::move(socket), conn), asio::detached);
      }
    }
  }
};

Ts2021Server::Ts2021Server(std::shared_ptr<State> state) : state_(std::move(state)) {}

Ts2021Server::~Ts2021Server() { stop(); }

Result<std::unique_ptr<Ts2021Server>> Ts2021Server::create(asio::io_context& io, ServerConfig config,
                                                           std::shared_ptr<const Http2Router> router) {
  if (config.control_key.is_zero()) return Error{"ts2021 server: the Noise control key is zero"};
  key::MachinePublic control_public = config.control_key.public_key();
  if (config.legacy_public_key == control_public) {
    return Error{"ts2021 server: the legacy key must not be the Noise control key (use a separate key pair)"};
  }
  auto state = std::make_shared<State>(io, std::move(config), std::move(router));
  state->upgrade.control_key = noise::Keypair::from_private(state->config.control_key.raw());
  state->upgrade.keys = ServerKeys{state->config.legacy_public_key, control_public};
  state->upgrade.min_capability_version = state->config.min_capability_version;
  state->upgrade.send_early_payload = state->config.send_early_payload;
  state->upgrade.timeouts = state->config.timeouts;
  state->upgrade.http1_handler = state->config.http1_handler;
  return std::unique_ptr<Ts2021Server>(new Ts2021Server(std::move(state)));
}

Status Ts2021Server::listen(const Tcp::endpoint& endpoint) {
  auto acceptor = std::make_unique<Tcp::acceptor>(asio::make_strand(state_->io));
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(Tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{"ts2021 server: cannot listen on " + endpoint.address().to_string() + ":" +
                 std::to_string(endpoint.port()) + ": " + ec.message()};
  }
  state_->acceptors.push_back(std::move(acceptor));
  return {};
}

Tcp::endpoint Ts2021Server::local_endpoint(std::size_t n) const {
  boost::system::error_code ec;
  return state_->acceptors.at(n)->local_endpoint(ec);
}

void Ts2021Server::start() {
  spdlog::info("ts2021: accepting at most {} connections, {} per address", state_->max_connections,
               state_->config.connection_limits.max_connections_per_address);
  for (auto& acceptor : state_->acceptors) {
    asio::co_spawn(acceptor->get_executor(), State::accept_loop(state_, acceptor.get()), asio::detached);
  }
}

void Ts2021Server::stop() {
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return;
    state_->stopping = true;
    for (auto& [id, weak] : state_->live) {
      if (auto c = weak.lock()) conns.push_back(std::move(c));
    }
  }
  for (auto& acceptor : state_->acceptors) {
    asio::post(acceptor->get_executor(), [a = acceptor.get(), keep = state_] {
      boost::system::error_code ec;
      a->close(ec);
    });
  }
  for (auto& c : conns) {
    asio::post(c->executor, [c] {
      c->stopping = true;
      if (auto h2 = c->h2.lock()) {
        h2->shutdown();
      } else if (c->close_action) {
        c->close_action();
      }
    });
  }
}

TransportCounters& Ts2021Server::counters() { return state_->counters; }
const ServerKeys& Ts2021Server::keys() const { return state_->upgrade.keys; }

std::size_t Ts2021Server::max_connections() const { return state_->max_connections; }

std::size_t Ts2021Server::open_connections() const {
  std::lock_guard lock(state_->mu);
  return state_->live.size();
}

}  // namespace latchkey::transport
