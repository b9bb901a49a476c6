// The client's persisted identity (design §1.3): the keys and names that
// upstream keeps in tailscaled.state (the `_machinekey` entry and the
// profile's types/persist.Persist), in one file `identity.json` (mode 0600)
// of a state directory (mode 0700). A flock on `<state>/.lock` keeps a second
// daemon out of a directory that one already uses. Every key is stored in
// its upstream text form ("privkey:", "nlpriv:").
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "key/machine_key.h"
#include "key/nl_key.h"
#include "key/node_key.h"
#include "tailcfg/user.h"

namespace latchkey::client {

struct Identity {
  std::string control_url;                 // the login server this identity belongs to
  key::MachinePrivate machine_key;         // never zero; survives logout
  key::NodePrivate private_node_key;       // zero before the first successful login
  key::NodePrivate old_private_node_key;   // the key being rotated away from, zero when none
  key::NLPrivate network_lock_key;         // zero until the first register request creates it
  std::string node_id;                     // StableNodeID, once known
  std::optional<tailcfg::UserProfile> user_profile;  // ID, LoginName, DisplayName, ProfilePicURL
  std::string backend_log_id;              // 64 hex digits; Hostinfo.BackendLogID
  std::vector<std::string> disallowed_tka_state_ids;  // "id1:id2", survives logout

  // A first start: a new machine key and log ID, nothing else.
  static Identity fresh(std::string control_url);

  friend bool operator==(const Identity&, const Identity&) = default;
};

// The JSON form of identity.json, and its strict reader: a wrong type, an
// unknown field, a malformed key or log ID is an error naming the field.
std::string identity_to_json(const Identity& identity);
Result<Identity> identity_from_json(std::string_view text);

// An open state directory, holding its flock until destroyed.
class StateDirectory {
 public:
  // Creates `dir` (0700) if missing, refuses one that group or others may
  // access, and takes the lock; a directory already locked (by this or
  // another process) is an Unavailable error.
  static Result<StateDirectory> open(const std::filesystem::path& dir);

  StateDirectory(StateDirectory&& other) noexcept;
  StateDirectory& operator=(StateDirectory&& other) noexcept;
  StateDirectory(const StateDirectory&) = delete;
  StateDirectory& operator=(const StateDirectory&) = delete;
  ~StateDirectory();

  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path identity_path() const { return dir_ / "identity.json"; }

  // The stored identity, nullopt when there is none yet. A file that group
  // or others may read, or that does not parse, is an error.
  Result<std::optional<Identity>> load() const;
  // Replaces identity.json atomically: temporary file, fsync, rename,
  // directory fsync.
  Status save(const Identity& identity) const;
  // The identity for `login_server`: the stored one, or on a first start a
  // fresh one, saved before it is returned. An identity stored for another
  // server is refused.
  Result<Identity> load_or_create(std::string_view login_server) const;

 private:
  StateDirectory(std::filesystem::path dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  std::filesystem::path dir_;
  int lock_fd_ = -1;
};

}  // namespace latchkey::client
