// Durability: a child process registers nodes one transaction at a time
// and reports each committed id through a pipe; the parent SIGKILLs it
// mid-stream, reopens the SQLite database and checks that every reported
// registration is there (and the database is intact).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "store/node_builders.h"
#include "store/store_fixture.h"

namespace latchkey::store::testing {
namespace {

void run_writer(const StoreConfig& config, UserId user, int report_fd) {
  auto s = Store::open(config);
  if (!s) _exit(3);
  const TimePoint now = std::chrono::system_clock::now();
  for (int i = 1; i < 1'000'000; ++i) {
    auto n = (*s)->register_node(new_node(i, user), now);
    if (!n) _exit(4);
    const std::int64_t id = n->id;
    if (::write(report_fd, &id, sizeof id) != static_cast<ssize_t>(sizeof id)) _exit(5);
  }
  _exit(0);
}

void kill_during_registrations(const std::string& synchronous) {
  TempDir dir;
  StoreConfig config;
  config.sqlite_path = dir.path() + "/crash.db";
  config.sqlite_synchronous = synchronous;
  UserId user = 0;
  {
    auto s = Store::open(config);
    ASSERT_TRUE(s.ok()) << s.message();
    auto u = (*s)->create_user({"alice", "", "", ""}, TimePoint{});
    ASSERT_TRUE(u.ok());
    user = u->id;
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    run_writer(config, user, fds[1]);
  }
  ::close(fds[1]);
  std::set<std::int64_t> reported;
  // Let it commit a good number of registrations, then kill it without
  // warning while it is in the middle of the next ones.
  constexpr std::size_t kBeforeKill = 200;
  while (reported.size() < kBeforeKill) {
    std::int64_t id = 0;
    const ssize_t got = ::read(fds[0], &id, sizeof id);
    ASSERT_EQ(got, static_cast<ssize_t>(sizeof id)) << "writer stopped early";
    reported.insert(id);
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  // Reports written before the kill but not yet read.
  for (;;) {
    std::int64_t id = 0;
    const ssize_t got = ::read(fds[0], &id, sizeof id);
    if (got != static_cast<ssize_t>(sizeof id)) break;
    reported.insert(id);
  }
  ::close(fds[0]);

  auto s = Store::open(config);
  ASSERT_TRUE(s.ok()) << s.message();
  auto nodes = (*s)->list_nodes();
  ASSERT_TRUE(nodes.ok()) << nodes.message();
  std::set<std::int64_t> stored;
  for (const Node& n : *nodes) stored.insert(n.id);
  for (std::int64_t id : reported) EXPECT_TRUE(stored.count(id)) << "committed node " << id << " lost";
  // At most the one in flight at the kill committed without being reported.
  EXPECT_LE(stored.size(), reported.size() + 1);
  // The database still takes writes.
  auto more = (*s)->register_node(new_node(999'999, user), TimePoint{});
  EXPECT_TRUE(more.ok()) << more.message();
}

TEST(SqliteCrash, KillNineLosesNoCommittedRegistrationSynchronousFull) { kill_during_registrations("full"); }
TEST(SqliteCrash, KillNineLosesNoCommittedRegistrationSynchronousNormal) { kill_during_registrations("normal"); }

}  // namespace
}  // namespace latchkey::store::testing
