// PeerTable: the client's one source of truth for peers. Every change goes
// through one of two doors — apply() for what the map stream says about
// peers, set_lock() for a new authority (or none) — and both end in the same
// place: each touched peer's Tailnet Lock verdict is recomputed, its
// exposure decided by the mode, transitions logged once and counted. There
// is no other way to add, change or remove a peer.
//
// Verify-and-log (the default) admits every peer and counts the ones the
// lock would have refused; enforce exposes only peers the lock admits.
// While the lock is wanted but no verified authority exists the view is
// Pending and every peer is admitted (fail-open).
//
// Costs: a delta touches only the peers it names, plus the peers whose node
// key a changed rotation signature names (RotationIndex); cryptography runs
// only for a new (key, signature) pair by a trusted key. set_lock()
// re-verifies only signatures whose key ID became trusted, in batches.
// Not thread-safe: one owner (the client's I/O strand).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client/lock_verdict.h"
#include "client/peer_batch.h"
#include "client/rotation_index.h"
#include "tailcfg/go_time.h"
#include "tailcfg/node.h"

namespace latchkey::client {

enum class LockMode : std::uint8_t { VerifyAndLog, Enforce };

struct PeerEntry {
  std::shared_ptr<const tailcfg::Node> node;  // copy-on-write for patches
  SigCheck check;                             // for (node->key, node->key_signature)
  LockVerdict verdict = LockVerdict::None;
  std::string reason;  // why the lock refuses the peer; empty otherwise
  bool exposed = true;
};

// One peer's change, as subscribers receive it.
struct PeerEvent {
  enum class Kind : std::uint8_t { Added, Changed, Removed };
  Kind kind = Kind::Changed;
  tailcfg::NodeId id = 0;
  std::shared_ptr<const tailcfg::Node> node;  // the new node; the last one for Removed
  LockVerdict old_verdict = LockVerdict::None;
  LockVerdict verdict = LockVerdict::None;
  bool was_exposed = false;
  bool exposed = false;
};
using ChangeSet = std::vector<PeerEvent>;

struct LockCounters {
  std::array<std::size_t, kLockVerdictCount> peers{};  // current peers per verdict
  std::uint64_t would_reject_total = 0;  // transitions into a refusal, verify-and-log mode
  std::uint64_t rejected_total = 0;      // the same, enforce mode
  std::uint64_t verifications_total = 0; // Ed25519 checks run (single or batched)
};

class PeerTable {
 public:
  using Clock = std::function<tailcfg::GoTime()>;
  using LogSink = std::function<void(std::string_view line)>;

  PeerTable(LockMode mode, Clock now, LogSink log);

  // The peer part of one map message, in upstream's order.
  ChangeSet apply(PeerBatch&& batch);
  // Installs the authority every verdict is judged against and re-judges
  // every peer (the sweep). `then`: peer batches that arrived while the
  // authority was being fetched (the client's lock barrier), applied under
  // it as part of the same change: one transition per peer, from its
  // state before to its state after all of it.
  ChangeSet set_lock(std::shared_ptr<const LockView> view, std::vector<PeerBatch> then = {});

  // The verdict `node` would get (the self node: anything but Authorized
  // there means this node is locked out).
  Judgement judge_node(const tailcfg::Node& node) const;

  const LockView& lock() const { return *view_; }
  LockMode mode() const { return mode_; }
  const LockCounters& counters() const { return counters_; }
  std::size_t size() const { return peers_.size(); }
  const PeerEntry* find(tailcfg::NodeId id) const;
  // Every peer, by ID (O(N); for status and snapshots).
  std::vector<std::pair<tailcfg::NodeId, const PeerEntry*>> sorted() const;

 private:
  // The peers one change set touches, each with its state before it.
  struct Before {
    tailcfg::NodeId id;
    std::shared_ptr<const tailcfg::Node> node;  // null: the peer did not exist
    LockVerdict verdict;
    bool exposed;
  };
  struct Touched {
    std::vector<Before> list;
    std::unordered_set<tailcfg::NodeId> ids;
  };
  void apply_into(PeerBatch&& batch, Touched& touched);
  // The single place a node enters or changes, and the one it leaves by.
  void put(std::shared_ptr<const tailcfg::Node> node, Touched& touched);
  void remove(tailcfg::NodeId id, Touched& touched);
  void note(tailcfg::NodeId id, Touched& touched);
  void note_keys(const std::unordered_set<key::NodePublic>& keys, Touched& touched);
  // Contribution of a verified rotation signature under the current view.
  const RotationFacts* rotation_of(const PeerEntry& e) const;
  void index_key(const key::NodePublic& key, tailcfg::NodeId id, bool add);
  void verify_one(PeerEntry& e);
  void rejudge(PeerEntry& e);
  ChangeSet finish(Touched& touched);

  LockMode mode_;
  Clock now_;
  LogSink log_;
  std::shared_ptr<const LockView> view_;
  std::unordered_map<tailcfg::NodeId, PeerEntry> peers_;
  std::unordered_map<key::NodePublic, std::vector<tailcfg::NodeId>> by_key_;
  RotationIndex rotation_;
  LockCounters counters_;
};

}  // namespace latchkey::client
