#include "load_run.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "client_threads.h"
#include "map_scan.h"
#include "map_stream_reader.h"
#include "poll_wait.h"
#include "server/map_frame.h"
#include "server_process.h"
#include "sim_node.h"
#include "tailcfg/codec.h"
#include "tailnet_seed.h"
#include "transport/connection_limits.h"
#include "transport/key_fetch.h"

namespace latchkey::load {
namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

constexpr std::uint16_t kFirstChangePort = 20000;
constexpr int kMaxStreamRestarts = 5;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}

double seconds_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// One simulated node. Everything but the atomics is touched only on its
// io_context's thread.
struct Sim {
  Sim(std::size_t i, asio::io_context& ctx) : index(i), io(ctx), id(i, "load"), first_map_waiter(ctx) {}
  std::size_t index;
  asio::io_context& io;
  SimNode id;  // keys, hostname, endpoints
  std::shared_ptr<transport::Ts2021Client> conn;

  std::atomic<NodeId> self{0};
  std::vector<std::uint8_t> seen;  // by node id: in this node's peer set
  std::size_t peer_count = 0;
  bool complete = false;
  int last_round = -1;
  bool first_map_done = false;
  asio::steady_timer first_map_waiter;
  int restarts = 0;
};

struct Shared {
  std::size_t n = 0;
  ControlTarget control;
  std::string auth_key;

  std::atomic<std::size_t> registered{0};
  std::atomic<std::size_t> full_maps{0};
  std::atomic<std::size_t> complete{0};
  std::atomic<std::size_t> restarts{0};
  std::atomic<std::size_t> errors{0};
  std::atomic<std::size_t> streams_running{0};
  std::atomic<std::uint64_t> wire_bytes{0};
  std::atomic<std::uint64_t> json_bytes{0};
  std::atomic<std::uint64_t> messages{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> last_complete_ns{0};

  // The change being timed.
  std::atomic<int> round{-1};
  std::atomic<NodeId> round_node{0};
  std::atomic<std::int64_t> round_t0_ns{0};
  std::atomic<std::size_t> round_delivered{0};
  std::mutex round_mu;
  std::vector<double> round_latencies_ms;

  std::mutex error_mu;
  std::string first_error;

  void fail(const std::string& what) {
    errors.fetch_add(1);
    std::lock_guard lock(error_mu);
    if (first_error.empty()) first_error = what;
  }
};

// Completion handler for coroutines whose failure must be counted.
auto note_exception(Shared& sh, std::string what) {
  return [&sh, what = std::move(what)](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      sh.fail(what + ": " + ex.what());
    }
  };
}

asio::awaitable<void> register_one(Shared& sh, Sim& s) {
  auto conn = co_await dial_control(sh.control, s.id);
  if (!conn) {
    sh.fail("node " + std::to_string(s.index) + ": " + conn.message());
    co_return;
  }
  s.conn = *conn;
  auto registered = co_await register_node(*s.conn, s.id, sh.auth_key);
  if (!registered) {
    sh.fail("node " + std::to_string(s.index) + ": " + registered.message());
    co_return;
  }
  sh.registered.fetch_add(1);
}

void mark(Sim& s, NodeId id, bool present) {
  if (id <= 0 || id > (std::int64_t{1} << 31)) return;
  const auto i = static_cast<std::size_t>(id);
  if (i >= s.seen.size()) s.seen.resize(i + 1 + i / 2, 0);
  if (static_cast<bool>(s.seen[i]) == present) return;
  s.seen[i] = present ? 1 : 0;
  if (present) {
    ++s.peer_count;
  } else {
    --s.peer_count;
  }
}

// Applies one map message to the node's view; records change deliveries.
void apply(Shared& sh, Sim& s, const std::string& json, bool first_in_stream) {
  sh.messages.fetch_add(1, std::memory_order_relaxed);
  sh.json_bytes.fetch_add(json.size(), std::memory_order_relaxed);
  auto m = scan_map_response(json);
  if (!m) {
    sh.fail("node " + std::to_string(s.index) + ": " + m.message());
    return;
  }
  if (m->keep_alive) return;
  if (m->self) s.self.store(*m->self, std::memory_order_release);
  if (m->has_peers || first_in_stream) {
    std::fill(s.seen.begin(), s.seen.end(), 0);
    s.peer_count = 0;
  }
  const NodeId self = s.self.load(std::memory_order_relaxed);
  for (NodeId id : m->peers) mark(s, id, id != self);
  for (NodeId id : m->peers_changed) mark(s, id, id != self);
  for (NodeId id : m->peers_removed) mark(s, id, false);

  const int round = sh.round.load(std::memory_order_acquire);
  if (round > s.last_round && !m->endpoints.empty()) {
    const NodeId changed = sh.round_node.load(std::memory_order_relaxed);
    const auto port = static_cast<std::uint16_t>(kFirstChangePort + round);
    for (const auto& e : m->endpoints) {
      if (e.node == changed && e.port == port) {
        s.last_round = round;
        const double ms = static_cast<double>(now_ns() - sh.round_t0_ns.load(std::memory_order_relaxed)) / 1e6;
        {
          std::lock_guard lock(sh.round_mu);
          sh.round_latencies_ms.push_back(ms);
        }
        sh.round_delivered.fetch_add(1, std::memory_order_release);
        break;
      }
    }
  }
  if (!s.complete && s.peer_count + 1 >= sh.n) {
    s.complete = true;
    sh.last_complete_ns.store(now_ns(), std::memory_order_relaxed);
    sh.complete.fetch_add(1, std::memory_order_release);
  }
}

