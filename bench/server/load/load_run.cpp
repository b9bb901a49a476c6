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

#include "base/base64.h"
#include "client_threads.h"
#include "map_scan.h"
#include "map_stream_reader.h"
#include "poll_wait.h"
#include "transport/map_frame.h"
#include "server_process.h"
#include "sim_node.h"
#include "tailcfg/codec.h"
#include "tailcfg/tka.h"
#include "tailnet_seed.h"
#include "tka/authority.h"
#include "tka/memory_storage.h"
#include "tka/sig.h"
#include "tka/signer.h"
#include "tka/builder.h"
#include "tka/sync.h"
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
  // The lock phase: TKAInfo seen, peers whose KeySignature arrived.
  bool tka_seen = false;
  std::vector<std::uint8_t> signed_seen;  // by node id
  std::size_t signed_count = 0;
  bool signed_all = false;
  int last_lock_round = -1;
  bool sync_head_seen = false;
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

  // The lock phase. The signatures and their nodes are all set before the
  // first lock round is published (lock_round), and not changed after.
  std::atomic<std::size_t> tka_seen{0};
  std::atomic<std::size_t> signed_all{0};
  std::atomic<std::int64_t> last_tka_ns{0};
  std::atomic<std::int64_t> last_signed_ns{0};
  std::atomic<int> lock_round{-1};
  std::vector<NodeId> lock_nodes;
  std::vector<std::string> lock_signatures;  // base64, as in the map JSON
  // The head every node must see before the syncs (set before the flag).
  std::string sync_head;
  std::atomic<bool> sync_head_set{false};
  std::atomic<std::size_t> sync_head_seen{0};
  std::atomic<std::int64_t> last_sync_head_ns{0};
  std::atomic<std::size_t> syncs{0};
  std::vector<double> sync_latencies_ms;  // under round_mu

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
  if (m->tka_head && !m->tka_head->empty() && !s.tka_seen) {
    s.tka_seen = true;
    sh.last_tka_ns.store(now_ns(), std::memory_order_relaxed);
    sh.tka_seen.fetch_add(1, std::memory_order_release);
  }
  if (m->tka_head && !s.sync_head_seen && sh.sync_head_set.load(std::memory_order_acquire) &&
      *m->tka_head == sh.sync_head) {
    s.sync_head_seen = true;
    sh.last_sync_head_ns.store(now_ns(), std::memory_order_relaxed);
    sh.sync_head_seen.fetch_add(1, std::memory_order_release);
  }
  if (!m->key_signatures.empty()) {
    for (const auto& k : m->key_signatures) {
      if (k.node <= 0 || k.node > (std::int64_t{1} << 31) || k.node == self) continue;
      const auto i = static_cast<std::size_t>(k.node);
      if (i >= s.signed_seen.size()) s.signed_seen.resize(i + 1 + i / 2, 0);
      if (s.signed_seen[i] == 0) {
        s.signed_seen[i] = 1;
        ++s.signed_count;
      }
    }
    if (!s.signed_all && s.signed_count + 1 >= sh.n) {
      s.signed_all = true;
      sh.last_signed_ns.store(now_ns(), std::memory_order_relaxed);
      sh.signed_all.fetch_add(1, std::memory_order_release);
    }
    const int lock_round = sh.lock_round.load(std::memory_order_acquire);
    if (lock_round > s.last_lock_round) {
      const auto r = static_cast<std::size_t>(lock_round);
      for (const auto& k : m->key_signatures) {
        if (k.node == sh.lock_nodes[r] && k.signature == sh.lock_signatures[r]) {
          s.last_lock_round = lock_round;
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
  auto body = co_await (*res)->read_body(transport::kMaxMapMessage);
  if ((*res)->status() != 200 || !body) {
    sh.fail("node " + std::to_string(s.index) + ": lite map request: HTTP " + std::to_string((*res)->status()));
  }
}

// A Tailnet Lock RPC from node `s`, run on its thread; waits at most
// `timeout` (the call's state outlives a timeout).
struct RpcCall {
  std::optional<Result<RpcReply>> reply;
};

asio::awaitable<void> rpc_task(std::shared_ptr<transport::Ts2021Client> conn, std::string endpoint, std::string body,
                               std::shared_ptr<RpcCall> call) {
  call->reply = co_await tka_rpc(*conn, endpoint, body);
}

std::future<void> start_rpc(Sim& s, std::string endpoint, std::string body, const std::shared_ptr<RpcCall>& call) {
  return asio::co_spawn(s.io, rpc_task(s.conn, std::move(endpoint), std::move(body), call), asio::use_future);
}

Result<RpcReply> finish_rpc(std::future<void>& f, const std::shared_ptr<RpcCall>& call, const std::string& what,
                            std::chrono::milliseconds timeout) {
  if (f.wait_for(timeout) != std::future_status::ready) return Error{what + ": no answer in time"};
  try {
    f.get();
  } catch (const std::exception& e) {
    return Error{what + ": " + e.what()};
  }
  if (!call->reply) return Error{what + ": no answer"};
  if (!*call->reply) return Error{what + ": " + call->reply->message()};
  if ((*call->reply)->status != 200) {
    return Error{what + ": HTTP " + std::to_string((*call->reply)->status) + " " + (*call->reply)->body};
  }
  return **call->reply;
}

// A genesis AUM trusting `nl` alone (one vote), signed by it: what
// `tailscale lock init` makes.
Result<tka::Aum> lock_genesis(const key::NLPrivate& nl) {
  tka::Key k;
  k.kind = tka::KeyKind::Ed25519;
  k.votes = 1;
  k.public_key = nl.key_id();
  tka::State state;
  state.keys = std::vector<tka::Key>{k};
  state.disablement_values = std::vector<tka::NullableBytes>{tka::disablement_kdf(Bytes(32, 0x5a))};
  tka::MemoryStorage scratch;
  tka::Ed25519Signer signer(nl.raw());
  auto c = tka::Authority::create(scratch, std::move(state), signer);
  if (!c) return c.error();
  return std::move(c->second);
}

// A direct signature of `node_key` by `by`, wrapping `rotation`, as
// `tailscale lock sign` makes it.
Bytes direct_signature(const key::NLPrivate& by, const key::NodePublic& node_key, const Bytes& rotation) {
  tka::NodeKeySignature sig;
  sig.kind = tka::SigKind::Direct;
  const auto bin = node_key.to_binary();
  sig.pubkey = Bytes(bin.begin(), bin.end());
  sig.key_id = by.key_id();
  sig.wrapping_pubkey = rotation;
  const auto signature = by.sign(sig.sig_hash());
  sig.signature = Bytes(signature.begin(), signature.end());
  return sig.serialize();
}

// What a node behind by one AUM sends and must get back.
struct SyncPlan {
  tka::SyncOfferText offer;  // from the old head
  std::string new_head;
};

// One node's sync as upstream's client (tkaSyncLocked): sync/offer, then
// sync/send of what the server lacks (nothing here) with the new head.
asio::awaitable<void> sync_one(Shared& sh, Sim& s, const SyncPlan& plan) {
  const auto t0 = SteadyClock::now();
  tailcfg::TkaSyncOfferRequest offer;
  offer.version = tailcfg::kCurrentCapabilityVersion;
  offer.node_key = s.id.node.public_key();
  offer.head = plan.offer.head;
  offer.ancestors = plan.offer.ancestors;
  auto offered = co_await tka_rpc(*s.conn, "sync/offer", tailcfg::encode_json(offer));
  const std::string who = "node " + std::to_string(s.index) + ": ";
  if (!offered || offered->status != 200) {
    sh.fail(who + "sync/offer: " + (offered ? std::to_string(offered->status) + " " + offered->body : offered.message()));
    co_return;
  }
  auto theirs = tailcfg::decode_json<tailcfg::TkaSyncOfferResponse>(offered->body);
  if (!theirs || theirs->head != plan.new_head || !theirs->missing_aums || theirs->missing_aums->size() != 1) {
    sh.fail(who + "sync/offer answered " + offered->body.substr(0, 200));
    co_return;
  }
  tailcfg::TkaSyncSendRequest send;
  send.version = tailcfg::kCurrentCapabilityVersion;
  send.node_key = s.id.node.public_key();
  send.head = plan.new_head;
  send.missing_aums.emplace();
  auto sent = co_await tka_rpc(*s.conn, "sync/send", tailcfg::encode_json(send));
  if (!sent || sent->status != 200) {
    sh.fail(who + "sync/send: " + (sent ? std::to_string(sent->status) + " " + sent->body : sent.message()));
    co_return;
  }
  auto head = tailcfg::decode_json<tailcfg::TkaSyncSendResponse>(sent->body);
  if (!head || head->head != plan.new_head) {
    sh.fail(who + "sync/send answered " + sent->body.substr(0, 200));
    co_return;
  }
  const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  {
    std::lock_guard lock(sh.round_mu);
    sh.sync_latencies_ms.push_back(ms);
  }
  sh.syncs.fetch_add(1, std::memory_order_release);
}

asio::awaitable<void> sync_worker(Shared& sh, std::vector<Sim*>& queue, std::atomic<std::size_t>& next,
                                  const SyncPlan& plan) {
  while (!sh.stopping.load()) {
    const std::size_t i = next.fetch_add(1);
    if (i >= queue.size()) break;
    co_await sync_one(sh, *queue[i], plan);
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
    if (o.lock_changes > 0) sims.back()->id.nl = key::NLPrivate::generate();
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

  // Phase 4 (optional): the Tailnet Lock. Node 0 enables it trusting its
  // own lock key, with every node signed; then one node at a time is
  // re-signed (`tailscale lock sign`), timed until every other node's
  // stream carried the new KeySignature.
  result.lock_requested = o.lock_changes > 0;
  if (o.lock_changes > 0 && all_online && sh.errors.load() == 0) {
    Sim& admin = *sims[0];
    const key::NLPrivate& nl = *admin.id.nl;
    auto lock_fail = [&](const std::string& what) { sh.fail("lock: " + what); };
    result.server_before_lock = stats_or_zero(pid);
    [&] {
      auto genesis = lock_genesis(nl);
      if (!genesis) return lock_fail("genesis: " + genesis.message());
      tailcfg::TkaInitBeginRequest begin;
      begin.version = tailcfg::kCurrentCapabilityVersion;
      begin.node_key = admin.id.node.public_key();
      begin.genesis_aum = genesis->serialize();
      auto begin_call = std::make_shared<RpcCall>();
      auto begin_done = start_rpc(admin, "init/begin", tailcfg::encode_json(begin), begin_call);
      auto begun = finish_rpc(begin_done, begin_call, "init/begin", o.change_timeout);
      if (!begun) return lock_fail(begun.message());
      auto need = tailcfg::decode_json<tailcfg::TkaInitBeginResponse>(begun->body);
      if (!need || !need->need_signatures) return lock_fail("init/begin answer: " + begun->body.substr(0, 200));
      if (need->need_signatures->size() != o.nodes) {
        return lock_fail("init/begin asked for " + std::to_string(need->need_signatures->size()) + " signatures");
      }
      // Signing is the admin's side: not timed.
      tailcfg::TkaInitFinishRequest finish_req;
      finish_req.version = tailcfg::kCurrentCapabilityVersion;
      finish_req.node_key = admin.id.node.public_key();
      finish_req.signatures.emplace();
      for (const auto& info : *need->need_signatures) {
        if (!info.rotation_pubkey) return lock_fail("node " + std::to_string(info.node_id) + " has no RotationPubkey");
        (*finish_req.signatures)[info.node_id] = direct_signature(nl, info.node_public, *info.rotation_pubkey);
      }
      result.lock_signatures = finish_req.signatures->size();
      std::string finish_body = tailcfg::encode_json(finish_req);
      say("N=" + std::to_string(o.nodes) + ": lock init/finish with " + std::to_string(result.lock_signatures) +
          " signatures (" + std::to_string(finish_body.size()) + " bytes)");
      auto finish_call = std::make_shared<RpcCall>();
      const auto t_finish = SteadyClock::now();
      const std::int64_t t_finish_ns = now_ns();
      auto finish_done = start_rpc(admin, "init/finish", std::move(finish_body), finish_call);
      auto finished = finish_rpc(finish_done, finish_call, "init/finish", std::chrono::duration_cast<std::chrono::milliseconds>(o.phase_timeout));
      if (!finished) return lock_fail(finished.message());
      result.lock_init_finish_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t_finish).count();
      const bool shown = wait_until(
          [&] { return (sh.tka_seen.load() == o.nodes && sh.signed_all.load() == o.nodes) || sh.errors.load() > 0; },
          deadline_of(), [&] {
            say("  " + std::to_string(sh.tka_seen.load()) + " streams with TKAInfo, " +
                std::to_string(sh.signed_all.load()) + " with every peer's signature");
          });
      if (!shown || sh.errors.load() > 0) {
        return lock_fail("TKAInfo reached " + std::to_string(sh.tka_seen.load()) + " and all signatures " +
                         std::to_string(sh.signed_all.load()) + " of " + std::to_string(o.nodes) + " streams");
      }
      result.lock_enabled = true;
      result.lock_enabled_seconds = static_cast<double>(sh.last_tka_ns.load() - t_finish_ns) / 1e9;
      result.lock_signed_seconds = static_cast<double>(sh.last_signed_ns.load() - t_finish_ns) / 1e9;
      result.server_locked = stats_or_zero(pid);
      say("N=" + std::to_string(o.nodes) + ": lock enabled: init/finish " +
          std::to_string(result.lock_init_finish_ms) + " ms, every stream signed after " +
          std::to_string(result.lock_signed_seconds) + " s; settling");
      std::this_thread::sleep_for(o.settle);

      // The re-signatures, made up front: a fresh wrapping key each, so
      // the bytes differ from what the node has.
      std::vector<Sim*> targets;
      for (int r = 0; r < o.lock_changes; ++r) {
        Sim& t = *sims[(static_cast<std::size_t>(r) * 7919u + 3u) % sims.size()];
        targets.push_back(&t);
        const Bytes sig = direct_signature(nl, t.id.node.public_key(), key::NLPrivate::generate().key_id());
        sh.lock_nodes.push_back(t.self.load(std::memory_order_acquire));
        sh.lock_signatures.push_back(base64_encode(sig));
      }
      for (int r = 0; r < o.lock_changes; ++r) {
        auto sig = base64_decode(sh.lock_signatures[static_cast<std::size_t>(r)]);
        tailcfg::TkaSubmitSignatureRequest req;
        req.version = tailcfg::kCurrentCapabilityVersion;
        req.node_key = admin.id.node.public_key();
        req.signature = sig ? *sig : Bytes{};
        std::string body = tailcfg::encode_json(req);
        {
          std::lock_guard lock(sh.round_mu);
          sh.round_latencies_ms.clear();
        }
        sh.round_delivered.store(0);
        sh.round_t0_ns.store(now_ns());
        sh.lock_round.store(r, std::memory_order_release);
        auto call = std::make_shared<RpcCall>();
        auto done = start_rpc(admin, "sign", std::move(body), call);
        ++result.lock_changes_sent;
        const bool delivered = wait_until([&] { return sh.round_delivered.load() + 1 >= o.nodes; },
                                          SteadyClock::now() + o.change_timeout, [] {});
        auto answered = finish_rpc(done, call, "sign", o.change_timeout);
        if (!answered) lock_fail(answered.message());
        std::lock_guard lock(sh.round_mu);
        result.lock_delivery_ms.insert(result.lock_delivery_ms.end(), sh.round_latencies_ms.begin(),
                                       sh.round_latencies_ms.end());
        if (delivered && answered) {
          ++result.lock_changes_complete;
          result.lock_change_ms.push_back(
              *std::max_element(sh.round_latencies_ms.begin(), sh.round_latencies_ms.end()));
        } else if (!delivered) {
          lock_fail("sign " + std::to_string(r) + " reached " + std::to_string(sh.round_delivered.load()) + " of " +
                    std::to_string(o.nodes - 1) + " peers in time");
        }
        std::this_thread::sleep_for(o.change_gap);
      }
      result.server_after_lock = stats_or_zero(pid);
      if (sh.errors.load() > 0) return;

      // A new head: node 0 adds a key (`tailscale lock add`, one AUM).
      tka::MemoryStorage local;
      auto authority = tka::Authority::bootstrap(local, *genesis);
      if (!authority) return lock_fail("bootstrap: " + authority.message());
      SyncPlan plan;
      {
        auto offer = tka::make_sync_offer(*authority, local);
        if (!offer) return lock_fail("sync offer: " + offer.message());
        plan.offer = tka::sync_offer_to_text(*offer);
      }
      tka::Ed25519Signer signer(nl.raw());
      tka::UpdateBuilder builder(*authority, &signer);
      tka::Key added;
      added.kind = tka::KeyKind::Ed25519;
      added.votes = 1;
      added.public_key = key::NLPrivate::generate().key_id();
      if (auto st = builder.add_key(added); !st) return lock_fail("add key: " + st.message());
      auto aums = builder.finalize(local);
      if (!aums || aums->size() != 1) return lock_fail("add key: " + (aums ? std::string("not one AUM") : aums.message()));
      plan.new_head = aums->back().hash().to_string();
      sh.sync_head = plan.new_head;
      sh.sync_head_set.store(true, std::memory_order_release);
      tailcfg::TkaSyncSendRequest add;
      add.version = tailcfg::kCurrentCapabilityVersion;
      add.node_key = admin.id.node.public_key();
      add.head = plan.new_head;
      add.missing_aums.emplace();
      add.missing_aums->push_back(aums->front().serialize());
      add.interactive = true;
      const std::int64_t t_add_ns = now_ns();
      auto add_call = std::make_shared<RpcCall>();
      auto add_done = start_rpc(admin, "sync/send", tailcfg::encode_json(add), add_call);
      auto added_reply = finish_rpc(add_done, add_call, "sync/send (add key)", o.change_timeout);
      if (!added_reply) return lock_fail(added_reply.message());
      if (!wait_until([&] { return sh.sync_head_seen.load() == o.nodes || sh.errors.load() > 0; },
                      SteadyClock::now() + o.change_timeout, [] {})) {
        return lock_fail("the new head reached " + std::to_string(sh.sync_head_seen.load()) + " of " +
                         std::to_string(o.nodes) + " streams");
      }
      result.lock_head_seconds = static_cast<double>(sh.last_sync_head_ns.load() - t_add_ns) / 1e9;
      std::this_thread::sleep_for(o.change_gap);

      // Every node syncs, `in_flight` at a time.
      say("N=" + std::to_string(o.nodes) + ": every node syncs (offer + send)");
      result.server_before_syncs = stats_or_zero(pid);
      const auto t_sync = SteadyClock::now();
      std::vector<std::atomic<std::size_t>> next(ios.size());
      std::vector<std::future<void>> done;
      for (std::size_t t = 0; t < ios.size(); ++t) {
        for (std::size_t w = 0; w < workers_per_thread; ++w) {
          done.push_back(asio::co_spawn(ios[t], sync_worker(sh, per_thread[t], next[t], plan), asio::use_future));
        }
      }
      const auto deadline = deadline_of();
      for (auto& f : done) {
        if (f.wait_until(deadline) != std::future_status::ready) {
          return lock_fail("syncs did not finish in time: " + std::to_string(sh.syncs.load()) + " of " +
                           std::to_string(o.nodes));
        }
        try {
          f.get();
        } catch (const std::exception& e) {
          lock_fail(std::string("sync: ") + e.what());
        }
      }
      result.lock_sync_seconds = seconds_between(t_sync, SteadyClock::now());
      result.server_after_syncs = stats_or_zero(pid);
      result.lock_syncs = sh.syncs.load();
      std::lock_guard lock(sh.round_mu);
      result.lock_sync_ms = sh.sync_latencies_ms;
    }();
  }

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
