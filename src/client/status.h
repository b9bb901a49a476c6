// ClientStatus: what a running client reports about itself — the document
// `latchkey status --json` prints, `GET /status` on the client's socket
// serves and the C API hands out (docs/client-design.md §5.6, "schema": 1).
// Plain data: the driver fills it from its own state; this file only turns
// it into the stable JSON text and reads that text back strictly, so the
// CLI can render a table from what the daemon sent. Field order in the
// JSON is fixed (it is an interface); absent times are null.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "client/lock_sync.h"
#include "client/lock_verdict.h"
#include "client/peer_table.h"
#include "key/node_key.h"
#include "tailcfg/types.h"

namespace latchkey::client {

// The schema version status_to_json writes and status_from_json accepts.
inline constexpr int kStatusSchema = 1;

// Where the client is in its life (upstream ipn.State, reduced).
enum class BackendState : std::uint8_t { Starting, NeedsLogin, Running, Stopped };
// "starting", "needs_login", "running", "stopped".
std::string_view backend_state_name(BackendState s);
// "off", "pending", "active".
std::string_view lock_state_name(LockView::State s);
// "log", "enforce".
std::string_view lock_mode_name(LockMode m);

using StatusTime = std::chrono::system_clock::time_point;

struct SelfStatus {
  std::string name;  // FQDN with the trailing dot
  tailcfg::NodeId node_id = 0;
  std::string stable_id;
  key::NodePublic node_key;
  std::vector<std::string> addresses;  // prefixes: "100.64.0.5/32"
  bool online = false;
  std::optional<StatusTime> key_expiry;  // none: the key does not expire
  LockVerdict lock_verdict = LockVerdict::None;
  std::string lock_reason;
  friend bool operator==(const SelfStatus&, const SelfStatus&) = default;
};

struct PeerStatus {
  std::string name;
  tailcfg::NodeId node_id = 0;
  key::NodePublic node_key;
  std::vector<std::string> addresses;
  bool online = false;
  LockVerdict lock_verdict = LockVerdict::None;
  std::string lock_reason;  // empty unless the lock refuses the peer
  bool exposed = true;      // handed to the data plane
  friend bool operator==(const PeerStatus&, const PeerStatus&) = default;
};

struct TrustedKeyStatus {
  std::string key;  // "tlpub:<hex>"
  std::uint32_t votes = 0;
  friend bool operator==(const TrustedKeyStatus&, const TrustedKeyStatus&) = default;
};

struct LockStatus {
  // JSON "enabled" is derived: state == Active.
  LockView::State state = LockView::State::Off;
  LockMode mode = LockMode::VerifyAndLog;
  std::string head;      // base32 AUM hash; empty without an authority
  std::string state_id;  // "<id1>:<id2>"; empty without an authority
  std::string nl_public; // this node's "tlpub:<hex>"
  std::vector<TrustedKeyStatus> trusted_keys;
  std::uint64_t would_reject_total = 0;
  std::uint64_t rejected_total = 0;
  std::string last_sync_error;
  std::optional<StatusTime> last_sync_at;
  friend bool operator==(const LockStatus&, const LockStatus&) = default;
};

struct MapFrameCounts {
  std::uint64_t keepalive = 0;
  std::uint64_t full = 0;
  std::uint64_t delta = 0;
  friend bool operator==(const MapFrameCounts&, const MapFrameCounts&) = default;
};

struct StatusCounters {
  MapFrameCounts map_frames_total;
  std::map<std::string, std::uint64_t> map_errors_total;  // by error kind
  std::uint64_t reconnects_total = 0;
  std::array<std::uint64_t, kLockVerdictCount> lock_peers{};        // by LockVerdict; JSON lists non-zero ones
  std::array<std::uint64_t, kSyncStageCount> lock_sync_errors_total{};  // by SyncStage; likewise
  std::map<std::string, std::uint64_t> retry_after_total;  // by RPC path
  friend bool operator==(const StatusCounters&, const StatusCounters&) = default;
};

struct ClientStatus {
  BackendState backend_state = BackendState::Starting;
  std::string auth_url;  // set while NeedsLogin waits for a browser login
  SelfStatus self;
  std::vector<PeerStatus> peers;  // sorted by node_id in the JSON
  LockStatus lock;
  StatusCounters counters;
  friend bool operator==(const ClientStatus&, const ClientStatus&) = default;
};

// The §5.6 document, compact, fields in their fixed order, peers sorted by
// node_id. Times are RFC 3339 (UTC, fraction only when non-zero).
std::string status_to_json(const ClientStatus& status);

// One peer as it appears in the document's "peers" (and in the C API's
// peer events).
std::string peer_status_json(const PeerStatus& peer);

// Reads a status_to_json document back. Strict: every field present with
// its type, no unknown fields, enum values by their names; a schema other
// than kStatusSchema is refused with a message naming both versions.
Result<ClientStatus> status_from_json(std::string_view text);

}  // namespace latchkey::client