void signal_first_map(Sim& s) {
  if (s.first_map_done) return;
  s.first_map_done = true;
  s.first_map_waiter.cancel();
}

// Follows the node's map stream; reopens it when the server ends it.
asio::awaitable<void> follow_map(Shared& sh, Sim& s) {
  sh.streams_running.fetch_add(1);
  struct Running {
    Shared& sh;
    Sim& s;
    ~Running() {
      signal_first_map(s);
      sh.streams_running.fetch_sub(1);
    }
  } running{sh, s};
  const std::string body = tailcfg::encode_json(s.id.map_request(true));
  while (!sh.stopping.load()) {
    auto res = co_await post_map_request(*s.conn, body);
    if (!res) {
      // A transport failure while stopping is the stop itself.
      if (res.kind() != ErrorKind::Unavailable || !sh.stopping.load()) {
        sh.fail("node " + std::to_string(s.index) + ": " + res.message());
      }
      co_return;
    }
    MapStreamReader reader(std::move(*res), true, &sh.wire_bytes);
    while (true) {
      auto m = co_await reader.next();
      if (!m) {
        sh.fail("node " + std::to_string(s.index) + ": " + m.message());
        co_return;
      }
      if (!m->has_value()) break;
      const bool first = reader.messages() == 1;
      apply(sh, s, **m, first);
      if (first) {
        if (!s.first_map_done) sh.full_maps.fetch_add(1);
        signal_first_map(s);
      }
    }
    if (sh.stopping.load()) break;
    // The server ended the stream (it fell behind, or the node changed):
    // a real client reconnects and gets a fresh full map.
    sh.restarts.fetch_add(1);
    if (++s.restarts > kMaxStreamRestarts || !s.conn->is_open()) {
      sh.fail("node " + std::to_string(s.index) + ": map stream ended " + std::to_string(s.restarts) +
              " times (connection " + (s.conn->is_open() ? "open" : "closed") + ")");
      co_return;
    }
  }
}

// Takes nodes off `queue` one at a time: dial and register.
asio::awaitable<void> register_worker(Shared& sh, std::vector<Sim*>& queue, std::atomic<std::size_t>& next) {
  while (!sh.stopping.load()) {
    const std::size_t i = next.fetch_add(1);
    if (i >= queue.size()) break;
    co_await register_one(sh, *queue[i]);
  }
}

// Takes nodes off `queue`: opens the map stream, waits for its first map.
asio::awaitable<void> online_worker(Shared& sh, std::vector<Sim*>& queue, std::atomic<std::size_t>& next) {
  while (!sh.stopping.load()) {
    const std::size_t i = next.fetch_add(1);
    if (i >= queue.size()) break;
    Sim& s = *queue[i];
    if (!s.conn) continue;  // registration failed (counted)
    asio::co_spawn(s.io, follow_map(sh, s), note_exception(sh, "map stream of node " + std::to_string(s.index)));
    if (!s.first_map_done) {
      s.first_map_waiter.expires_at(SteadyClock::time_point::max());
      boost::system::error_code ec;
      co_await s.first_map_waiter.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
}

asio::awaitable<void> send_lite_update(Shared& sh, Sim& s) {
  auto res = co_await s.conn->request(post_request("/machine/map", tailcfg::encode_json(s.id.map_request(false))));
  if (!res) {
    sh.fail("node " + std::to_string(s.index) + ": lite map request: " + res.message());
    co_return;
  }
  auto body = co_await (*res)->read_body(server::kMaxMapMessage);
  if ((*res)->status() != 200 || !body) {
    sh.fail("node " + std::to_string(s.index) + ": lite map request: HTTP " + std::to_string((*res)->status()));
  }
}

ProcStats stats_or_zero(pid_t pid) {
  auto s = read_proc_stats(pid);
  return s ? *s : ProcStats{};
}

}  // namespace

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
  const auto i = static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(samples.size()))) - 1;
  return samples[i];
}

