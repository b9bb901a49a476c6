#include "soak_run.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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

double seconds_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double ms_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// One simulated node. Everything but the atomics is touched only on its
// io_context's thread.
struct SoakNode {
  SoakNode(std::size_t i, asio::io_context& ctx, const std::string& prefix)
      : id(i, prefix), io(ctx), first_map_waiter(ctx) {}
  SimNode id;
  asio::io_context& io;
  std::string map_body;  // its streaming MapRequest, encoded once
  std::shared_ptr<transport::Ts2021Client> conn;
  std::atomic<NodeId> self{0};  // Node.ID from its first full map
  bool dropping = false;        // this side dropped the connection
  bool first_map = false;       // on the current connection
  bool reader_done = true;      // the current connection's map reader ended
  asio::steady_timer first_map_waiter;
};

// What the observer saw: Online by node ID, from its full map and deltas.
struct ObserverView {
  std::mutex mu;
  bool full_map = false;
  std::size_t peers = 0;
  std::map<NodeId, bool> online;
};

struct Shared {
  std::size_t n = 0;
  ControlTarget control;
  std::string auth_key;

  std::atomic<std::size_t> registered{0};
  std::atomic<std::size_t> streaming{0};        // first full maps in this wave
  std::atomic<std::size_t> readers_running{0};  // map readers, all nodes
  std::atomic<std::size_t> errors{0};
  std::atomic<std::uint64_t> wire_bytes{0};
  std::atomic<bool> stop_dialing{false};        // the wave timed out: take no new nodes

  std::mutex error_mu;
  std::string first_error;

  void fail(const std::string& what) {
    errors.fetch_add(1);
    std::lock_guard lock(error_mu);
    if (first_error.empty()) first_error = what;
  }
};

std::string node_name(const SoakNode& s) { return "node " + std::to_string(s.id.index); }

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

void wake_first_map_waiter(SoakNode& s) { s.first_map_waiter.cancel(); }

// Applies one map message to the observer's view.
void observe(Shared& sh, SoakNode& s, ObserverView& view, const std::string& json, bool first) {
  auto m = scan_map_response(json);
  if (!m) {
    sh.fail("observer: " + m.message());
    return;
  }
  if (m->keep_alive) return;
  std::lock_guard lock(view.mu);
  if (first) {
    if (m->self) s.self.store(*m->self);
    view.full_map = true;
    view.peers = m->peers.size();
    view.online.clear();
  }
  for (const auto& o : m->online) view.online[o.node] = o.online;
}

// Reads the node's map stream until this side drops the connection: the
// first message must be a full map listing every other node (the observer
// included); later ones are consumed (the observer's are applied to
// `view`). The server ending the stream first is an error.
asio::awaitable<void> read_map(Shared& sh, SoakNode& s, std::shared_ptr<transport::Ts2021Client> conn,
                               ObserverView* view) {
  sh.readers_running.fetch_add(1);
  struct Done {
    Shared& sh;
    SoakNode& s;
    ~Done() {
      s.reader_done = true;
      wake_first_map_waiter(s);
      sh.readers_running.fetch_sub(1);
    }
  } done{sh, s};
  auto res = co_await post_map_request(*conn, s.map_body);
  if (!res) {
    if (!s.dropping) sh.fail(node_name(s) + ": " + res.message());
    co_return;
  }
  MapStreamReader reader(std::move(*res), true, &sh.wire_bytes);
  while (true) {
    auto m = co_await reader.next();
    if (!m) {
      sh.fail(node_name(s) + ": " + m.message());
      co_return;
    }
    if (!m->has_value()) {
      if (!s.dropping) {
        sh.fail(node_name(s) + ": the server ended the map stream" +
                (reader.end_error().empty() ? "" : " (" + reader.end_error() + ")"));
      }
      co_return;
    }
    const bool first = reader.messages() == 1;
    if (view != nullptr) {
      observe(sh, s, *view, **m, first);
    } else if (first) {
      auto scan = scan_map_response(**m);
      if (!scan) {
        sh.fail(node_name(s) + ": " + scan.message());
      } else {
        if (scan->self) s.self.store(*scan->self);
        if (!scan->has_peers || scan->peers.size() != sh.n) {
          sh.fail(node_name(s) + ": first map lists " + std::to_string(scan->peers.size()) + " peers, expected " +
                  std::to_string(sh.n));
        }
      }
    }
    if (first) {
      s.first_map = true;
      sh.streaming.fetch_add(1);
      wake_first_map_waiter(s);
    }
  }
}

