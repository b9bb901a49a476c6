#include <gtest/gtest.h>

#include "client/status_metrics.h"

namespace latchkey::client {
namespace {

TEST(StatusMetrics, EveryCounterOfTheStatusIsExposedUnderItsName) {
  ClientStatus s;
  s.backend_state = BackendState::Running;
  s.lock.state = LockView::State::Active;
  s.lock.would_reject_total = 3;
  s.counters.lock_peers[static_cast<std::size_t>(LockVerdict::Authorized)] = 8;
  s.counters.lock_peers[static_cast<std::size_t>(LockVerdict::Unsigned)] = 1;
  s.counters.lock_sync_errors_total[static_cast<std::size_t>(SyncStage::Offer)] = 2;
  s.counters.map_frames_total = {4, 1, 9};
  s.counters.map_errors_total["decode"] = 1;
  s.counters.retry_after_total["/machine/map"] = 5;
  const std::string m = status_metrics(s);
  for (const char* line : {"latchkey_client_running 1\n", "latchkey_client_lock_active 1\n",
                           "latchkey_client_lock_peers{verdict=\"authorized\"} 8\n",
                           "latchkey_client_lock_peers{verdict=\"unsigned\"} 1\n",
                           "latchkey_client_lock_would_reject_total 3\n",
                           "latchkey_client_lock_sync_errors_total{stage=\"offer\"} 2\n",
                           "latchkey_client_map_frames_total{kind=\"delta\"} 9\n",
                           "latchkey_client_map_errors_total{kind=\"decode\"} 1\n",
                           "latchkey_client_retry_after_total{path=\"/machine/map\"} 5\n",
                           "# TYPE latchkey_client_lock_rejected_total counter\n"}) {
    EXPECT_NE(m.find(line), std::string::npos) << line << "\n" << m;
  }
}

}  // namespace
}  // namespace latchkey::client
