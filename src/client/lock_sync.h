// LockSync: how a node acquires and follows its tailnet's lock (upstream
// ipn/ipnlocal/tailnet-lock.go tkaSyncIfNeeded, tkaBootstrapFromGenesisLocked,
// tkaApplyDisablementLocked, tkaSyncLocked), as a state machine without I/O.
// Events go in (a full netmap, an RPC's answer or timeout, a retry timer);
// actions come out (send this RPC, install this LockView, put this head in
// MapRequest.TKAHead, report this failure, call on_retry() after a delay).
// The driver performs the actions, one RPC at a time.
//
// One run per full netmap, as upstream: bootstrap when the local and wanted
// enabled-ness differ (enable from the genesis control hands out, or disable
// with its secret), then sync (offer, inform, send) when enabled and the
// heads differ or the lock was just enabled, then compact. Unlike upstream,
// a failed run is retried with upstream's backoff formula instead of
// waiting for the next netmap, and every failure is reported and counted.
//
// Fail-open: while the lock is wanted and no authority has been verified,
// the installed view is LockView::pending(); once one has, a failed run
// keeps the last verified authority installed. Storage only ever holds
// verified AUMs (bootstrap and inform are all-or-nothing), so the installed
// view never reflects an answer that failed verification.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "client/lock_verdict.h"
#include "client/lock_want.h"
#include "key/node_key.h"
#include "tailcfg/types.h"
#include "tka/authority.h"
#include "tka/storage.h"
#include "tka/sync.h"

namespace latchkey::client {

// The three Tailnet Lock RPCs a node makes on its own.
enum class RpcKind : std::uint8_t { Bootstrap, SyncOffer, SyncSend };

// "/machine/tka/bootstrap", "/machine/tka/sync/offer", "/machine/tka/sync/send".
std::string_view rpc_path(RpcKind kind);
// The largest answer upstream reads: 1 MiB for bootstrap, 10 MiB for sync.
std::size_t rpc_max_response_bytes(RpcKind kind);

// Where a run failed; each stage has its own error counter.
enum class SyncStage : std::uint8_t {
  Storage,    // the stored authority does not open
  Netmap,     // the netmap lacks what a run needs (our node key)
  Bootstrap,  // /machine/tka/bootstrap, or the genesis it returned
  Disable,    // removing local lock state after a valid disablement
  Offer,      // /machine/tka/sync/offer, or control's offer in its answer
  Inform,     // the AUMs control says we miss
  Send,       // /machine/tka/sync/send
  Compact,    // compaction after a sync
};
inline constexpr std::size_t kSyncStageCount = 8;
// "storage", "netmap", "bootstrap", "disable", "offer", "inform", "send", "compact".
std::string_view stage_name(SyncStage stage);

// What the driver does. (A namespace of its own: its Error is not
// latchkey::Error.)
namespace lock_action {

// Send a GET with this JSON body over the Noise connection; report the answer
// with on_reply(kind, …) or its absence with on_timeout(kind).
struct Rpc {
  RpcKind kind = RpcKind::Bootstrap;
  std::string path;
  std::string body;
  std::size_t max_response_bytes = 0;
};
// Judge peers against this view from now on.
struct InstallLock {
  std::shared_ptr<const LockView> view;
};
// The TKAHead of the next MapRequests ("" without a local authority).
struct SetTkaHead {
  std::string head_text;
};
// A run failed at `stage`; counted, and a RetryAt follows.
struct Error {
  SyncStage stage = SyncStage::Bootstrap;
  std::string text;
};
// Something worth a log line that is not a failure (upstream only logs it).
struct Log {
  std::string text;
};
// Call on_retry() after this delay.
struct RetryAt {
  std::chrono::milliseconds delay{0};
};

}  // namespace lock_action

using LockAction = std::variant<lock_action::Rpc, lock_action::InstallLock, lock_action::SetTkaHead,
                                lock_action::Error, lock_action::Log, lock_action::RetryAt>;
using LockActions = std::vector<LockAction>;

struct LockSyncOptions {
  // The Version of every request; upstream's testcontrol refuses any other
  // than its own.
  tailcfg::CapabilityVersion capability_version = tailcfg::kCurrentCapabilityVersion;
  // Persist.DisallowedTKAStateIDs: "StateID1:StateID2" of authorities this
  // node must not bootstrap (left by `lock local-disable`).
  std::vector<std::string> disallowed_state_ids;
  // Compaction's notion of now (seconds since the Unix epoch).
  std::function<tka::UnixTime()> now;
  // Seeds the backoff's jitter.
  std::uint64_t backoff_seed = 0;
};

struct LockSyncCounters {
  // lock_sync_errors_total{stage}
  std::array<std::uint64_t, kSyncStageCount> sync_errors_total{};
};

class LockSync {
 public:
  // `storage` holds the node's lock state (empty when it has none) and must
  // outlive this object; nothing else may write to it.
  LockSync(tka::CompactableStorage& storage, LockSyncOptions options);

