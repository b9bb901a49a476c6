// The persisted identity (client/identity.h): the JSON round trip, the
// state directory's modes and lock, and clear errors for every way the file
// can be wrong.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "client/identity.h"
#include "test_util/temp_dir.h"

namespace latchkey::client {
namespace {

namespace fs = std::filesystem;

class StateDir : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(root_.path().empty()) << "mkdtemp failed"; }

  void write_identity_file(const std::string& text, mode_t mode = 0600) {
    const auto p = dir_ / "identity.json";
    std::ofstream(p) << text;
    ASSERT_EQ(::chmod(p.c_str(), mode), 0);
  }

  static mode_t mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }

  test_util::TempDir root_{"latchkey-identity"};
  fs::path dir_ = root_.path() / "state";
};

Identity full_identity() {
  Identity id = Identity::fresh("https://control.example");
  id.private_node_key = key::NodePrivate::generate();
  id.old_private_node_key = key::NodePrivate::generate();
  id.network_lock_key = key::NLPrivate::generate();
  id.node_id = "nXYZ123CNTRL";
  id.user_profile = tailcfg::UserProfile{42, "alice@example.com", "Alice", "https://pic.example/a", {}};
  id.disallowed_tka_state_ids = {"123:456", "7:8"};
  return id;
}

TEST(Identity, FreshHasAMachineKeyAndALogIdOnly) {
  const Identity a = Identity::fresh("https://c.example");
  const Identity b = Identity::fresh("https://c.example");
  EXPECT_EQ(a.control_url, "https://c.example");
  EXPECT_FALSE(a.machine_key.is_zero());
  EXPECT_FALSE(a.machine_key == b.machine_key);
  EXPECT_EQ(a.backend_log_id.size(), 64u);
  EXPECT_NE(a.backend_log_id, b.backend_log_id);
  EXPECT_TRUE(a.private_node_key.is_zero());
  EXPECT_TRUE(a.network_lock_key.is_zero());
  EXPECT_FALSE(a.user_profile.has_value());
}

TEST(Identity, JsonRoundTripKeepsEveryField) {
  const Identity id = full_identity();
  const std::string text = identity_to_json(id);
  EXPECT_NE(text.find("\"MachineKey\": \"privkey:"), std::string::npos) << text;
  EXPECT_NE(text.find("\"NetworkLockKey\": \"nlpriv:"), std::string::npos) << text;
  auto back = identity_from_json(text);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_TRUE(*back == id);

  const Identity fresh = Identity::fresh("https://c.example");
  auto fresh_back = identity_from_json(identity_to_json(fresh));
  ASSERT_TRUE(fresh_back.ok()) << fresh_back.message();
  EXPECT_TRUE(*fresh_back == fresh);
}

TEST(Identity, ReaderNamesWhatIsWrong) {
  const std::string good = identity_to_json(full_identity());
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const struct {
    std::string text;
    std::string error;
  } cases[] = {
      {"{not json", "identity.json: not valid JSON"},
      {"[1,2]", "identity.json: not a JSON object"},
      {replaced("\"Version\": 1", "\"Version\": 2"), "identity.json: field Version must be 1"},
      {replaced("\"MachineKey\": \"privkey:", "\"MachineKey\": \"mkey:"), "identity.json: field MachineKey: "},
      {replaced("\"NetworkLockKey\": \"nlpriv:", "\"NetworkLockKey\": \"privkey:"),
       "identity.json: field NetworkLockKey: "},
      {replaced("\"PrivateNodeKey\": \"privkey:", "\"PrivateNodeKey\": \"privkey:zz"),
       "identity.json: field PrivateNodeKey: "},
      {replaced("\"ControlURL\"", "\"ControlUrl\""), "identity.json: unknown field ControlUrl"},
      {replaced("\"BackendLogID\": \"", "\"BackendLogID\": \"x"), "identity.json: field BackendLogID must be 64 hex"},
      {replaced("\"NodeID\": \"nXYZ123CNTRL\"", "\"NodeID\": 5"), "identity.json: field NodeID is not a string"},
      {replaced("\"ID\": 42", "\"ID\": \"42\""), "identity.json: field UserProfile.ID is not an integer"},
      {replaced("\"LoginName\": \"alice@example.com\"", "\"LoginName\": 1"),
       "identity.json: field UserProfile.LoginName is not a string"},
      {replaced("[\n    \"123:456\"", "[\n    7"), "identity.json: field DisallowedTKAStateIDs holds a non-string"},
      {"{\"Version\": 1}", "identity.json: field ControlURL is missing"},
  };
  for (const auto& c : cases) {
    auto r = identity_from_json(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.message().substr(0, c.error.size()), c.error) << r.message();
  }
}

