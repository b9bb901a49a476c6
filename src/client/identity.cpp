#include "client/identity.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "base/hex.h"
#include "crypto/random.h"

namespace latchkey::client {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kVersion = 1;
constexpr std::size_t kMaxIdentityBytes = 64 * 1024;  // a real file is under 1 KiB

Error invalid(std::string message) { return Error{std::move(message), ErrorKind::Invalid}; }
Error corrupt(std::string message) { return Error{"identity.json: " + std::move(message), ErrorKind::Internal}; }
Error io_error(const std::string& what, const std::filesystem::path& p, int err) {
  return Error{what + " " + p.string() + ": " + std::strerror(err), ErrorKind::Unavailable};
}

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// `where` prefixes the field's name in errors ("UserProfile.").
Result<std::string> string_field(const Json& j, const std::string& name, bool required, const std::string& where = "") {
  const auto it = j.find(name);
  if (it == j.end()) {
    if (required) return corrupt("field " + where + name + " is missing");
    return std::string();
  }
  if (!it->is_string()) return corrupt("field " + where + name + " is not a string");
  return it->get<std::string>();
}

template <class Key>
Result<Key> key_field(const Json& j, const char* name, bool required) {
  auto text = string_field(j, name, required);
  if (!text) return text.error();
  if (text->empty()) return Key();
  auto k = Key::parse(*text);
  if (!k) return corrupt(std::string("field ") + name + ": " + k.message());
  return *k;
}

Result<tailcfg::UserProfile> user_profile_from_json(const Json& j) {
  static const std::set<std::string> kKnown = {"ID", "LoginName", "DisplayName", "ProfilePicURL"};
  if (!j.is_object()) return corrupt("field UserProfile is not an object");
  for (const auto& [name, value] : j.items()) {
    if (!kKnown.contains(name)) return corrupt("unknown field UserProfile." + name);
  }
  tailcfg::UserProfile p;
  if (const auto it = j.find("ID"); it != j.end()) {
    if (!it->is_number_integer()) return corrupt("field UserProfile.ID is not an integer");
    p.id = it->get<tailcfg::UserId>();
  }
  for (auto [name, out] : {std::pair{"LoginName", &p.login_name}, std::pair{"DisplayName", &p.display_name},
                           std::pair{"ProfilePicURL", &p.profile_pic_url}}) {
    auto v = string_field(j, name, false, "UserProfile.");
    if (!v) return v.error();
    *out = std::move(*v);
  }
  return p;
}

Status fsync_directory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync directory", dir, errno);
  return {};
}

}  // namespace

Identity Identity::fresh(std::string control_url) {
  Identity id;
  id.control_url = std::move(control_url);
  id.machine_key = key::MachinePrivate::generate();
  ByteArray<32> log_id{};
  crypto::random_bytes(log_id);
  id.backend_log_id = hex_encode(log_id);
  return id;
}

std::string identity_to_json(const Identity& identity) {
  Json j;
  j["Version"] = kVersion;
  j["ControlURL"] = identity.control_url;
  j["MachineKey"] = identity.machine_key.to_string();
  if (!identity.private_node_key.is_zero()) j["PrivateNodeKey"] = identity.private_node_key.to_string();
  if (!identity.old_private_node_key.is_zero()) j["OldPrivateNodeKey"] = identity.old_private_node_key.to_string();
  if (!identity.network_lock_key.is_zero()) j["NetworkLockKey"] = identity.network_lock_key.to_string();
  if (!identity.node_id.empty()) j["NodeID"] = identity.node_id;
  if (identity.user_profile) {
    const auto& p = *identity.user_profile;
    j["UserProfile"] = Json{{"ID", p.id}, {"LoginName", p.login_name}, {"DisplayName", p.display_name},
                            {"ProfilePicURL", p.profile_pic_url}};
  }
  j["BackendLogID"] = identity.backend_log_id;
  j["DisallowedTKAStateIDs"] = identity.disallowed_tka_state_ids;
  return j.dump(2) + "\n";
}