  // Opens the stored authority, if any: the first view and TKAHead.
  LockActions start();
  // A full-rebuild-class map message: upstream's tkaSyncIfNeeded point.
  // `has_cap`: the self node carries the tailnet-lock capability.
  LockActions on_netmap(const LockWant& want, bool has_cap, const key::NodePublic& self_key);
  // The answer to the outstanding Rpc of this kind.
  LockActions on_reply(RpcKind kind, unsigned http_status, std::string_view body);
  // The outstanding Rpc of this kind got no (complete) answer in time.
  LockActions on_timeout(RpcKind kind);
  // The delay of the last RetryAt has passed.
  LockActions on_retry();

  // The local authority, or null when the lock is off for this node.
  const tka::Authority* authority() const { return authority_ ? &*authority_ : nullptr; }
  // The view most recently installed.
  const std::shared_ptr<const LockView>& view() const { return view_; }
  // An RPC is outstanding.
  bool running() const { return phase_ != Phase::Idle && phase_ != Phase::WaitingRetry; }
  const LockSyncCounters& counters() const { return counters_; }

 private:
  enum class Phase : std::uint8_t { Idle, AwaitBootstrap, AwaitOffer, AwaitSend, WaitingRetry };

  // Upstream's decision: bootstrap, sync or nothing, for the latest netmap.
  void evaluate(LockActions& out);
  void sync_if_needed(LockActions& out);
  void start_sync(LockActions& out);
  void finish_sync(LockActions& out);
  void finish_run(LockActions& out);
  void fail(LockActions& out, SyncStage stage, std::string text);
  // Installs the view and TKAHead the current authority calls for.
  void settle(LockActions& out);
  Status bootstrap_from_genesis(ByteView genesis);
  // Whether the run goes on (a wrong secret is only logged).
  bool apply_disablement(LockActions& out, ByteView secret);
  void on_bootstrap_answer(LockActions& out, std::string_view body);
  void on_offer_answer(LockActions& out, std::string_view body);
  void on_send_answer(LockActions& out, std::string_view body);
  template <class Request>
  void send_rpc(LockActions& out, RpcKind kind, const Request& request);
  bool awaiting(RpcKind kind) const;
  bool wanted() const;
  std::chrono::milliseconds next_backoff();

  tka::CompactableStorage& storage_;
  LockSyncOptions options_;
  std::optional<tka::Authority> authority_;

  LockWant want_;
  bool has_cap_ = false;
  key::NodePublic self_key_;
  bool have_netmap_ = false;
  bool netmap_during_run_ = false;  // re-evaluate when the run ends
  bool reported_ignored_ = false;   // the capability gate's log line, once

  Phase phase_ = Phase::Idle;
  bool bootstrap_to_enable_ = false;  // the outstanding bootstrap's purpose
  bool sync_owed_ = false;            // just enabled, or the last sync failed
  tka::SyncOffer our_offer_;          // sent in the outstanding sync/offer

  std::shared_ptr<const LockView> view_;
  std::string head_text_;
  bool announced_ = false;  // view_ and head_text_ were emitted once

  unsigned consecutive_failures_ = 0;
  std::mt19937_64 rng_;
  LockSyncCounters counters_;
};

}  // namespace latchkey::client
