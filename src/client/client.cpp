#include "client/client.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <deque>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <variant>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/version.h"
#include "client/backoff.h"
#include "client/control_conn.h"
#include "client/identity.h"
#include "client/lock_sync.h"
#include "client/login_flow.h"
#include "client/map_session.h"
#include "client/netmap_state.h"
#include "transport/dialer.h"
#include "key/disco_key.h"
#include "tailcfg/codec.h"
#include "tka/directory_storage.h"

namespace latchkey::client {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto kRegisterDeadline = 60s;
constexpr std::size_t kRegisterMaxBody = 1u << 20;
constexpr std::size_t kErrorBodyBytes = 4096;

// "120 s", or "1500 ms" when not whole seconds.
std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "latchkey";
  return buf;
}

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// Why a map stream ended.
struct StreamEnd {
  std::string error;
  bool need_login = false;                    // the server no longer knows our node key
  std::chrono::milliseconds wait{0};          // a Retry-After to honour before the next attempt
  bool got_message = false;                   // it delivered at least one map message
};

// The lock's storage: <state>/tka. A directory that does not open (a crash
// mid-write, a disk error) is moved aside rather than blocking the node:
// the authority is bootstrapped again from control, as a fresh node would.
Result<std::unique_ptr<tka::DirectoryStorage>> open_lock_storage(const std::filesystem::path& state_dir,
                                                                 const std::function<void(std::string_view)>& log) {
  const auto dir = state_dir / "tka";
  const tka::Clock clock = [] { return static_cast<tka::UnixTime>(std::time(nullptr)); };
  auto s = tka::DirectoryStorage::open(dir.string(), clock);
  if (s) return s;
  const auto aside = state_dir / ("tka.broken-" + std::to_string(std::time(nullptr)));
  std::error_code ec;
  std::filesystem::rename(dir, aside, ec);
  if (ec) return Error{"lock storage " + dir.string() + ": " + s.message() + "; moving it aside failed: " + ec.message()};
  log("tailnet lock: storage " + dir.string() + " does not open (" + s.message() + "); moved to " + aside.string() +
      ", the lock state will be fetched again");
  return tka::DirectoryStorage::open(dir.string(), clock);
}

}  // namespace

class Client::Impl {
 public:
  Impl(ClientOptions options, transport::ControlUrl url, StateDirectory dir, Identity identity,
       std::unique_ptr<tka::DirectoryStorage> storage, std::shared_ptr<asio::ssl::context> key_tls)
      : options_(std::move(options)),
        dir_(std::move(dir)),
        id_(std::move(identity)),
        storage_(std::move(storage)),
        random_(default_unit_random()),
        conn_(io_.get_executor(), conn_options(std::move(url), std::move(key_tls))),
        table_(options_.lock_mode, [] { return tailcfg::GoTime::from_system(std::chrono::system_clock::now()); },
               [this](std::string_view line) { log(line); }),
        lock_(*storage_, lock_options()),
        lock_retry_(io_),
        sleep_(io_),
        expiry_timer_(io_),
        main_done_(io_) {}

  ~Impl() { stop(); }