Result<LoadResult> run_load(const LoadOptions& o) {
  if (o.nodes < 2) return Error{"need at least 2 nodes"};
  if (o.client_threads < 1) return Error{"need at least one client thread"};
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  LoadResult result;
  result.nodes = o.nodes;

  // The user and a reusable pre-auth key, written before the server starts.
  Shared sh;
  sh.n = o.nodes;
  {
    auto key = seed_user_and_key(ServerProcess::database_path(o.work_dir), "load");
    if (!key) return key.error();
    sh.auth_key = *key;
  }

  ServerProcessOptions so;
  so.binary = o.server_binary;
  so.work_dir = o.work_dir;
  so.threads = o.server_threads;
  // One connection per node, all from 127.0.0.1: beyond the default cap per
  // address, raise it (with room for nodes reconnecting).
  if (o.nodes + 64 > transport::kDefaultMaxConnectionsPerAddress) so.max_connections_per_address = 2 * o.nodes + 64;
  auto server = ServerProcess::start(so);
  if (!server) return server.error();
  const pid_t pid = server->pid();
  sh.control.target = transport::DialTarget{"127.0.0.1", server->port(), false, ""};

  // Client side: one single-threaded io_context per thread.
  ClientThreads ios(o.client_threads);
  std::vector<std::unique_ptr<Sim>> sims;
  // Ends the client threads once their work ran out. If some coroutine is
  // still stuck after a grace period, the nodes are leaked with the
  // contexts rather than destroyed under live frames.
  auto finish = [&] {
    if (ios.finish()) {
      sims.clear();
    } else {
      for (auto& s : sims) (void)s.release();
    }
  };
  // Ends every node's connection and wakes whatever waits on it.
  auto close_all = [&] {
    sh.stopping.store(true);
    for (auto& s : sims) {
      Sim* p = s.get();
      asio::post(p->io, [p] {
        signal_first_map(*p);
        if (p->conn) p->conn->close();
      });
    }
    (void)wait_until([&] { return sh.streams_running.load() == 0; }, SteadyClock::now() + std::chrono::seconds(30),
                     [] {});
  };

  std::vector<std::vector<Sim*>> per_thread(ios.size());
  for (std::size_t i = 0; i < o.nodes; ++i) {
    auto& io = ios[i % ios.size()];
    sims.push_back(std::make_unique<Sim>(i, io));
    per_thread[i % ios.size()].push_back(sims.back().get());
  }
  const std::size_t workers_per_thread = std::max<std::size_t>(1, o.in_flight / ios.size());

  auto fail_run = [&](std::string what) -> Result<LoadResult> {
    close_all();
    finish();
    const std::string tail = server->log_tail();
    const std::string how = server->stop();
    return Error{what + " (server " + how + "; log: " + tail + ")", ErrorKind::Unavailable};
  };

  {
    std::optional<Result<transport::ServerKeys>> keys;
    auto fetch = [&]() -> asio::awaitable<void> {
      keys = co_await transport::fetch_server_keys(sh.control.target, tailcfg::kCurrentCapabilityVersion);
    };
    try {
      asio::co_spawn(ios[0], fetch(), asio::use_future).get();
    } catch (const std::exception& e) {
      return fail_run(std::string("fetching the server's keys: ") + e.what());
    }
    if (!*keys) return fail_run("fetching the server's keys: " + keys->message());
    sh.control.key = (*keys)->noise;
  }
  result.server_start = stats_or_zero(pid);
  const auto deadline_of = [&] { return SteadyClock::now() + o.phase_timeout; };

  // Phase 1: every node dials its own TS2021 connection and registers.
  say("N=" + std::to_string(o.nodes) + ": registering");
  const auto t_reg = SteadyClock::now();
  {
    std::vector<std::atomic<std::size_t>> next(ios.size());
    std::vector<std::future<void>> done;
    for (std::size_t t = 0; t < ios.size(); ++t) {
      for (std::size_t w = 0; w < workers_per_thread; ++w) {
        done.push_back(asio::co_spawn(ios[t], register_worker(sh, per_thread[t], next[t]), asio::use_future));
      }
    }
    const auto deadline = deadline_of();
    for (auto& f : done) {
      if (f.wait_until(deadline) != std::future_status::ready) {
        return fail_run("registration did not finish in time: " + std::to_string(sh.registered.load()) + " of " +
                        std::to_string(o.nodes));
      }
      try {
        f.get();
      } catch (const std::exception& e) {
        sh.fail(std::string("registration: ") + e.what());
      }
    }
  }
  result.register_seconds = seconds_between(t_reg, SteadyClock::now());
  result.registered = sh.registered.load();
  result.server_registered = stats_or_zero(pid);

  // Phase 2: every node opens its streaming map; done when each node's view
  // holds all N-1 peers.
  say("N=" + std::to_string(o.nodes) + ": registered in " + std::to_string(result.register_seconds) +
      " s (server RSS " + std::to_string(result.server_registered.rss_kib) + " KiB, pid " + std::to_string(pid) +
      "); opening map streams");
  const auto t_online = SteadyClock::now();
  std::vector<std::atomic<std::size_t>> next_online(ios.size());
  for (std::size_t t = 0; t < ios.size(); ++t) {
    for (std::size_t w = 0; w < workers_per_thread; ++w) {
      asio::co_spawn(ios[t], online_worker(sh, per_thread[t], next_online[t]), note_exception(sh, "online worker"));
    }
  }
  const bool all_online = wait_until(
      [&] { return sh.complete.load() == result.registered || sh.errors.load() > 0; }, deadline_of(),
      [&] {
        say("  " + std::to_string(sh.full_maps.load()) + " full maps, " + std::to_string(sh.complete.load()) +
            " complete views after " + std::to_string(seconds_between(t_online, SteadyClock::now())) + " s");
      });
  if (sh.complete.load() > 0) {
    result.online_seconds = static_cast<double>(sh.last_complete_ns.load() -
                                                std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                    t_online.time_since_epoch())
                                                    .count()) /
                            1e9;
  }
  result.server_online = stats_or_zero(pid);
  if (!all_online) sh.fail("online phase did not finish in time");

  // Idle: let the last batches drain, then read the memory.
  say("N=" + std::to_string(o.nodes) + ": all online (server RSS " + std::to_string(result.server_online.rss_kib) +
      " KiB); settling");
  std::this_thread::sleep_for(o.settle);
  result.server_idle = stats_or_zero(pid);

  // Phase 3: endpoint changes, one at a time.
  if (all_online && sh.errors.load() == 0) {
    say("N=" + std::to_string(o.nodes) + ": online in " + std::to_string(result.online_seconds) + " s; " +
        std::to_string(o.changes) + " endpoint changes");
    for (int r = 0; r < o.changes; ++r) {
      Sim& s = *sims[(static_cast<std::size_t>(r) * 7919u + 1u) % sims.size()];
      {
        std::lock_guard lock(sh.round_mu);
        sh.round_latencies_ms.clear();
      }
      sh.round_delivered.store(0);
      sh.round_node.store(s.self.load(std::memory_order_acquire));
      sh.round_t0_ns.store(now_ns());
      sh.round.store(r, std::memory_order_release);
      asio::post(s.io, [&sh, &s, r] {
        s.id.endpoints = {
            tailcfg::AddrPort(s.id.endpoints.front().addr(), static_cast<std::uint16_t>(kFirstChangePort + r))};
        asio::co_spawn(s.io, send_lite_update(sh, s), note_exception(sh, "lite update"));
      });
      ++result.changes_sent;
      const bool delivered = wait_until([&] { return sh.round_delivered.load() + 1 >= o.nodes; },
                                        SteadyClock::now() + o.change_timeout, [] {});
      {
        std::lock_guard lock(sh.round_mu);
        result.delivery_ms.insert(result.delivery_ms.end(), sh.round_latencies_ms.begin(),
                                  sh.round_latencies_ms.end());
        if (delivered) {
          ++result.changes_complete;
          result.change_ms.push_back(*std::max_element(sh.round_latencies_ms.begin(), sh.round_latencies_ms.end()));
        } else {
          sh.fail("change " + std::to_string(r) + " reached " + std::to_string(sh.round_delivered.load()) + " of " +
                  std::to_string(o.nodes - 1) + " peers in time");
        }
      }
      std::this_thread::sleep_for(o.change_gap);
    }
  }
  result.server_after_changes = stats_or_zero(pid);

  // Shut down: clients first, then the server.
  close_all();
  finish();

  result.full_maps = sh.full_maps.load();
  result.complete = sh.complete.load();
  result.stream_restarts = sh.restarts.load();
  result.errors = sh.errors.load();
  result.first_error = sh.first_error;
  result.wire_bytes = sh.wire_bytes.load();
  result.json_bytes = sh.json_bytes.load();
  result.messages = sh.messages.load();
  if (!result.passed()) result.server_log_tail = server->log_tail();
  result.server_exit = server->stop();
  return result;
}

}  // namespace latchkey::load