TEST_F(StateDir, SaveAndLoadRoundTripWithPrivateModes) {
  const mode_t old_umask = ::umask(0);  // the modes must not depend on the caller's umask
  auto dir = StateDirectory::open(dir_);
  ::umask(old_umask);
  ASSERT_TRUE(dir.ok()) << dir.message();
  EXPECT_EQ(mode_of(dir_), 0700u);

  auto empty = dir->load();
  ASSERT_TRUE(empty.ok()) << empty.message();
  EXPECT_FALSE(empty->has_value());

  const Identity id = full_identity();
  ASSERT_TRUE(dir->save(id).ok());
  EXPECT_EQ(mode_of(dir_ / "identity.json"), 0600u);
  EXPECT_FALSE(fs::exists(dir_ / "identity.json.tmp"));
  auto loaded = dir->load();
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_TRUE(**loaded == id);

  // A second save replaces the first.
  Identity changed = id;
  changed.node_id = "nOTHER";
  ASSERT_TRUE(dir->save(changed).ok());
  EXPECT_EQ((*dir->load())->node_id, "nOTHER");
}

TEST_F(StateDir, FirstStartCreatesTheIdentityAndRestartsReuseIt) {
  auto dir = StateDirectory::open(dir_);
  ASSERT_TRUE(dir.ok()) << dir.message();
  auto first = dir->load_or_create("https://c.example");
  ASSERT_TRUE(first.ok()) << first.message();
  EXPECT_EQ(first->control_url, "https://c.example");
  EXPECT_TRUE(fs::exists(dir->identity_path()));
  auto again = dir->load_or_create("https://c.example");
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_TRUE(*again == *first);
}

TEST_F(StateDir, AnotherLoginServerIsRefused) {
  auto dir = StateDirectory::open(dir_);
  ASSERT_TRUE(dir.ok()) << dir.message();
  ASSERT_TRUE(dir->load_or_create("https://a.example").ok());
  auto other = dir->load_or_create("https://b.example");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.kind(), ErrorKind::Conflict);
  EXPECT_EQ(other.message(), "state directory " + dir_.string() +
                                 " holds the identity for https://a.example, not for https://b.example; use another "
                                 "state directory for this login server");
}

TEST_F(StateDir, ASecondOpenFailsWhileTheFirstHoldsTheLock) {
  auto first = StateDirectory::open(dir_);
  ASSERT_TRUE(first.ok()) << first.message();
  auto second = StateDirectory::open(dir_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.kind(), ErrorKind::Unavailable);
  EXPECT_NE(second.message().find("is in use by another latchkey client"), std::string::npos) << second.message();

  // Moving keeps the lock; destroying releases it.
  StateDirectory moved = std::move(*first);
  EXPECT_FALSE(StateDirectory::open(dir_).ok());
  { StateDirectory gone = std::move(moved); }
  EXPECT_TRUE(StateDirectory::open(dir_).ok());
}

TEST_F(StateDir, AnOpenDirectoryIsRefused) {
  ASSERT_TRUE(fs::create_directories(dir_));
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  auto dir = StateDirectory::open(dir_);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.message(), "state directory " + dir_.string() +
                               " has mode 0755; it holds private keys and must be 0700 (chmod 700 " + dir_.string() +
                               ")");
}

TEST_F(StateDir, AReadableIdentityFileIsRefused) {
  auto dir = StateDirectory::open(dir_);
  ASSERT_TRUE(dir.ok()) << dir.message();
  write_identity_file(identity_to_json(full_identity()), 0644);
  auto loaded = dir->load();
  ASSERT_FALSE(loaded.ok());
  const auto p = dir_ / "identity.json";
  EXPECT_EQ(loaded.message(),
            p.string() + " has mode 0644; it holds private keys and must be 0600 (chmod 600 " + p.string() + ")");
}

TEST_F(StateDir, CorruptFilesGiveClearErrors) {
  auto dir = StateDirectory::open(dir_);
  ASSERT_TRUE(dir.ok()) << dir.message();
  const auto p = dir_ / "identity.json";

  const std::string cut = "{\"Version\": 1, \"ControlURL\": ";
  write_identity_file(cut);
  auto truncated = dir->load();
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.message(), "identity.json: not valid JSON (in " + p.string() + ")");
  EXPECT_EQ(truncated.kind(), ErrorKind::Internal);
  // load_or_create reports it too, and leaves the file alone.
  EXPECT_EQ(dir->load_or_create("https://c.example").message(), truncated.message());
  EXPECT_EQ(fs::file_size(p), cut.size());

  write_identity_file(std::string(70'000, ' '));
  EXPECT_EQ(dir->load().message(), "identity.json: file is 70000 bytes, more than an identity can be");

  fs::remove(p);
  fs::create_directory(p);
  EXPECT_EQ(dir->load().message(), p.string() + " is not a regular file");
}

}  // namespace
}  // namespace latchkey::client