  void start() {
    if (thread_.joinable()) return;
    running_ = true;
    // The loop runs until stop(), not until it runs out of work (after a
    // logout it has none, and a posted request must still be answered).
    work_.emplace(io_.get_executor());
    asio::co_spawn(io_, main_loop(), asio::detached);
    thread_ = std::thread([this] {
      io_thread_ = std::this_thread::get_id();
      io_.run();
      running_ = false;
    });
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { shut_down(); });
    // Every routine ends once the connection is aborted and the timers are
    // cancelled, and the loop then runs out of work; a dial in progress is
    // bounded by its own timeout. Wait for that a little, then stop the
    // loop regardless (what is still pending is destroyed with io_).
    for (int i = 0; i < 250 && running_; ++i) std::this_thread::sleep_for(20ms);
    if (running_) log("client: routines still running at stop; stopping the event loop");
    io_.stop();
    thread_.join();
    state_ = BackendState::Stopped;
  }

  // Runs `fn` on the I/O thread (directly when it is not running or this
  // is it) and returns its result; the state it reads belongs to that
  // thread. A thread stuck for 5 s (a long sweep) gets `fallback`.
  template <class F>
  auto on_io(F fn, decltype(fn()) fallback) {
    if (!running_ || std::this_thread::get_id() == io_thread_.load()) return fn();
    // The promise is shared with the posted task: after a timeout the task
    // may still run, and must not touch this frame.
    auto p = std::make_shared<std::promise<decltype(fn())>>();
    auto f = p->get_future();
    asio::post(io_, [p, fn] { p->set_value(fn()); });
    if (f.wait_for(5s) != std::future_status::ready) return fallback;
    return f.get();
  }

  ClientStatus status() {
    ClientStatus partial;
    partial.backend_state = state_;
    return on_io([this] { return make_status(); }, partial);
  }

  std::optional<tailcfg::Node> self_node() {
    return on_io([this] { return netmap_.self(); }, std::optional<tailcfg::Node>());
  }

  std::vector<std::shared_ptr<const tailcfg::Node>> exposed_peers() {
    using Peers = std::vector<std::shared_ptr<const tailcfg::Node>>;
    return on_io(
        [this] {
          Peers out;
          for (const auto& [id, e] : table_.sorted()) {
            if (e->exposed) out.push_back(e->node);
          }
          return out;
        },
        Peers());
  }

  std::uint64_t subscribe(Subscriber fn) {
    std::lock_guard<std::mutex> g(subscribers_mu_);
    auto next = std::make_shared<std::map<std::uint64_t, Subscriber>>(*subscribers_);
    const auto id = ++subscriber_ids_;
    next->emplace(id, std::move(fn));
    subscribers_ = std::move(next);
    return id;
  }

  void unsubscribe(std::uint64_t id) {
    std::lock_guard<std::mutex> g(subscribers_mu_);
    auto next = std::make_shared<std::map<std::uint64_t, Subscriber>>(*subscribers_);
    next->erase(id);
    subscribers_ = std::move(next);
  }

 private:
  ControlConnOptions conn_options(transport::ControlUrl url, std::shared_ptr<asio::ssl::context> key_tls) const {
    ControlConnOptions o;
    o.server = std::move(url);
    o.websocket = options_.websocket;
    o.machine_key = id_.machine_key;
    o.capability_version = static_cast<std::uint16_t>(options_.capability_version);
    o.key_tls = std::move(key_tls);
    return o;
  }

  LockSyncOptions lock_options() const {
    LockSyncOptions o;
    o.capability_version = options_.capability_version;
    o.disallowed_state_ids = id_.disallowed_tka_state_ids;
    o.now = [] { return static_cast<tka::UnixTime>(std::time(nullptr)); };
    o.backoff_seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    return o;
  }

  void log(std::string_view line) const {
    if (options_.log) {
      options_.log(line);
      return;
    }
    std::cerr << line << "\n";
  }

  void publish(ClientEvent e) {
    std::shared_ptr<const std::map<std::uint64_t, Subscriber>> subs;
    {
      std::lock_guard<std::mutex> g(subscribers_mu_);
      subs = subscribers_;
    }
    // A subscriber that throws must not unwind the routine that published
    // (a lost retry timer would freeze the lock).
    for (const auto& [id, fn] : *subs) {
      try {
        fn(e);
      } catch (const std::exception& ex) {
        log(std::string("client: a subscriber threw: ") + ex.what());
      } catch (...) {
        log("client: a subscriber threw");
      }
    }
  }

  void publish_peers(const ChangeSet& changes) {
    for (const auto& c : changes) {
      const PeerEntry* e = table_.find(c.id);
      publish(ClientEvent{ClientEvent::Type::Peer, {}, c,
                          peer_status_of(*c.node, c.verdict, e ? e->reason : std::string(), c.exposed)});
    }
  }

  void set_state(BackendState s) {
    if (state_ == s) return;
    state_ = s;
    publish(ClientEvent{ClientEvent::Type::State, std::string(backend_state_name(s)), std::nullopt, std::nullopt});
  }

  void report(std::string text) {
    log(text);
    publish(ClientEvent{ClientEvent::Type::Error, std::move(text), std::nullopt, std::nullopt});
  }

  void shut_down() {
    stopping_ = true;
    work_.reset();
    conn_.close();
    lock_retry_.cancel();
    sleep_.cancel();
    expiry_timer_.cancel();
    if (watchdog_timer_) watchdog_timer_->cancel();
  }

  asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    if (stopping_) co_return;
    sleep_.expires_after(d);
    boost::system::error_code ignored;
    co_await sleep_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }

  tailcfg::Hostinfo hostinfo() const {
    tailcfg::Hostinfo h;
    h.ipn_version = std::string(kLatchkeyVersion);
    h.backend_log_id = id_.backend_log_id;
    h.os = "linux";
    h.app = "latchkey";
    h.hostname = options_.hostname.empty() ? host_name() : options_.hostname;
    return h;
  }

  // What this node says of itself in a MapRequest.
  MapRequestParams map_params(MapRequestKind kind) const {
    MapRequestParams p;
    p.kind = kind;
    p.version = options_.capability_version;
    p.node_key = id_.private_node_key.public_key();
    p.disco_key = disco_.public_key();
    p.hostinfo = hostinfo();
    p.tka_head = tka_head_;
    return p;
  }

  // The auth routine and the map routine, one after the other: log in,
  // stream until the stream ends, back off, stream again (log in again
  // when the server forgot us).
  asio::awaitable<void> main_loop() {
    handle_lock(lock_.start());
    Backoff backoff(random_);
    bool logged_in = false;
    main_running_ = true;
    while (!stopping_ && !logging_out_) {
      if (key_expired_) {
        // Log in again now, with a new node key (the pre-auth key again,
        // or interactive).
        key_expired_ = false;
        logged_in = false;
      }
      if (!logged_in) {
        auto st = co_await login();
        if (stopping_ || logging_out_) break;
        if (!st) {
          report("login: " + st.message());
          co_await sleep(st.kind() == ErrorKind::Contended ? login_wait_ : backoff.next_delay());
          continue;
        }
        logged_in = true;
      }
      auto end = co_await map_stream();
      if (stopping_ || logging_out_) break;
      total_.keepalive += session_.keepalive;
      total_.full += session_.full;
      total_.delta += session_.delta;
      total_.decode_errors += session_.decode_errors;
      session_ = {};
      if (end.got_message) backoff.reset();
      if (end.need_login) logged_in = false;
      if (key_expired_) continue;  // not a failure: no backoff
      ++reconnects_;
      report("map: " + end.error);
      co_await sleep(end.wait.count() > 0 ? end.wait : backoff.next_delay());
    }
    main_running_ = false;
    main_done_.cancel();  // a logout waiting for the routines to end
    if (stopping_) set_state(BackendState::Stopped);
  }

  // One login (upstream doLogin, as often as its answers ask): the stored
  // node key again, a pre-auth key, or interactive with its follow-up.
  asio::awaitable<Status> login() {
    LoginIntent intent;
    intent.interactive = options_.auth_key.empty() && id_.private_node_key.is_zero();
    intent.ephemeral = options_.ephemeral;
    LoginConfig config;
    config.auth_key = options_.auth_key;
    config.hostinfo = hostinfo();
    config.capability_version = options_.capability_version;
    if (netmap_.self() && !netmap_.self()->key_expiry.is_zero()) {
      config.node_key_expiry = netmap_.self()->key_expiry.to_system();
    }
    key::NodePrivate pending;
    auto flow = std::make_unique<LoginFlow>(intent, config);
    std::size_t logged = 0;
    while (!stopping_) {
      auto req = flow->build(id_, pending, std::chrono::system_clock::now());
      if (!req) co_return req.error();
      const bool followup = !req->followup.empty();
      auto reply = co_await conn_.rpc("POST", "/machine/register", tailcfg::encode_json(*req),
                                      followup ? std::chrono::milliseconds(0) : kRegisterDeadline, kRegisterMaxBody);
      if (!reply) co_return reply.error();
      auto step = flow->interpret(static_cast<int>(reply->status), reply->retry_after, reply->body,
                                  std::chrono::system_clock::now(), random_);
      for (; logged < flow->log().size(); ++logged) log("login: " + flow->log()[logged]);
      switch (step.kind) {
        case LoginStep::Kind::Done:
          id_ = std::move(*step.identity);
          if (auto st = dir_.save(id_); !st) co_return st.error();
          auth_url_.clear();
          co_return Status{};
        case LoginStep::Kind::AuthUrl: {
          if (step.identity) {
            id_ = std::move(*step.identity);
            if (auto st = dir_.save(id_); !st) co_return st.error();
          }
          pending = step.pending_node_key;
          if (step.auth_url != auth_url_) {
            auth_url_ = step.auth_url;
            log("login: waiting for the login at " + auth_url_);
            publish(ClientEvent{ClientEvent::Type::Login, auth_url_, std::nullopt, std::nullopt});
          }
          set_state(BackendState::NeedsLogin);
          LoginIntent next;
          next.kind = LoginIntent::Kind::Followup;
          next.followup_url = step.auth_url;
          next.ephemeral = options_.ephemeral;
          flow = std::make_unique<LoginFlow>(next, config);
          logged = 0;
          break;
        }
        case LoginStep::Kind::Regen:
          break;
        case LoginStep::Kind::RateLimited:
          ++retry_after_["/machine/register"];
          login_wait_ = step.retry_after;
          co_return Error{step.error, ErrorKind::Contended};
        case LoginStep::Kind::Error:
          co_return Error{step.error};
      }
    }
    co_return Error{"stopping", ErrorKind::Unavailable};
  }

  // One map stream, read until it ends.
  asio::awaitable<StreamEnd> map_stream() {
    StreamEnd end;
    // The watchdog covers the whole stream, from the request on: a server
    // that never answers is dropped like one that falls silent.
    const std::uint64_t stream = ++stream_gen_;
    last_rx_ = std::chrono::steady_clock::now();
    asio::co_spawn(io_, watchdog(stream), asio::detached);
    struct EndWatchdog {
      Impl* self;
      ~EndWatchdog() {
        ++self->stream_gen_;
        if (self->watchdog_timer_) self->watchdog_timer_->cancel();
        self->watchdog_timer_.reset();
      }
    } end_watchdog{this};
    auto response = co_await conn_.open("POST", "/machine/map",
                                        tailcfg::encode_json(MapSession::request(map_params(MapRequestKind::Stream))));
    if (!response) {
      end.error = response.message();
      ++map_errors_["transport"];
      co_return end;
    }
    auto& r = **response;
    if (r.status() != 200) {
      auto body = co_await r.read_body(kErrorBodyBytes);
      std::string text = body ? std::string(body->begin(), body->end()) : std::string();
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      end.error = "HTTP " + std::to_string(r.status()) + (text.empty() ? "" : ": " + text);
      end.need_login = r.status() == 401 || r.status() == 403;
      ++map_errors_["http_" + std::to_string(r.status())];
      if (r.status() == 429 || r.status() == 503) {
        ++retry_after_["/machine/map"];
        end.wait = parse_retry_after(r.header("retry-after").value_or(""), std::chrono::system_clock::now(), random_);
      }
      co_return end;
    }
    MapSession session;
    while (!stopping_ && !logging_out_) {
      auto chunk = co_await r.read_chunk();
      if (!chunk) {
        const bool watchdog = watchdog_fired_ == stream;
        end.error = watchdog ? "no message for " + duration_text(options_.map_watchdog) + "; reconnecting"
                             : chunk.message();
        ++map_errors_[watchdog ? "watchdog" : "transport"];
        break;
      }
      if (!chunk->has_value()) {
        end.error = "the server ended the stream";
        break;
      }
      if (stopping_ || logging_out_) break;
      if (key_expired_) {
        // The drop missed a stream still being dialed; its first message
        // ends it.
        end.error = "the node key expired";
        break;
      }
      last_rx_ = std::chrono::steady_clock::now();
      session.feed(**chunk);
      bool failed = false;
      while (true) {
        auto u = session.next();
        session_ = session.counters();
        if (!u) {
          end.error = u.message();
          ++map_errors_["decode"];
          failed = true;
          break;
        }
        if (!u->has_value()) break;
        end.got_message = true;
        on_update(std::move(**u));
      }
      if (failed) break;
    }
    co_return end;
  }

  asio::awaitable<void> watchdog(std::uint64_t stream) {
    auto timer = std::make_shared<asio::steady_timer>(io_);
    watchdog_timer_ = timer;
    while (!stopping_ && stream_gen_ == stream) {
      const auto due = last_rx_ + options_.map_watchdog;
      if (std::chrono::steady_clock::now() >= due) {
        log("map: no message for " + duration_text(options_.map_watchdog) + "; dropping the connection");
        watchdog_fired_ = stream;
        conn_.drop();
        co_return;
      }
      timer->expires_at(due);
      boost::system::error_code ignored;
      co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
  }

  // One map message: the non-peer state first, then the lock (upstream's
  // tkaSyncIfNeeded runs on every netmap), then the peers — held back
  // while a sync runs (the lock barrier).
  void on_update(MapUpdate&& u) {
    const bool first = u.first;
    PeerBatch peers = std::move(u.peers);
    netmap_.apply(std::move(u));
    if (first) set_state(BackendState::Running);
    watch_key_expiry();
    if (netmap_.self()) {
      handle_lock(lock_.on_netmap(netmap_.lock_want(), netmap_.tailnet_lock_capable(), netmap_.self()->key));
    }
    if (lock_.running() || !held_.empty()) {
      held_.push_back(std::move(peers));
      return;
    }
    publish_peers(table_.apply(std::move(peers)));
  }

  // The node key's expiry (the self node's KeyExpiry; an administrator may
  // move it to now): once it passes the map stream is dropped and the node
  // logs in again with a new key (LoginFlow regenerates it) — with the
  // pre-auth key when one was given, else interactively. Upstream's client
  // stops at NeedsLogin and waits for `tailscale up`; a daemon without a
  // user at hand renews by itself.
  void watch_key_expiry() {
    const auto& self = netmap_.self();
    // The map may still show the key a login just replaced.
    if (!self || self->key_expiry.is_zero() || self->key != id_.private_node_key.public_key()) {
      expiry_timer_.cancel();
      armed_expiry_ = {};
      return;
    }
    const auto expiry = self->key_expiry.to_system();
    if (expiry == armed_expiry_) return;
    armed_expiry_ = expiry;
    const key::NodePublic armed_key = self->key;
    // A steady timer, re-checked at least hourly against the wall clock.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(expiry - std::chrono::system_clock::now());
    expiry_timer_.expires_after(std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(1h)));
    expiry_timer_.async_wait([this, expiry, armed_key](const boost::system::error_code& ec) {
      if (ec || stopping_ || logging_out_ || armed_expiry_ != expiry) return;
      armed_expiry_ = {};
      // A login meanwhile (a 401) may have replaced the key already.
      if (id_.private_node_key.public_key() != armed_key) return;
      if (std::chrono::system_clock::now() < expiry) {
        watch_key_expiry();
        return;
      }
      log("login: the node key " + id_.private_node_key.public_key().short_string() +
          " expired; logging in again with a new one");
      key_expired_ = true;
      set_state(BackendState::NeedsLogin);
      conn_.drop();     // ends the map stream
      sleep_.cancel();  // or the wait before the next attempt
    });
  }

  // Logs out (upstream `tailscale logout`): the routines end, the server is
  // told the node key expires now, and the identity keeps only the machine
  // key whatever it answered. The peers are removed; the client stays
  // logged out until it is created again.
  asio::awaitable<void> do_logout(std::shared_ptr<std::promise<Status>> done) {
    if (logging_out_) {
      done->set_value(Error{"a logout is already in progress or done", ErrorKind::Conflict});
      co_return;
    }
    logging_out_ = true;
    expiry_timer_.cancel();
    lock_retry_.cancel();
    sleep_.cancel();
    conn_.drop();  // ends the map stream or the login waiting on it
    // Wait for the login and map routine to end: a login whose request was
    // already on its way commits its key, which is then the one logged out
    // (no node is left registered behind the logout).
    while (main_running_ && !stopping_) {
      main_done_.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ignored;
      co_await main_done_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    LoginIntent intent;
    intent.kind = LoginIntent::Kind::Logout;
    LoginConfig config;
    config.hostinfo = hostinfo();
    config.capability_version = options_.capability_version;
    Status result;
    // A node that never finished logging in has nothing to tell the server.
    if (!id_.private_node_key.is_zero()) {
      LoginFlow flow(intent, config);
      auto req = flow.build(id_, key::NodePrivate(), std::chrono::system_clock::now());
      if (!req) {
        result = req.error();
      } else {
        auto reply = co_await conn_.rpc("POST", "/machine/register", tailcfg::encode_json(*req), kRegisterDeadline,
                                        kRegisterMaxBody);
        if (!reply) {
          result = Error{"logout: " + reply.message(), reply.kind()};
        } else {
          auto step = flow.interpret(static_cast<int>(reply->status), reply->retry_after, reply->body,
                                     std::chrono::system_clock::now(), random_);
          if (step.kind != LoginStep::Kind::Done) result = Error{"logout: " + step.error, ErrorKind::Unavailable};
        }
      }
    }
    // Forgotten whatever the server said (as upstream).
    id_ = logged_out(id_);
    if (auto st = dir_.save(id_); !st && result) result = st.error();
    if (stopping_) {
      done->set_value(result);
      co_return;
    }
    PeerBatch gone;
    for (const auto& [id, e] : table_.sorted()) gone.removed.push_back(id);
    held_.clear();
    publish_peers(table_.apply(std::move(gone)));
    netmap_ = NetmapState();
    auth_url_.clear();
    log(result ? "logout: logged out" : "logout: " + result.message() + " (logged out locally)");
    set_state(BackendState::NeedsLogin);
    done->set_value(result);
  }

 public:
  Status logout() {
    if (!running_) return Error{"logout: the client is not running", ErrorKind::Conflict};
    if (std::this_thread::get_id() == io_thread_.load()) {
      return Error{"logout: not from a client callback", ErrorKind::Conflict};
    }
    auto done = std::make_shared<std::promise<Status>>();
    auto f = done->get_future();
    asio::post(io_, [this, done] { asio::co_spawn(io_, do_logout(done), asio::detached); });
    try {
      // Bounded by the register deadline while running; stop() ends it.
      while (f.wait_for(100ms) != std::future_status::ready) {
        if (!running_) return Error{"logout: the client stopped first", ErrorKind::Conflict};
      }
      return f.get();
    } catch (const std::future_error&) {
      return Error{"logout: the client stopped first", ErrorKind::Conflict};
    }
  }

 private:
  void release_held() {
    if (lock_.running()) return;
    while (!held_.empty()) {
      PeerBatch b = std::move(held_.front());
      held_.pop_front();
      publish_peers(table_.apply(std::move(b)));
    }
  }

  void handle_lock(LockActions actions) {
    for (auto& a : actions) {
      std::visit(Overloaded{
                     [&](lock_action::Rpc& r) { asio::co_spawn(io_, run_rpc(std::move(r)), asio::detached); },
                     [&](lock_action::InstallLock& i) {
                       const auto before = table_.lock().state;
                       // The held batches go in with the authority they
                       // waited for, once its sync has ended.
                       std::vector<PeerBatch> held;
                       if (!lock_.running()) {
                         held.assign(std::make_move_iterator(held_.begin()), std::make_move_iterator(held_.end()));
                         held_.clear();
                       }
                       publish_peers(table_.set_lock(std::move(i.view), std::move(held)));
                       if (table_.lock().state != before || table_.lock().state == LockView::State::Active) {
                         publish(ClientEvent{ClientEvent::Type::Lock, std::string(lock_state_name(table_.lock().state)),
                                             std::nullopt, std::nullopt});
                       }
                     },
                     [&](lock_action::SetTkaHead& h) {
                       if (h.head_text == tka_head_) return;
                       tka_head_ = std::move(h.head_text);
                       if (state_ == BackendState::Running) asio::co_spawn(io_, lite_update(), asio::detached);
                     },
                     [&](lock_action::Error& e) {
                       last_sync_error_ = std::string(stage_name(e.stage)) + ": " + e.text;
                       report("tailnet lock: sync failed (" + last_sync_error_ + ")");
                     },
                     [&](lock_action::Log& l) { log("tailnet lock: " + l.text); },
                     [&](lock_action::RetryAt& r) {
                       lock_retry_.expires_after(r.delay);
                       lock_retry_.async_wait([this](const boost::system::error_code& ec) {
                         if (ec || stopping_ || logging_out_) return;
                         handle_lock(lock_.on_retry());
                       });
                     },
                 },
                 a);
    }
    release_held();
  }

  asio::awaitable<void> run_rpc(lock_action::Rpc r) {
    auto reply = co_await conn_.rpc("GET", r.path, std::move(r.body), options_.lock_rpc_deadline, r.max_response_bytes);
    if (stopping_ || logging_out_) co_return;
    if (!reply) {
      log("tailnet lock: " + reply.message());
      handle_lock(lock_.on_timeout(r.kind));
      co_return;
    }
    if (reply->status == 429 || reply->status == 503) ++retry_after_[r.path];
    auto next = lock_.on_reply(r.kind, reply->status, reply->body);
    const bool failed = std::any_of(next.begin(), next.end(),
                                    [](const LockAction& a) { return std::holds_alternative<lock_action::Error>(a); });
    handle_lock(std::move(next));
    if (!failed && !lock_.running()) last_sync_at_ = std::chrono::system_clock::now();
  }

  // Tells the server the new local lock head (upstream's lite map update
  // after a sync).
  asio::awaitable<void> lite_update() {
    auto reply = co_await conn_.rpc("POST", "/machine/map",
                                    tailcfg::encode_json(MapSession::request(map_params(MapRequestKind::LiteUpdate))),
                                    30s, kErrorBodyBytes);
    if (stopping_ || logging_out_) co_return;
    if (!reply) {
      log("map: lite update: " + reply.message());
    } else if (reply->status != 200) {
      log("map: lite update: HTTP " + std::to_string(reply->status));
    }
  }

  static std::vector<std::string> prefixes(const tailcfg::Node& n) {
    std::vector<std::string> out;
    if (n.addresses) {
      for (const auto& p : *n.addresses) out.push_back(p.to_string());
    }
    return out;
  }

  static PeerStatus peer_status_of(const tailcfg::Node& n, LockVerdict verdict, std::string reason, bool exposed) {
    PeerStatus p;
    p.name = n.name;
    p.node_id = n.id;
    p.node_key = n.key;
    p.addresses = prefixes(n);
    p.online = n.online.value_or(false);
    p.lock_verdict = verdict;
    p.lock_reason = std::move(reason);
    p.exposed = exposed;
    return p;
  }

  ClientStatus make_status() const {
    ClientStatus s;
    s.backend_state = state_;
    s.auth_url = auth_url_;
    if (const auto& self = netmap_.self()) {
      s.self.name = self->name;
      s.self.node_id = self->id;
      s.self.stable_id = self->stable_id;
      s.self.node_key = self->key;
      s.self.addresses = prefixes(*self);
      s.self.online = state_ == BackendState::Running;
      if (!self->key_expiry.is_zero()) s.self.key_expiry = self->key_expiry.to_system();
      auto j = table_.judge_node(*self);
      s.self.lock_verdict = j.verdict;
      s.self.lock_reason = std::move(j.reason);
    }
    for (const auto& [id, e] : table_.sorted()) {
      s.peers.push_back(peer_status_of(*e->node, e->verdict, e->reason, e->exposed));
    }
    LockStatus& l = s.lock;
    l.state = table_.lock().state;
    l.mode = table_.mode();
    if (const auto* a = lock_.authority()) {
      l.head = a->head().to_string();
      const auto [id1, id2] = a->state_ids();
      l.state_id = std::to_string(id1) + ":" + std::to_string(id2);
      for (const auto& k : a->keys()) {
        if (k.public_key && k.public_key->size() == 32) {
          crypto::Ed25519Public raw{};
          std::copy(k.public_key->begin(), k.public_key->end(), raw.begin());
          l.trusted_keys.push_back({key::NLPublic::from_raw(raw).cli_string(), static_cast<std::uint32_t>(k.votes)});
        }
      }
    }
    if (!id_.network_lock_key.is_zero()) l.nl_public = id_.network_lock_key.public_key().cli_string();
    l.would_reject_total = table_.counters().would_reject_total;
    l.rejected_total = table_.counters().rejected_total;
    l.last_sync_error = last_sync_error_;
    l.last_sync_at = last_sync_at_;
    StatusCounters& c = s.counters;
    c.map_frames_total = {total_.keepalive + session_.keepalive, total_.full + session_.full,
                          total_.delta + session_.delta};
    c.map_errors_total = map_errors_;
    c.reconnects_total = reconnects_;
    for (std::size_t i = 0; i < kLockVerdictCount; ++i) c.lock_peers[i] = table_.counters().peers[i];
    c.lock_sync_errors_total = lock_.counters().sync_errors_total;
    c.retry_after_total = retry_after_;
    return s;
  }

  ClientOptions options_;
  StateDirectory dir_;
  Identity id_;
  std::unique_ptr<tka::DirectoryStorage> storage_;
  UnitRandom random_;
  key::DiscoPrivate disco_ = key::DiscoPrivate::generate();

  // Declared before everything that holds its executor, so it outlives them.
  asio::io_context io_{1};
  std::thread thread_;
  std::atomic<std::thread::id> io_thread_{};
  std::atomic<bool> running_{false};
  bool stopping_ = false;

  ControlConn conn_;
  NetmapState netmap_;
  PeerTable table_;
  LockSync lock_;
  std::deque<PeerBatch> held_;  // the lock barrier's queue
  std::string tka_head_;
  asio::steady_timer lock_retry_;
  asio::steady_timer sleep_;
  std::chrono::milliseconds login_wait_{0};
  asio::steady_timer expiry_timer_;
  std::chrono::system_clock::time_point armed_expiry_{};  // the expiry expiry_timer_ waits for
  bool key_expired_ = false;   // the map stream was dropped to log in again
  bool logging_out_ = false;
  bool main_running_ = false;
  asio::steady_timer main_done_;  // cancelled when main_loop ends
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;

  std::uint64_t stream_gen_ = 0;
  std::uint64_t watchdog_fired_ = 0;
  std::chrono::steady_clock::time_point last_rx_{};
  std::shared_ptr<asio::steady_timer> watchdog_timer_;

  std::atomic<BackendState> state_{BackendState::Starting};
  std::string auth_url_;
  std::string last_sync_error_;
  MapSessionCounters total_, session_;
  std::optional<std::chrono::system_clock::time_point> last_sync_at_;
  std::map<std::string, std::uint64_t> map_errors_;   // by kind
  std::uint64_t reconnects_ = 0;
  std::map<std::string, std::uint64_t> retry_after_;  // by request path

  mutable std::mutex subscribers_mu_;
  std::shared_ptr<const std::map<std::uint64_t, Subscriber>> subscribers_ =
      std::make_shared<std::map<std::uint64_t, Subscriber>>();
  std::uint64_t subscriber_ids_ = 0;
};

