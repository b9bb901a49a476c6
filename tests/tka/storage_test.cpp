// AUM storage: the behaviour both stores share (upstream's Chonk contract),
// the directory store's upstream-compatible layout and file format, its
// strictness about damaged files, and crash safety: a writer killed with
// SIGKILL in the middle of commits never leaves a torn or lost AUM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "base/hex.h"
#include "tka/authority.h"
#include "tka/chain_dsl.h"
#include "tka/directory_storage.h"
#include "tka/memory_storage.h"

namespace latchkey::tka {
namespace {

namespace fs = std::filesystem;
using testing::ed25519_key;
using testing::noop_aum;
using testing::state_for_test;
using testing::testing_private_key;

// A fresh directory under the system temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "latchkey-tka-XXXXXX").string();
    path_ = ::mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Both stores, behind the same factory signature.
struct StoreFactory {
  const char* name;
  std::function<std::unique_ptr<CompactableStorage>(const std::string& dir, Clock)> make;
};

std::vector<StoreFactory> factories() {
  return {
      {"memory", [](const std::string&, Clock c) { return std::make_unique<MemoryStorage>(std::move(c)); }},
      {"directory",
       [](const std::string& dir, Clock c) -> std::unique_ptr<CompactableStorage> {
         auto s = DirectoryStorage::open(dir, std::move(c));
         EXPECT_TRUE(s.ok()) << s.message();
         return s.ok() ? std::move(*s) : nullptr;
       }},
  };
}

TEST(Storage, ContractCommonToBothStores) {
  for (const auto& f : factories()) {
    SCOPED_TRACE(f.name);
    TempDir dir;
    UnixTime now = 1000;
    auto s = f.make(dir.path(), [&now] { return now; });
    ASSERT_TRUE(s);

    const Aum g = noop_aum(std::nullopt, 1);
    const Aum a = noop_aum(g.hash(), 2), b = noop_aum(g.hash(), 3), c = noop_aum(a.hash(), 4);
    EXPECT_TRUE(is_not_found(s->aum(g.hash()).error()));
    EXPECT_FALSE(*s->has_aum(g.hash()));
    EXPECT_TRUE(s->heads()->empty());
    EXPECT_FALSE(s->last_active_ancestor()->has_value());

    ASSERT_TRUE(s->commit_verified_aums(std::vector<Aum>{g, a}).ok());
    now = 2000;
    ASSERT_TRUE(s->commit_verified_aums(std::vector<Aum>{b, c, c}).ok());  // a duplicate is harmless
    EXPECT_EQ(*s->aum(c.hash()), c);
    EXPECT_TRUE(*s->has_aum(b.hash()));

    auto children = s->child_aums(g.hash());
    ASSERT_TRUE(children.ok());
    EXPECT_EQ(children->size(), 2u);
    EXPECT_TRUE(s->child_aums(c.hash())->empty());

    auto heads = s->heads();
    ASSERT_TRUE(heads.ok());
    std::vector<AumHash> head_hashes;
    for (const auto& h : *heads) head_hashes.push_back(h.hash());
    std::sort(head_hashes.begin(), head_hashes.end());
    std::vector<AumHash> want{b.hash(), c.hash()};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(head_hashes, want);

    EXPECT_EQ(s->all_aums()->size(), 4u);
    EXPECT_EQ(*s->commit_time(a.hash()), 1000);
    EXPECT_EQ(*s->commit_time(c.hash()), 2000);
    EXPECT_TRUE(is_not_found(s->commit_time(AumHash{}).error()));

    ASSERT_TRUE(s->set_last_active_ancestor(a.hash()).ok());
    EXPECT_EQ(**s->last_active_ancestor(), a.hash());

    // Purging a forgets it as g's child but keeps c findable from a's hash.
    ASSERT_TRUE(s->purge_aums(std::vector<AumHash>{a.hash(), AumHash{}}).ok());
    EXPECT_FALSE(*s->has_aum(a.hash()));
    EXPECT_EQ(s->child_aums(g.hash())->size(), 1u);
    EXPECT_EQ(s->child_aums(a.hash())->size(), 1u);
    EXPECT_EQ(s->all_aums()->size(), 3u);

    ASSERT_TRUE(s->remove_all().ok());
    EXPECT_TRUE(s->all_aums()->empty());
    EXPECT_FALSE(s->last_active_ancestor()->has_value());
    // Usable again after being cleared.
    ASSERT_TRUE(s->commit_verified_aums(std::vector<Aum>{g}).ok());
    EXPECT_TRUE(*s->has_aum(g.hash()));
  }
}

TEST(Storage, ConcurrentReaders) {
  for (const auto& f : factories()) {
    SCOPED_TRACE(f.name);
    TempDir dir;
    auto s = f.make(dir.path(), {});
    const Aum parent = noop_aum(std::nullopt, 0), child = noop_aum(parent.hash(), 1);
    ASSERT_TRUE(s->commit_verified_aums(std::vector<Aum>{parent, child}).ok());
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 12; ++i) {
      threads.emplace_back([&, i] {
        for (int j = 0; j < 50; ++j) {
          if (i % 3 == 0 && s->child_aums(parent.hash())->size() != 1) ++bad;
          if (i % 3 == 1 && s->heads()->size() != 1) ++bad;
          if (i % 3 == 2 && s->all_aums()->size() != 2) ++bad;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(bad.load(), 0);
  }
}

TEST(DirectoryStorage, UpstreamLayoutAndFileFormat) {
  TempDir dir;
  auto s = DirectoryStorage::open(dir.path(), [] { return UnixTime{1700000000}; });
  ASSERT_TRUE(s.ok());
  const Aum a = noop_aum(AumHash{}, 7);
  ASSERT_TRUE((*s)->commit_verified_aums(std::vector<Aum>{a}).ok());

  const std::string name = a.hash().to_string();
  const fs::path file = fs::path(dir.path()) / name.substr(0, 2) / name;
  EXPECT_EQ((*s)->aum_path(a.hash()), file.string());
  ASSERT_TRUE(fs::exists(file));
  std::ifstream in(file, std::ios::binary);
  const Bytes content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // fsHashInfo {2: AUM, 3: CreatedUnix} in CTAP2 form.
  Bytes want{0xa2, 0x02};
  const Bytes aum_bytes = a.serialize();
  want.insert(want.end(), aum_bytes.begin(), aum_bytes.end());
  const Bytes created{0x03, 0x1a, 0x65, 0x53, 0xf1, 0x00};  // 1700000000
  want.insert(want.end(), created.begin(), created.end());
  EXPECT_EQ(hex_encode(content), hex_encode(want));

  ASSERT_TRUE((*s)->set_last_active_ancestor(a.hash()).ok());
  std::ifstream anc(fs::path(dir.path()) / "last_active_ancestor", std::ios::binary);
  const Bytes anc_bytes((std::istreambuf_iterator<char>(anc)), std::istreambuf_iterator<char>());
  const AumHash h = a.hash();
  EXPECT_EQ(anc_bytes, Bytes(h.bytes.begin(), h.bytes.end()));
}

TEST(DirectoryStorage, ReopenSeesEverythingCommitted) {
  TempDir dir;
  const Aum g = noop_aum(std::nullopt, 1), a = noop_aum(g.hash(), 2), b = noop_aum(a.hash(), 3);
  {
    auto s = DirectoryStorage::open(dir.path(), [] { return UnixTime{500}; });
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->commit_verified_aums(std::vector<Aum>{g, a, b}).ok());
    ASSERT_TRUE((*s)->set_last_active_ancestor(g.hash()).ok());
    ASSERT_TRUE((*s)->purge_aums(std::vector<AumHash>{g.hash()}).ok());
  }
  auto s = DirectoryStorage::open(dir.path(), [] { return UnixTime{900}; });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(*(*s)->aum(b.hash()), b);
  EXPECT_EQ((*s)->all_aums()->size(), 2u);  // g was purged (a tombstone remains on disk)
  EXPECT_TRUE(fs::exists((*s)->aum_path(g.hash())));
  EXPECT_EQ(**(*s)->last_active_ancestor(), g.hash());
  EXPECT_EQ(*(*s)->commit_time(a.hash()), 500);
  EXPECT_EQ((*s)->child_aums(a.hash())->size(), 1u);
  // Committing a purged AUM again brings it back with its first commit time.
  ASSERT_TRUE((*s)->commit_verified_aums(std::vector<Aum>{g}).ok());
  EXPECT_EQ(*(*s)->commit_time(g.hash()), 500);
}

TEST(DirectoryStorage, IgnoresTemporaryAndForeignFiles) {
  TempDir dir;
  auto s = DirectoryStorage::open(dir.path(), {});
  ASSERT_TRUE(s.ok());
  const Aum a = noop_aum(AumHash{}, 1);
  ASSERT_TRUE((*s)->commit_verified_aums(std::vector<Aum>{a}).ok());
  const std::string name = a.hash().to_string();
  for (const std::string& f : std::vector<std::string>{"AU/AUM1234.tmp", "AU/AUM1234.tmp_123",
                                                       name.substr(0, 2) + "/" + name + ".tmpA1b2C3"}) {
    fs::create_directories(fs::path(dir.path()) / fs::path(f).parent_path());
    std::ofstream(fs::path(dir.path()) / f) << "incomplete AUM\n";
  }
  std::ofstream(fs::path(dir.path()) / ".DS_Store") << "x";
  auto reopened = DirectoryStorage::open(dir.path(), {});
  ASSERT_TRUE(reopened.ok()) << reopened.message();
  EXPECT_EQ(*(*reopened)->all_aums(), std::vector<AumHash>{a.hash()});
}

TEST(DirectoryStorage, CreatesNestedDirectoryAndRefusesAFile) {
  TempDir dir;
  const std::string nested = dir.path() + "/a/b/c";
  auto s = DirectoryStorage::open(nested, {});
  ASSERT_TRUE(s.ok()) << s.message();
  const Aum a = noop_aum(std::nullopt, 0);
  ASSERT_TRUE((*s)->commit_verified_aums(std::vector<Aum>{a}).ok());
  EXPECT_EQ(*(*s)->aum(a.hash()), a);

  const std::string file = dir.path() + "/tka_storage.txt";
  std::ofstream(file) << "this won't work";
  auto bad = DirectoryStorage::open(file, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("is a file"), std::string::npos) << bad.message();
}

TEST(DirectoryStorage, DamagedFilesAreErrorsNotSilentlySkipped) {
  const Aum a = noop_aum(AumHash{}, 1), b = noop_aum(AumHash{}, 2);
  {
    TempDir dir;
    auto s = DirectoryStorage::open(dir.path(), {});
    ASSERT_TRUE((*s)->commit_verified_aums(std::vector<Aum>{a}).ok());
    const std::string path = (*s)->aum_path(a.hash());
    fs::resize_file(path, fs::file_size(path) - 3);  // what a non-atomic writer could leave
    auto reopened = DirectoryStorage::open(dir.path(), {});
    ASSERT_FALSE(reopened.ok());
    EXPECT_NE(reopened.message().find(a.hash().to_string()), std::string::npos) << reopened.message();
  }
  {
    TempDir dir;
    auto s = DirectoryStorage::open(dir.path(), {});
    ASSERT_TRUE((*s)->commit_verified_aums(std::vector<Aum>{a, b}).ok());
    fs::copy_file((*s)->aum_path(b.hash()), (*s)->aum_path(a.hash()), fs::copy_options::overwrite_existing);
    auto reopened = DirectoryStorage::open(dir.path(), {});
    ASSERT_FALSE(reopened.ok());
    EXPECT_NE(reopened.message().find("AUM does not match file name hash"), std::string::npos) << reopened.message();
  }
  {
    TempDir dir;
    std::ofstream(dir.path() + "/last_active_ancestor") << "short";
    auto s = DirectoryStorage::open(dir.path(), {});
    ASSERT_TRUE(s.ok());
    auto anc = (*s)->last_active_ancestor();
    ASSERT_FALSE(anc.ok());
    EXPECT_EQ(anc.message(), "stored hash is of wrong length: 5 != 32");
  }
}

// The child side of the crash test: opens the storage (bootstrapping if it
// is empty), then keeps informing batches of signed AUMs, writing the count
// of AUMs it knows are committed to `ack_fd` after each inform returns. It
// never returns; the parent kills it.
[[noreturn]] void crash_test_writer(const std::string& dir, const Aum& genesis, const crypto::Ed25519Private& priv,
                                    int ack_fd) {
  auto storage = DirectoryStorage::open(dir, [] { return UnixTime{1}; });
  if (!storage.ok()) ::_exit(2);
  auto opened = (*storage)->all_aums()->empty() ? Authority::bootstrap(**storage, genesis) : Authority::open(**storage);
  if (!opened.ok()) ::_exit(3);
  Authority a = std::move(*opened);
  for (std::uint32_t batch = 0;; ++batch) {
    std::vector<Aum> updates;
    AumHash parent = a.head();
    for (int i = 0; i < 8; ++i) {
      Aum u;
      u.kind = AumKind::NoOp;
      u.prev_aum_hash = Bytes(parent.bytes.begin(), parent.bytes.end());
      u.sign(priv);
      parent = u.hash();
      updates.push_back(std::move(u));
    }
    if (!a.inform(**storage, updates).ok()) ::_exit(4);
    const std::uint32_t stored = static_cast<std::uint32_t>((*storage)->all_aums()->size());
    if (::write(ack_fd, &stored, sizeof stored) != static_cast<ssize_t>(sizeof stored)) ::_exit(5);
  }
}

TEST(DirectoryStorage, SurvivesSigkillMidWrite) {
  TempDir dir;
  const auto priv = testing_private_key(1);
  auto genesis_state = state_for_test({ed25519_key(priv, 1)});
  MemoryStorage scratch;
  auto created = Authority::create(scratch, genesis_state, Ed25519Signer(priv));
  ASSERT_TRUE(created.ok());
  const Aum genesis = created->second;

  std::mt19937 rng(12345);
  std::uint32_t acknowledged = 0;
  for (int round = 0; round < 12; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      crash_test_writer(dir.path(), genesis, priv, fds[1]);
    }
    ::close(fds[1]);
    // Let the writer get some batches in, then kill it at a random moment.
    std::uint32_t count = 0;
    const int batches_before_kill = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < batches_before_kill; ++i) {
      ASSERT_EQ(::read(fds[0], &count, sizeof count), static_cast<ssize_t>(sizeof count)) << "writer died early";
      acknowledged = std::max(acknowledged, count);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "writer exited with " << status;
    // Acknowledgements written before the kill.
    while (::read(fds[0], &count, sizeof count) == static_cast<ssize_t>(sizeof count)) {
      acknowledged = std::max(acknowledged, count);
    }
    ::close(fds[0]);

    // Every file is whole (open decodes and hash-checks all of them), every
    // acknowledged AUM is there, and the chain opens.
    auto storage = DirectoryStorage::open(dir.path(), {});
    ASSERT_TRUE(storage.ok()) << "round " << round << ": " << storage.message();
    EXPECT_GE((*storage)->all_aums()->size(), acknowledged) << "round " << round;
    auto a = Authority::open(**storage);
    ASSERT_TRUE(a.ok()) << "round " << round << ": " << a.message();
    auto chain = a->active_chain(**storage);
    ASSERT_TRUE(chain.ok()) << chain.message();
    EXPECT_EQ(chain->size(), (*storage)->all_aums()->size()) << "a linear chain has no gaps";
  }
  EXPECT_GT(acknowledged, 12u);
  // Temporary files left behind are writes the kill interrupted.
  int interrupted = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    if (e.path().filename().string().find(".tmp") != std::string::npos) ++interrupted;
  }
  RecordProperty("interrupted_writes", interrupted);
  std::printf("acknowledged AUMs: %u, writes interrupted by SIGKILL: %d\n", acknowledged, interrupted);
}

}  // namespace
}  // namespace latchkey::tka
