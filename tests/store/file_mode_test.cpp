// The SQLite database holds Hostinfo and endpoints: the files the store
// creates (the database and SQLite's -wal and -shm) are owner-only, 0600,
// whatever the umask; an existing database keeps the mode it has.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "store/store_fixture.h"

namespace latchkey::store::testing {
namespace {

// Sets the process umask for the test's lifetime.
class Umask {
 public:
  explicit Umask(mode_t m) : old_(::umask(m)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 07777;
  return st.st_mode & 0777;
}

TEST(SqliteFileMode, CreatedDatabaseWalAndShmAreOwnerOnly) {
  const Umask permissive(022);
  TempDir dir;
  StoreConfig config;
  config.sqlite_path = dir.path() + "/latchkey.db";
  auto s = Store::open(config);
  ASSERT_TRUE(s.ok()) << s.message();
  // A write, so that the WAL and shared-memory files exist.
  ASSERT_TRUE((*s)->create_user({"alice", "", "", ""}, std::chrono::system_clock::now()).ok());
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string path = config.sqlite_path + suffix;
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    EXPECT_EQ(mode_of(path), 0600u) << path;
  }
}

TEST(SqliteFileMode, AnExistingDatabaseKeepsItsMode) {
  TempDir dir;
  StoreConfig config;
  config.sqlite_path = dir.path() + "/shared.db";
  std::ofstream(config.sqlite_path).close();  // an empty file is an empty database
  ASSERT_EQ(::chmod(config.sqlite_path.c_str(), 0640), 0);
  auto s = Store::open(config);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(mode_of(config.sqlite_path), 0640u);
}

TEST(SqliteFileMode, AMissingDirectoryIsAClearError) {
  TempDir dir;
  StoreConfig config;
  config.sqlite_path = dir.path() + "/no/such/dir/latchkey.db";
  auto s = Store::open(config);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::Unavailable);
  EXPECT_NE(s.message().find(config.sqlite_path), std::string::npos) << s.message();
}

}  // namespace
}  // namespace latchkey::store::testing