Result<std::unique_ptr<Client>> Client::create(ClientOptions options) {
  auto url = transport::parse_control_url(options.login_server);
  if (!url) return Error{"--login-server: " + url.message()};
  if (options.state_dir.empty()) return Error{"no state directory"};
  if (options.lock_rpc_deadline.count() <= 0) return Error{"the lock RPC deadline must be positive"};
  if (options.map_watchdog.count() <= 0) return Error{"the map watchdog must be positive"};
  // The login server's certificate is checked against these roots.
  std::shared_ptr<asio::ssl::context> key_tls;
  try {
    key_tls = transport::verifying_tls_client_context(options.tls_ca_file);
  } catch (const std::exception& e) {
    return Error{"--tls-ca-file " + options.tls_ca_file + ": " + e.what(), ErrorKind::Invalid};
  }
  auto dir = StateDirectory::open(options.state_dir);
  if (!dir) return dir.error();
  auto identity = dir->load_or_create(url->url);
  if (!identity) return identity.error();
  const auto log = options.log ? options.log : [](std::string_view line) { std::cerr << line << "\n"; };
  auto storage = open_lock_storage(dir->path(), log);
  if (!storage) return storage.error();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*url), std::move(*dir), std::move(*identity),
                                     std::move(*storage), std::move(key_tls));
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;
void Client::start() { impl_->start(); }
void Client::stop() { impl_->stop(); }
Status Client::logout() { return impl_->logout(); }
ClientStatus Client::status() const { return impl_->status(); }
std::optional<tailcfg::Node> Client::self_node() const { return impl_->self_node(); }
std::vector<std::shared_ptr<const tailcfg::Node>> Client::exposed_peers() const { return impl_->exposed_peers(); }
std::uint64_t Client::subscribe(Subscriber fn) { return impl_->subscribe(std::move(fn)); }
void Client::unsubscribe(std::uint64_t id) { impl_->unsubscribe(id); }

}  // namespace latchkey::client
