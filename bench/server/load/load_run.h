// LoadRun: one load measurement against a real `latchkey serve` process —
// N simulated nodes, each with its own TS2021 connection (real Noise over
// loopback), registered with a reusable pre-auth key, each following a
// streaming map (zstd, as upstream clients ask) and keeping its own peer
// set from the full map and the deltas. Then K endpoint changes, each sent
// as a lite MapRequest (Stream false, OmitPeers, new Endpoints) the way
// upstream clients report them, timed until every other node's stream
// delivered it. Optionally (lock_changes > 0) then the Tailnet Lock: node 0
// enables it with every node signed (init/begin, init/finish, timed over
// the wire), and K `sign` RPCs re-sign one node each, timed until every
// other node's stream delivered the new KeySignature; then node 0 adds a
// key (sync/send of one AUM) and every node syncs as upstream's client does
// when TKAInfo shows a new head (sync/offer from the old head, the missing
// AUM back, sync/send), timed for the sync rate. Server CPU and RSS come from /proc/<pid> of the server
// process only. The core of bench/server/load (latchkey_load) and of the
// smoke test in tests/server.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "proc_stats.h"

namespace latchkey::load {

struct LoadOptions {
  std::string server_binary;         // the latchkey executable
  std::filesystem::path work_dir;    // an existing directory for config, database, log
  std::size_t nodes = 250;
  int changes = 20;                  // endpoint changes to time
  int client_threads = 2;            // one single-threaded io_context each
  int server_threads = 2;            // `threads:` in the server's config
  // Nodes dialing + registering, or waiting for their first full map, at
  // the same time (clients arrive as a crowd, not all in one instant).
  std::size_t in_flight = 64;
  std::chrono::seconds phase_timeout{900};
  std::chrono::milliseconds change_timeout{std::chrono::seconds(30)};
  // Quiet time after everyone is online before the idle RSS is read, and
  // between changes (so each change is its own batch).
  std::chrono::milliseconds settle{std::chrono::seconds(2)};
  std::chrono::milliseconds change_gap{std::chrono::milliseconds(200)};
  // The lock phase: 0 skips it (and nodes then register without NLKey).
  int lock_changes = 0;
  std::function<void(const std::string&)> progress;  // optional progress lines
};

struct LoadResult {
  std::size_t nodes = 0;
  std::size_t registered = 0;
  std::size_t full_maps = 0;  // nodes that received their first full map
  std::size_t complete = 0;   // nodes whose view held all N-1 peers
  double register_seconds = 0;
  double online_seconds = 0;  // first map request to the last node's complete view
  int changes_sent = 0;
  int changes_complete = 0;   // changes every other node received
  std::vector<double> delivery_ms;  // one per (change, receiving node)
  std::vector<double> change_ms;    // per change: until the last node had it
  // The lock phase (when asked for).
  bool lock_requested = false;
  bool lock_enabled = false;          // init/finish answered 200 and every stream showed TKAInfo
  std::size_t lock_signatures = 0;    // node signatures sent in init/finish
  double lock_init_finish_ms = 0;     // init/finish sent until its answer (verification and commit)
  double lock_enabled_seconds = 0;    // init/finish sent until every stream had TKAInfo
  double lock_signed_seconds = 0;     // ... until every node had every peer's KeySignature
  int lock_changes_sent = 0;
  int lock_changes_complete = 0;
  std::vector<double> lock_delivery_ms;  // one per (sign, receiving node)
  std::vector<double> lock_change_ms;    // per sign: until the last node had it
  // Every node's sync after a new head: sync/offer + sync/send pairs.
  double lock_head_seconds = 0;          // the new head's sync/send until every stream had it
  std::size_t lock_syncs = 0;            // pairs that got the expected answers
  double lock_sync_seconds = 0;          // all pairs, `in_flight` at a time
  std::vector<double> lock_sync_ms;      // per pair
  ProcStats server_before_syncs, server_after_syncs;
  ProcStats server_before_lock, server_locked, server_after_lock;
  // Server process figures at the phase boundaries.
  ProcStats server_start, server_registered, server_online, server_idle, server_after_changes;
  std::size_t stream_restarts = 0;  // map streams the server ended and the node reopened
  std::size_t errors = 0;
  std::string first_error;
  std::uint64_t wire_bytes = 0;       // map stream bytes received (framed, compressed)
  std::uint64_t json_bytes = 0;       // after decompression
  std::uint64_t messages = 0;         // map messages received (keepalives included)
  std::string server_exit;            // how the server process ended
  std::string server_log_tail;        // when something failed

  bool passed() const {
    return errors == 0 && registered == nodes && complete == nodes && changes_complete == changes_sent &&
           (!lock_requested ||
            (lock_enabled && lock_changes_complete == lock_changes_sent && lock_syncs == nodes));
  }
};

Result<LoadResult> run_load(const LoadOptions& options);

// Percentile (0..100) of unsorted samples, nearest rank; 0 for none.
double percentile(std::vector<double> samples, double p);

}  // namespace latchkey::load
