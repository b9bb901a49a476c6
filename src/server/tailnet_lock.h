// TailnetLock: the server's side of Tailnet Lock — the /machine/tka/* RPCs
// (upstream ipn/ipnlocal/tailnet-lock.go is the client that calls them;
// tailcfg/tka.go the bodies), the lock's AUM chain and node-key signatures
// in the store, and what map streams must show of them.
//
// The server holds no signing key: it relays and stores what nodes signed,
// and checks everything it is given with the lock's own rules (tka/), so
// that a forged AUM or signature is refused here as clients would refuse
// it. Every change commits in one store transaction (AUMs, signatures and
// mode together) before the in-memory authority moves and the change is
// published to the netmap.
//
// Threading: one mutex of its own, held for a whole RPC (the lock changes
// rarely; RPCs are serialised, which also keeps the chain linear). Callers
// run RPCs on a blocking executor, never on an I/O thread: a call may wait
// on the database, verify thousands of signatures, or run Argon2i. The
// `publish` callback is made with the mutex held, so the netmap sees the
// lock's changes in commit order (lock order: TailnetLock, then Tailnet).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "key/machine_key.h"
#include "key/node_key.h"
#include "server/metrics.h"
#include "store/store.h"
#include "tailcfg/tka.h"
#include "tka/authority.h"

namespace latchkey::server {

// What the netmap must show after a lock change.
struct LockPublication {
  // Set when the lock's state as maps show it changed (TKAInfo).
  bool info_changed = false;
  std::optional<tailcfg::TkaInfo> info;
  // Node-key signatures that changed (empty bytes: removed).
  std::vector<std::pair<store::NodeId, Bytes>> signatures;
};

class TailnetLock {
 public:
  using Clock = std::chrono::system_clock;
  enum class Mode { Off, Enabled, Disabled };

  // The node an RPC comes from: the Noise peer owns NodeKey, and the node
  // is authorized and unexpired (the caller checked).
  struct Caller {
    store::NodeId node = 0;
    key::NodePublic node_key;
    // Whether the node's user may change the lock (init, sign, add/remove
    // keys, disable): tailnet_lock.administrators in the server config.
    // Every node may follow it (bootstrap, sync).
    bool administrator = true;
  };
  // Finds the caller for a request's NodeKey and the connection's machine
  // key; nullopt when the key is unknown, not the machine's, or expired.
  using CallerLookup =
      std::function<std::optional<Caller>(const key::NodePublic&, const key::MachinePublic&, Clock::time_point)>;
  using Publish = std::function<void(const LockPublication&)>;

  // An RPC's answer: 200 with a JSON body, or an error status with text
  // (upstream's client shows any non-200 body to the user verbatim).
  struct Reply {
    unsigned status = 200;
    std::string body;
  };

  // Reads the lock's mode, chain and signatures from the store.
  static Result<std::unique_ptr<TailnetLock>> load(std::shared_ptr<store::Store> store, ServerMetrics* metrics);

  // Set once, before RPCs arrive.
  void set_caller_lookup(CallerLookup lookup) { lookup_ = std::move(lookup); }
  void set_publish(Publish publish) { publish_ = std::move(publish); }

  // Everything the netmap shows of the lock now (TKAInfo and every
  // signature): what a freshly loaded Tailnet starts from.
  LockPublication current() const;
  Mode mode() const;
  // The lock's state while it is enabled (nullptr otherwise), for checking
  // the node-key signatures that registrations carry; readable without the
  // lock's mutex, so a registration never waits on a lock RPC.
  std::shared_ptr<const tka::State> enabled_state() const { return snapshot_.load(); }

  // What the server admin sees of the lock (server/lock_admin.h): the mode,
  // and while enabled the state at the head and whether init/finish left a
  // support disablement secret with the server.
  struct AdminView {
    Mode mode = Mode::Off;
    std::shared_ptr<const tka::State> state;  // while enabled
    bool support_disablement = false;
  };
  Result<AdminView> admin_view() const;
  // One AUM of the active chain and when this server first stored it.
  struct ChainEntry {
    tka::Aum aum;
    std::optional<Clock::time_point> committed_at;
  };
  // The active chain from the head back towards the oldest ancestor, newest
  // first, at most `limit` AUMs; empty unless the lock is enabled.
  Result<std::vector<ChainEntry>> recent_chain(std::size_t limit) const;
  // The server admin's `lock disable --support`: disables the lock with the
  // support disablement secret init/finish stored, as a node's `disable` RPC
  // does with its secret. 409 when the lock is not enabled or the server
  // holds no (valid) support secret.
  Reply disable_with_support_secret();

  // One RPC: `endpoint` is the path after /machine/tka/ ("init/begin",
  // "sync/offer", ...); `body` the request's JSON.
  Reply handle(std::string_view endpoint, ByteView body, const key::MachinePublic& machine, Clock::time_point now);

  // The RPCs handle() answers.
  static constexpr std::array<std::string_view, 8> kEndpoints = {
      "init/begin", "init/finish", "bootstrap", "sync/offer", "sync/send", "sign", "affected-sigs", "disable"};

 private:
  TailnetLock(std::shared_ptr<store::Store> store, ServerMetrics* metrics)
      : store_(std::move(store)), metrics_(metrics) {}
  Status load_locked();

  Reply init_begin(const Caller& caller, ByteView body, Clock::time_point now);
  Reply init_finish(const Caller& caller, ByteView body, Clock::time_point now);
  Reply bootstrap(const Caller& caller, ByteView body);
  Reply sync_offer(const Caller& caller, ByteView body);
  Reply sync_send(const Caller& caller, ByteView body, Clock::time_point now);
  Reply sign(const Caller& caller, ByteView body, Clock::time_point now);
  Reply affected_sigs(const Caller& caller, ByteView body);
  Reply disable(const Caller& caller, ByteView body);
  // Switches the lock off with `secret` (already checked against the
  // state): what disable() and disable_with_support_secret() share. `by`
  // says who, for the log.
  Reply commit_disable(const Bytes& secret, std::string_view by);

  // A refusal: counted as tka_<reason> and logged at debug level.
  Reply refuse(unsigned status, std::string_view reason, std::string message);
  Reply not_administrator();
  // Publishes enabled_state() after the authority changed.
  void snapshot_locked();

  std::shared_ptr<store::Store> store_;
  ServerMetrics* metrics_;
  CallerLookup lookup_;
  Publish publish_;

  mutable std::mutex mu_;  // guards everything below
  Mode mode_ = Mode::Off;
  std::optional<tka::Authority> authority_;  // while enabled
  Bytes disablement_secret_;                 // after a disable: what nodes bootstrap with
  // A begun initialization: the proposed genesis, replayed in memory, and
  // who began it. Nothing is stored until init/finish.
  struct PendingInit {
    tka::Aum genesis;
    tka::Authority authority;
    store::NodeId by = 0;
  };
  std::optional<PendingInit> pending_;
  std::atomic<std::shared_ptr<const tka::State>> snapshot_;
};

}  // namespace latchkey::server