Result<Identity> identity_from_json(std::string_view text) {
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return corrupt("not valid JSON");
  if (!j.is_object()) return corrupt("not a JSON object");
  static const std::set<std::string> kKnown = {"Version",        "ControlURL", "MachineKey",  "PrivateNodeKey",
                                               "OldPrivateNodeKey", "NetworkLockKey", "NodeID", "UserProfile",
                                               "BackendLogID",   "DisallowedTKAStateIDs"};
  for (const auto& [name, value] : j.items()) {
    if (!kKnown.contains(name)) return corrupt("unknown field " + name);
  }
  const auto version = j.find("Version");
  if (version == j.end() || !version->is_number_integer() || version->get<std::int64_t>() != kVersion) {
    return corrupt("field Version must be 1");
  }

  Identity id;
  auto url = string_field(j, "ControlURL", true);
  if (!url) return url.error();
  if (url->empty()) return corrupt("field ControlURL is empty");
  id.control_url = std::move(*url);

  auto machine = key_field<key::MachinePrivate>(j, "MachineKey", true);
  if (!machine) return machine.error();
  if (machine->is_zero()) return corrupt("field MachineKey is the zero key");
  id.machine_key = *machine;
  auto node = key_field<key::NodePrivate>(j, "PrivateNodeKey", false);
  if (!node) return node.error();
  id.private_node_key = *node;
  auto old_node = key_field<key::NodePrivate>(j, "OldPrivateNodeKey", false);
  if (!old_node) return old_node.error();
  id.old_private_node_key = *old_node;
  auto nl = key_field<key::NLPrivate>(j, "NetworkLockKey", false);
  if (!nl) return nl.error();
  id.network_lock_key = *nl;

  auto node_id = string_field(j, "NodeID", false);
  if (!node_id) return node_id.error();
  id.node_id = std::move(*node_id);

  if (const auto it = j.find("UserProfile"); it != j.end()) {
    auto profile = user_profile_from_json(*it);
    if (!profile) return profile.error();
    id.user_profile = std::move(*profile);
  }

  auto log_id = string_field(j, "BackendLogID", true);
  if (!log_id) return log_id.error();
  ByteArray<32> raw{};
  if (log_id->size() != 64 || !hex_decode_into(*log_id, raw).ok()) {
    return corrupt("field BackendLogID must be 64 hex digits");
  }
  id.backend_log_id = std::move(*log_id);

  if (const auto it = j.find("DisallowedTKAStateIDs"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return corrupt("field DisallowedTKAStateIDs is not a list");
    for (const auto& v : *it) {
      if (!v.is_string()) return corrupt("field DisallowedTKAStateIDs holds a non-string");
      id.disallowed_tka_state_ids.push_back(v.get<std::string>());
    }
  }
  return id;
}

Result<StateDirectory> StateDirectory::open(const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error("cannot create state directory", dir, errno);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return io_error("cannot stat state directory", dir, errno);
  if (!S_ISDIR(st.st_mode)) return invalid("state directory " + dir.string() + " is not a directory");
  if ((st.st_mode & 077) != 0) {
    return invalid("state directory " + dir.string() + " has mode " + octal_mode(st.st_mode) +
                   "; it holds private keys and must be 0700 (chmod 700 " + dir.string() + ")");
  }
  const auto lock_path = dir / ".lock";
  Fd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) return io_error("cannot open lock file", lock_path, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Error{"state directory " + dir.string() + " is in use by another latchkey client (" +
                       lock_path.string() + " is locked); stop it or use another state directory",
                   ErrorKind::Unavailable};
    }
    return io_error("cannot lock", lock_path, errno);
  }
  return StateDirectory(dir, fd.release());
}

StateDirectory::StateDirectory(StateDirectory&& other) noexcept
    : dir_(std::move(other.dir_)), lock_fd_(std::exchange(other.lock_fd_, -1)) {}

StateDirectory& StateDirectory::operator=(StateDirectory&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    dir_ = std::move(other.dir_);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
  }
  return *this;
}

StateDirectory::~StateDirectory() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Result<std::optional<Identity>> StateDirectory::load() const {
  const auto path = identity_path();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<Identity>();
    return io_error("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return invalid(path.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    return invalid(path.string() + " has mode " + octal_mode(st.st_mode) +
                   "; it holds private keys and must be 0600 (chmod 600 " + path.string() + ")");
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxIdentityBytes) {
    return corrupt("file is " + std::to_string(st.st_size) + " bytes, more than an identity can be");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", path, errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  auto id = identity_from_json(text);
  if (!id) return Error{id.message() + " (in " + path.string() + ")", id.kind()};
  return std::optional<Identity>(std::move(*id));
}

Status StateDirectory::save(const Identity& identity) const {
  const auto path = identity_path();
  const auto tmp = dir_ / "identity.json.tmp";
  const std::string text = identity_to_json(identity);
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return io_error("cannot create", tmp, errno);
    // A leftover temporary file keeps its old mode through O_TRUNC.
    if (::fchmod(fd.get(), 0600) != 0) return io_error("cannot chmod", tmp, errno);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return io_error("cannot write", tmp, errno);
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return io_error("cannot fsync", tmp, errno);
    if (::close(fd.release()) != 0) return io_error("cannot close", tmp, errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("cannot rename into place", path, errno);
  return fsync_directory(dir_);
}

Result<Identity> StateDirectory::load_or_create(std::string_view login_server) const {
  auto stored = load();
  if (!stored) return stored.error();
  if (*stored) {
    if ((*stored)->control_url != login_server) {
      return Error{"state directory " + dir_.string() + " holds the identity for " + (*stored)->control_url +
                       ", not for " + std::string(login_server) + "; use another state directory for this login server",
                   ErrorKind::Conflict};
    }
    return std::move(**stored);
  }
  Identity fresh = Identity::fresh(std::string(login_server));
  if (auto saved = save(fresh); !saved) return saved.error();
  return fresh;
}

}  // namespace latchkey::client
