// The soak (bench/server/load, latchkey_soak) in small: a few nodes against
// a real `latchkey serve` process, three short waves of connect, stream and
// drop (FIN and RST) — the server's descriptors back at their baseline after
// every wave, every first map complete, and at the end every node's Online
// flag right at an observer, which also sees the online half go offline.
// No timing or memory assertions: those figures belong in
// docs/performance.md.
#include <gtest/gtest.h>

#include "server/server_fixture.h"
#include "soak_run.h"

namespace latchkey::load {
namespace {

#ifdef LATCHKEY_BINARY
TEST(SoakSmoke, ThreeWavesReturnToTheBaselineAndOnlineFlagsAreRight) {
  server::testing::TempDir dir;
  SoakOptions o;
  o.server_binary = LATCHKEY_BINARY;
  o.work_dir = dir.path();
  o.nodes = 12;
  o.max_waves = 3;
  o.duration = std::chrono::seconds(120);
  o.in_flight = 6;
  o.reset_fraction = 0.5;
  o.hold = std::chrono::milliseconds(50);
  o.online_timeout = std::chrono::seconds(60);
  o.rss_quiet = std::chrono::milliseconds(0);  // no memory figures here
  auto r = run_soak(o);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->errors, 0u) << r->first_error << "\n" << r->server_log_tail;
  EXPECT_EQ(r->registered, 12u);
  EXPECT_GT(r->fd_baseline, 0u);
  EXPECT_TRUE(r->registration.fds_returned);
  ASSERT_EQ(r->waves.size(), 3u);
  for (const auto& w : r->waves) {
    EXPECT_EQ(w.streaming, 12u) << "wave " << w.wave;
    EXPECT_GE(w.fds_streaming, r->fd_baseline + 12) << "wave " << w.wave;  // one per connection
    EXPECT_TRUE(w.fds_returned) << "wave " << w.wave;
    EXPECT_EQ(w.fds_after, r->fd_baseline) << "wave " << w.wave;
    EXPECT_GT(w.resets, 0u) << "wave " << w.wave;
    EXPECT_LT(w.resets, 12u) << "wave " << w.wave;
    EXPECT_GT(w.rss_idle_kib, 0);
  }
  EXPECT_EQ(r->online_expected, 6u);
  EXPECT_EQ(r->flags_checked, 12u);
  EXPECT_EQ(r->flags_wrong, 0u);
  EXPECT_TRUE(r->offline_seen);
  EXPECT_TRUE(r->final_close.fds_returned);
  EXPECT_FALSE(r->rss_idle_growth(o.rss_reference_after).measured);  // too short to judge
  EXPECT_EQ(r->server_exit, "exited with status 0");
  EXPECT_TRUE(r->passed(o.rss_reference_after, o.max_rss_growth));
}
#endif

}  // namespace
}  // namespace latchkey::load
