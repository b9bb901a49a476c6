#include "client/status_metrics.h"

#include <string_view>

#include "base/prometheus_text.h"
#include "client/lock_sync.h"

namespace latchkey::client {

using prometheus::family;
using prometheus::sample;

std::string status_metrics(const ClientStatus& s) {
  std::string out;
  family(out, "latchkey_client_running", "gauge", "1 while the client is logged in and following its map");
  sample(out, "latchkey_client_running", "", "", s.backend_state == BackendState::Running ? 1 : 0);

  family(out, "latchkey_client_lock_active", "gauge", "1 while a verified Tailnet Lock authority is in force");
  sample(out, "latchkey_client_lock_active", "", "", s.lock.state == LockView::State::Active ? 1 : 0);

  family(out, "latchkey_client_lock_peers", "gauge", "peers by their Tailnet Lock verdict");
  for (std::size_t i = 0; i < kLockVerdictCount; ++i) {
    sample(out, "latchkey_client_lock_peers", "verdict", verdict_name(static_cast<LockVerdict>(i)),
           s.counters.lock_peers[i]);
  }
  family(out, "latchkey_client_lock_would_reject_total", "counter",
         "peers the lock refused while verify-and-log admitted them");
  sample(out, "latchkey_client_lock_would_reject_total", "", "", s.lock.would_reject_total);
  family(out, "latchkey_client_lock_rejected_total", "counter", "peers the lock refused under --tka-enforce");
  sample(out, "latchkey_client_lock_rejected_total", "", "", s.lock.rejected_total);

  family(out, "latchkey_client_lock_sync_errors_total", "counter", "failed lock bootstraps and syncs by stage");
  for (std::size_t i = 0; i < kSyncStageCount; ++i) {
    sample(out, "latchkey_client_lock_sync_errors_total", "stage", stage_name(static_cast<SyncStage>(i)),
           s.counters.lock_sync_errors_total[i]);
  }

  family(out, "latchkey_client_map_frames_total", "counter", "map messages received by kind");
  sample(out, "latchkey_client_map_frames_total", "kind", "keepalive", s.counters.map_frames_total.keepalive);
  sample(out, "latchkey_client_map_frames_total", "kind", "full", s.counters.map_frames_total.full);
  sample(out, "latchkey_client_map_frames_total", "kind", "delta", s.counters.map_frames_total.delta);
  family(out, "latchkey_client_map_errors_total", "counter", "map streams that ended in an error, by kind");
  for (const auto& [kind, n] : s.counters.map_errors_total) sample(out, "latchkey_client_map_errors_total", "kind", kind, n);
  family(out, "latchkey_client_reconnects_total", "counter", "map streams dialed again after one ended");
  sample(out, "latchkey_client_reconnects_total", "", "", s.counters.reconnects_total);
  family(out, "latchkey_client_retry_after_total", "counter", "429/503 answers honoured, by request path");
  for (const auto& [path, n] : s.counters.retry_after_total) sample(out, "latchkey_client_retry_after_total", "path", path, n);
  return out;
}

}  // namespace latchkey::client