// Dials a new connection for the node, starts its map reader and waits
// for the first full map (or the reader's end).
asio::awaitable<void> bring_online(Shared& sh, SoakNode& s, ObserverView* view = nullptr) {
  s.dropping = false;
  s.first_map = false;
  s.reader_done = false;
  auto conn = co_await dial_control(sh.control, s.id);
  if (!conn) {
    s.reader_done = true;
    sh.fail(node_name(s) + ": " + conn.message());
    co_return;
  }
  if (sh.stop_dialing.load()) {  // the wave timed out while this node dialed
    (*conn)->abort();
    s.reader_done = true;
    co_return;
  }
  s.conn = *conn;
  asio::co_spawn(s.io, read_map(sh, s, s.conn, view), note_exception(sh, "map reader of " + node_name(s)));
  if (!s.first_map && !s.reader_done) {
    s.first_map_waiter.expires_at(SteadyClock::time_point::max());
    boost::system::error_code ec;
    co_await s.first_map_waiter.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> register_one(Shared& sh, SoakNode& s) {
  auto conn = co_await dial_control(sh.control, s.id);
  if (!conn) {
    sh.fail(node_name(s) + ": " + conn.message());
    co_return;
  }
  auto registered = co_await register_node(**conn, s.id, sh.auth_key);
  if (!registered) {
    sh.fail(node_name(s) + ": " + registered.message());
  } else {
    sh.registered.fetch_add(1);
  }
  // Dropped, as the waves drop theirs.
  (*conn)->abort();
}

using Work = asio::awaitable<void> (*)(Shared&, SoakNode&);

// Takes nodes off `queue` one at a time.
asio::awaitable<void> worker(Shared& sh, std::vector<SoakNode*>& queue, std::atomic<std::size_t>& next,
                             Work work) {
  while (!sh.stop_dialing.load()) {
    const std::size_t i = next.fetch_add(1);
    if (i >= queue.size()) break;
    co_await work(sh, *queue[i]);
  }
}

asio::awaitable<void> bring_online_work(Shared& sh, SoakNode& s) { return bring_online(sh, s); }

// Whether wave `wave` drops node `index` with RST: a `fraction` of the
// nodes, a different set each wave.
bool resets_in_wave(std::size_t index, int wave, double fraction) {
  const auto permille = static_cast<std::size_t>(std::lround(fraction * 1000));
  return (index * 389 + static_cast<std::size_t>(wave) * 211) % 1000 < permille;
}

std::string describe_kinds(const std::map<std::string, std::size_t>& now,
                           const std::map<std::string, std::size_t>& baseline) {
  std::string out;
  for (const auto& [what, count] : now) {
    const auto it = baseline.find(what);
    const std::size_t base = it == baseline.end() ? 0 : it->second;
    if (count > base) {
      if (!out.empty()) out += ", ";
      out += std::to_string(count - base) + " x " + what;
    }
  }
  return out.empty() ? "nothing beyond the baseline's kinds" : out;
}

RssGrowth growth_of(const std::vector<WaveFigures>& waves, std::chrono::seconds after, long WaveFigures::*field) {
  RssGrowth g;
  const auto ref = std::find_if(waves.begin(), waves.end(), [&](const WaveFigures& w) {
    return w.start_s >= static_cast<double>(after.count());
  });
  if (ref == waves.end() || ref + 1 == waves.end()) return g;
  g.measured = true;
  g.reference_wave = ref->wave;
  g.reference_kib = (*ref).*field;
  g.max_kib = g.reference_kib;
  for (auto it = ref; it != waves.end(); ++it) g.max_kib = std::max(g.max_kib, (*it).*field);
  g.last_kib = waves.back().*field;
  g.growth = g.reference_kib > 0
                 ? static_cast<double>(g.max_kib - g.reference_kib) / static_cast<double>(g.reference_kib)
                 : 0;
  return g;
}

}  // namespace

RssGrowth SoakResult::rss_idle_growth(std::chrono::seconds after) const {
  return growth_of(waves, after, &WaveFigures::rss_idle_kib);
}

RssGrowth SoakResult::rss_streaming_growth(std::chrono::seconds after) const {
  return growth_of(waves, after, &WaveFigures::rss_streaming_kib);
}

bool SoakResult::fds_always_returned() const {
  if (!registration.fds_returned || !final_close.fds_returned) return false;
  return std::all_of(waves.begin(), waves.end(), [](const WaveFigures& w) { return w.fds_returned; });
}

bool SoakResult::passed(std::chrono::seconds after, double max_growth) const {
  const RssGrowth idle = rss_idle_growth(after);
  const bool streamed = std::all_of(waves.begin(), waves.end(), [&](const WaveFigures& w) {
    return w.streaming == nodes && w.flags_checked == nodes && w.flags_wrong == 0;
  });
  return errors == 0 && registered == nodes && !waves.empty() && streamed && fds_always_returned() &&
         flags_wrong == 0 && flags_checked == nodes && offline_seen && (!idle.measured || idle.growth <= max_growth) &&
         server_exit == "exited with status 0";
}

Result<SoakResult> run_soak(const SoakOptions& o) {
  if (o.nodes < 2) return Error{"need at least 2 nodes"};
  if (o.client_threads < 1) return Error{"need at least one client thread"};
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  SoakResult result;
  result.nodes = o.nodes;

  Shared sh;
  // Every first map lists the other simulated nodes and the observer.
  sh.n = o.nodes;
  {
    auto key = seed_user_and_key(ServerProcess::database_path(o.work_dir), "soak");
    if (!key) return key.error();
    sh.auth_key = *key;
  }

  ServerProcessOptions so;
  so.binary = o.server_binary;
  so.work_dir = o.work_dir;
  so.threads = o.server_threads;
  // One connection per node, all from 127.0.0.1: beyond the default cap per
  // address, raise it (with room for the nodes reset mid-wave).
  if (o.nodes + 64 > transport::kDefaultMaxConnectionsPerAddress) so.max_connections_per_address = 2 * o.nodes + 64;
  auto server = ServerProcess::start(so);
  if (!server) return server.error();
  const pid_t pid = server->pid();
  sh.control.target = transport::DialTarget{"127.0.0.1", server->port(), false, ""};
  auto stats = [pid] {
    auto s = read_proc_stats(pid);
    return s ? *s : ProcStats{};
  };
  auto fds = [pid]() -> std::size_t {
    auto n = count_open_fds(pid);
    return n ? *n : 0;
  };

  // The baseline: the server listening, before any client connected.
  {
    auto n = count_open_fds(pid);
    if (!n) return n.error();
    result.fd_baseline = *n;
    auto kinds = open_fd_kinds(pid);
    if (kinds) result.fd_baseline_kinds = *kinds;
    auto limit = open_file_limit(pid);
    result.server_fd_limit = limit ? *limit : 0;
  }
  result.server_start = stats();

  ClientThreads ios(o.client_threads);
  std::vector<std::unique_ptr<SoakNode>> nodes;
  std::vector<std::vector<SoakNode*>> per_thread(ios.size());
  for (std::size_t i = 0; i < o.nodes; ++i) {
    nodes.push_back(std::make_unique<SoakNode>(i, ios[i % ios.size()], "soak"));
    nodes.back()->map_body = tailcfg::encode_json(nodes.back()->id.map_request(true));
    per_thread[i % ios.size()].push_back(nodes.back().get());
  }
  SoakNode observer(o.nodes, ios[0], "soak-observer");
  observer.map_body = tailcfg::encode_json(observer.id.map_request(true));
  ObserverView view;
  const std::size_t workers_per_thread = std::max<std::size_t>(1, o.in_flight / ios.size());

  // Drops every connection the nodes hold (a RST for `reset`'s choice).
  auto drop = [&](std::vector<SoakNode*> which, std::function<bool(const SoakNode&)> reset) {
    struct Counts {
      std::atomic<std::size_t> resets{0};
      std::atomic<std::size_t> done{0};
    };
    auto counts = std::make_shared<Counts>();  // outlives a timed-out wait
    for (SoakNode* s : which) {
      asio::post(s->io, [s, reset, counts] {
        if (s->conn) {
          s->dropping = true;
          const bool rst = reset(*s);
          if (rst) counts->resets.fetch_add(1);
          s->conn->abort(rst);
          s->conn.reset();
        }
        counts->done.fetch_add(1);
      });
    }
    // The nodes' threads only ever run briefly between waits.
    if (!wait_until([&] { return counts->done.load() == which.size(); },
                    SteadyClock::now() + std::chrono::seconds(60))) {
      sh.fail("dropping connections: the client threads did not get to it in 60 s");
    }
    return counts->resets.load();
  };
  // Waits for the server's descriptors to come back to the baseline after
  // a drop at `t0`; fills in the wave's close figures.
  auto wait_for_baseline = [&](WaveFigures& w, SteadyClock::time_point t0) {
    const std::size_t limit = result.fd_baseline + o.fd_tolerance;
    std::size_t last = 0;
    w.fds_returned = wait_until(
        [&] {
          last = fds();
          return last <= limit;
        },
        t0 + o.close_timeout, [] {}, std::chrono::milliseconds(5));
    w.fd_return_ms = ms_between(t0, SteadyClock::now());
    w.fds_after = last;
    if (!w.fds_returned) {
      auto kinds = open_fd_kinds(pid);
      const std::string excess = kinds ? describe_kinds(*kinds, result.fd_baseline_kinds) : kinds.message();
      const std::string when = w.wave == 0 ? "registration" : w.wave < 0 ? "end" : "wave " + std::to_string(w.wave);
      if (result.fd_excess.empty()) result.fd_excess = when + ": " + excess;
      sh.fail(when + ": the server still had " + std::to_string(last) +
              " descriptors open " + std::to_string(o.close_timeout.count()) + " s after the drop (baseline " +
              std::to_string(result.fd_baseline) + "): " + excess);
    }
  };
  // The server's RSS once it went quiet: it gives freed heap back after 1 s
  // without map traffic, so the reading is taken when RSS held still for
  // 0.5 s, at least o.rss_quiet (1.2 s) after the last map traffic.
  const auto still = std::min<std::chrono::milliseconds>(o.rss_quiet, std::chrono::milliseconds(500));
  auto quiet_rss = [&](SteadyClock::time_point since) {
    long last = stats().rss_kib;
    auto still_since = SteadyClock::now();
    (void)wait_until(
        [&] {
          const long now_kib = stats().rss_kib;
          const auto now = SteadyClock::now();
          if (std::labs(now_kib - last) * 200 > last) {  // moved by more than 0.5%
            still_since = now;
            last = now_kib;
          }
          return now - since >= o.rss_quiet && now - still_since >= still;
        },
        SteadyClock::now() + std::chrono::seconds(10), [] {}, std::chrono::milliseconds(50));
    return last;
  };
  // Runs `work` for every node of `queues` with in_flight workers; false if
  // it did not finish by the deadline (then dialing stops and the caller
  // must drop what is connected and call settle_workers).
  // (Workers may outlive run_workers; what they use lives out here.)
  std::vector<std::future<void>> workers;
  std::vector<std::atomic<std::size_t>> next(ios.size());
  auto run_workers = [&](std::vector<std::vector<SoakNode*>>& queues, Work work, SteadyClock::time_point deadline) {
    sh.stop_dialing.store(false);
    for (auto& i : next) i.store(0);
    workers.clear();
    for (std::size_t t = 0; t < ios.size(); ++t) {
      for (std::size_t w = 0; w < workers_per_thread; ++w) {
        workers.push_back(asio::co_spawn(ios[t], worker(sh, queues[t], next[t], work), asio::use_future));
      }
    }
    bool in_time = true;
    for (auto& f : workers) {
      if (f.wait_until(deadline) != std::future_status::ready) {
        in_time = false;
        break;
      }
    }
    if (!in_time) sh.stop_dialing.store(true);
    return in_time;
  };
  auto settle_workers = [&] {
    for (auto& f : workers) {
      if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        sh.fail("a worker did not finish after its nodes were dropped");
        continue;
      }
      try {
        f.get();
      } catch (const std::exception& e) {
        sh.fail(std::string("worker: ") + e.what());
      }
    }
    workers.clear();
  };
  auto all_nodes = [&] {
    std::vector<SoakNode*> v;
    for (auto& s : nodes) v.push_back(s.get());
    return v;
  };
  auto finish = [&](bool ok) -> Result<SoakResult> {
    // Leave nothing connected, then end the client threads and the server.
    std::vector<SoakNode*> everyone = all_nodes();
    everyone.push_back(&observer);
    (void)drop(everyone, [](const SoakNode&) { return false; });
    (void)wait_until([&] { return sh.readers_running.load() == 0; }, SteadyClock::now() + std::chrono::seconds(30));
    if (!ios.finish()) {
      for (auto& s : nodes) (void)s.release();
      // `observer` and `view` live on this frame; the stuck coroutines
      // that may reference them were stopped with their contexts.
    }
    result.server_end = stats();
    result.wire_bytes = sh.wire_bytes.load();
    result.server_exit = server->stop();
    if (result.server_exit != "exited with status 0") sh.fail("server " + result.server_exit);
    result.errors = sh.errors.load();
    result.first_error = sh.first_error;
    if (!ok || !result.passed(o.rss_reference_after, o.max_rss_growth)) result.server_log_tail = server->log_tail();
    return result;
  };

  {
    std::optional<Result<transport::ServerKeys>> keys;
    auto fetch = [&]() -> asio::awaitable<void> {
      keys = co_await transport::fetch_server_keys(sh.control.target, tailcfg::kCurrentCapabilityVersion);
    };
    try {
      asio::co_spawn(ios[0], fetch(), asio::use_future).get();
    } catch (const std::exception& e) {
      sh.fail(std::string("fetching the server's keys: ") + e.what());
      return finish(false);
    }
    if (!*keys) {
      sh.fail("fetching the server's keys: " + keys->message());
      return finish(false);
    }
    sh.control.key = (*keys)->noise;
  }

  // Registration: each node on its own connection, dropped after.
  say("N=" + std::to_string(o.nodes) + ": registering (server pid " + std::to_string(pid) + ", " +
      std::to_string(result.fd_baseline) + " descriptors open)");
  {
    WaveFigures& w = result.registration;
    const auto t0 = SteadyClock::now();
    const ProcStats before = stats();
    auto per = per_thread;
    per[0].push_back(&observer);
    const bool in_time = run_workers(per, &register_one, t0 + o.online_timeout);
    settle_workers();
    if (!in_time) sh.fail("registration did not finish in time");
    w.online_s = seconds_between(t0, SteadyClock::now());
    w.streaming = sh.registered.load();
    result.registered = std::min(w.streaming, o.nodes);
    const auto t_drop = SteadyClock::now();
    wait_for_baseline(w, t_drop);
    w.rss_idle_kib = quiet_rss(SteadyClock::now());
    w.server_cpu_s = stats().cpu_seconds - before.cpu_seconds;
    if (sh.registered.load() != o.nodes + 1) {
      sh.fail("registered " + std::to_string(sh.registered.load()) + " of " + std::to_string(o.nodes + 1) + " nodes");
      return finish(false);
    }
    say("  registered in " + fixed(w.online_s, 2) + " s; descriptors back at " + std::to_string(w.fds_after) +
        " in " + fixed(w.fd_return_ms, 0) + " ms");
  }

  // How the observer's view differs from `expected_online`: (nodes found
  // in it, nodes whose Online flag is not as expected or missing). With
  // `when`, each difference is an error.
  using Expected = std::function<bool(const SoakNode&)>;
  auto compare = [&](const Expected& expected_online, const std::string& when) {
    std::pair<std::size_t, std::size_t> counts{0, 0};
    std::lock_guard lock(view.mu);
    for (auto& s : nodes) {
      const NodeId id = s->self.load();
      const bool expected = expected_online(*s);
      const auto it = view.online.find(id);
      if (it == view.online.end()) {
        ++counts.second;
        if (!when.empty()) {
          sh.fail(when + ": " + node_name(*s) + " (ID " + std::to_string(id) +
                  ") has no Online flag in the observer's map");
        }
        continue;
      }
      ++counts.first;
      if (it->second != expected) {
        ++counts.second;
        if (!when.empty()) {
          sh.fail(when + ": " + node_name(*s) + " (ID " + std::to_string(id) + ") is shown " +
                  (it->second ? "online" : "offline") + ", expected " + (expected ? "online" : "offline"));
        }
      }
    }
    return counts;
  };
  // The observer connects and waits for its full map, then follows the
  // deltas (until dropped).
  auto look = [&](const std::string& when) {
    auto observed = std::make_shared<std::atomic<bool>>(false);
    asio::post(observer.io, [&sh, &observer, &view, when, observed] {
      asio::co_spawn(observer.io, bring_online(sh, observer, &view), [&sh, when, observed](std::exception_ptr e) {
        if (e) sh.fail(when + ": the observer failed");
        observed->store(true);
      });
    });
    if (!wait_until([&] { return observed->load(); }, SteadyClock::now() + o.online_timeout)) {
      sh.fail(when + ": the observer got no full map in time");
    }
    std::lock_guard lock(view.mu);
    if (!view.full_map) {
      sh.fail(when + ": the observer got no full map");
      return false;
    }
    view.full_map = false;  // for the next look
    if (view.peers != o.nodes) {
      sh.fail(when + ": the observer's map lists " + std::to_string(view.peers) + " peers, expected " +
              std::to_string(o.nodes));
    }
    return true;
  };

  // The waves.
  const auto t_soak = SteadyClock::now();
  for (int wave = 1; o.max_waves == 0 || wave <= o.max_waves; ++wave) {
    const auto t0 = SteadyClock::now();
    if (t0 - t_soak >= o.duration && wave > 1) break;
    WaveFigures w;
    w.wave = wave;
    w.start_s = seconds_between(t_soak, t0);
    const ProcStats before = stats();
    sh.streaming.store(0);
    const bool in_time = run_workers(per_thread, &bring_online_work, t0 + o.online_timeout);
    w.online_s = seconds_between(t0, SteadyClock::now());
    w.streaming = sh.streaming.load();
    if (!in_time) {
      sh.fail("wave " + std::to_string(wave) + ": " + std::to_string(w.streaming) + " of " +
              std::to_string(o.nodes) + " nodes streaming after " + std::to_string(o.online_timeout.count()) + " s");
    } else if (w.streaming != o.nodes) {
      sh.fail("wave " + std::to_string(wave) + ": " + std::to_string(w.streaming) + " of " +
              std::to_string(o.nodes) + " nodes got their first map");
    }
    w.rss_streaming_kib = stats().rss_kib;
    w.fds_streaming = fds();
    if (in_time && o.hold.count() > 0) std::this_thread::sleep_for(o.hold);

    const auto t_drop = SteadyClock::now();
    w.resets = drop(all_nodes(), [&](const SoakNode& s) { return resets_in_wave(s.id.index, wave, o.reset_fraction); });
    settle_workers();
    if (!wait_until([&] { return sh.readers_running.load() == 0; }, t_drop + o.close_timeout)) {
      sh.fail("wave " + std::to_string(wave) + ": map readers still running after the drop");
    }
    wait_for_baseline(w, t_drop);
    // Every node must now be offline at the observer. Its look is also the
    // server's last map traffic of the wave, so the server gives freed heap
    // back 1 s after the observer leaves (a drop alone sends no map bytes
    // when no stream is left to tell) and the quiet RSS reads the same
    // state every wave.
    if (w.fds_returned) {
      const std::string when = "wave " + std::to_string(wave);
      const Expected offline = [](const SoakNode&) { return false; };
      if (look(when)) {
        w.look_ms = ms_between(t_drop, SteadyClock::now());
        const auto [checked, wrong] = compare(offline, "");
        w.flags_checked = checked;
        w.online_at_look = wrong;
        // Shown online when the observer looked: the server may not have
        // handled every close yet. The offline patches must follow.
        std::size_t left = wrong;
        const bool settled = wait_until(
            [&] {
              left = compare(offline, "").second;
              return left == 0;
            },
            t_drop + o.close_timeout, [] {}, std::chrono::milliseconds(5));
        w.offline_ms = ms_between(t_drop, SteadyClock::now());
        if (!settled) (void)compare(offline, when + ", " + fixed(w.offline_ms / 1000, 0) + " s after the drop");
        w.flags_wrong = left;
      }
      const auto t_left = SteadyClock::now();
      (void)drop({&observer}, [](const SoakNode&) { return false; });
      (void)wait_until([&] { return sh.readers_running.load() == 0; }, t_left + o.close_timeout);
      WaveFigures after_look;
      after_look.wave = wave;
      wait_for_baseline(after_look, t_left);
      w.rss_idle_kib = quiet_rss(SteadyClock::now());
    }
    w.server_cpu_s = stats().cpu_seconds - before.cpu_seconds;
    result.waves.push_back(w);
    say("wave " + std::to_string(wave) + " at " + fixed(w.start_s, 0) + " s: " + std::to_string(w.streaming) +
        " streaming in " + fixed(w.online_s, 2) + " s; " + std::to_string(w.fds_streaming) + " -> " +
        std::to_string(w.fds_after) + " descriptors in " + fixed(w.fd_return_ms, 0) + " ms (baseline " +
        std::to_string(result.fd_baseline) + "); " +
        (w.flags_checked == 0 ? std::string("no observer look")
                              : "at the observer " + fixed(w.look_ms, 0) + " ms after the drop " +
                                    std::to_string(w.online_at_look) + " still online, all offline after " +
                                    fixed(w.offline_ms, 0) + " ms" +
                                    (w.flags_wrong == 0 && w.flags_checked == o.nodes
                                         ? ""
                                         : " (NOT: " + std::to_string(w.flags_wrong) + " wrong)")) +
        "; RSS streaming / quiet " +
        fixed(static_cast<double>(w.rss_streaming_kib) / 1024, 1) + " / " +
        fixed(static_cast<double>(w.rss_idle_kib) / 1024, 1) + " MiB; server CPU " + fixed(w.server_cpu_s, 2) +
        " s; " + std::to_string(sh.errors.load()) + " errors");
    if (!in_time || !w.fds_returned) break;  // the server is not keeping up; stop here
  }
  result.soak_seconds = seconds_between(t_soak, SteadyClock::now());

  // The end: even-numbered nodes online, odd ones offline, checked from an
  // observer's full map; then the online half drops and the observer must
  // see each of them go offline.
  {
    std::vector<std::vector<SoakNode*>> evens(ios.size());
    std::vector<SoakNode*> online;
    for (auto& s : nodes) {
      if (s->id.index % 2 == 0) {
        evens[s->id.index % ios.size()].push_back(s.get());
        online.push_back(s.get());
      }
    }
    result.online_expected = online.size();
    say("end: " + std::to_string(online.size()) + " nodes online, " + std::to_string(o.nodes - online.size()) +
        " offline; observer connecting");
    sh.streaming.store(0);
    const auto t0 = SteadyClock::now();
    if (!run_workers(evens, &bring_online_work, t0 + o.online_timeout)) {
      sh.fail("end: the online half did not stream in time");
    }
    settle_workers();
    if (look("end")) {
      const auto [checked, wrong] = compare([](const SoakNode& s) { return s.id.index % 2 == 0; }, "end");
      result.flags_checked = checked;
      result.flags_wrong = wrong;
    }
    // The online half drops; the observer must get every offline patch.
    const auto t_drop = SteadyClock::now();
    (void)drop(online, [&](const SoakNode& s) { return resets_in_wave(s.id.index, 0, o.reset_fraction); });
    std::size_t still_online = 0;
    result.offline_seen = wait_until(
        [&] {
          std::lock_guard lock(view.mu);
          still_online = 0;
          for (SoakNode* s : online) {
            const auto it = view.online.find(s->self.load());
            if (it == view.online.end() || it->second) ++still_online;
          }
          return still_online == 0;
        },
        t_drop + o.close_timeout, [] {}, std::chrono::milliseconds(5));
    result.offline_seen_ms = ms_between(t_drop, SteadyClock::now());
    if (!result.offline_seen) {
      sh.fail("end: the observer still showed " + std::to_string(still_online) + " dropped nodes online after " +
              std::to_string(o.close_timeout.count()) + " s");
    }
    // Last, the observer leaves; the descriptors must be back at the baseline.
    result.final_close.wave = -1;
    const auto t_last = SteadyClock::now();
    (void)drop({&observer}, [](const SoakNode&) { return false; });
    (void)wait_until([&] { return sh.readers_running.load() == 0; }, t_last + o.close_timeout);
    wait_for_baseline(result.final_close, t_last);
    say("end: " + std::to_string(result.flags_checked) + " Online flags checked, " +
        std::to_string(result.flags_wrong) + " wrong; the dropped half offline at the observer after " +
        std::to_string(static_cast<int>(result.offline_seen_ms)) + " ms; descriptors " +
        std::to_string(result.final_close.fds_after));
  }
  return finish(true);
}

}  // namespace latchkey::load
