// AumStorage: where an Authority keeps its AUMs (upstream tka/tailchonk.go,
// the Chonk and CompactableChonk interfaces). Storage trusts what it is
// given: only AUMs that passed verification may be committed, and reads
// return them without checking again.
//
// A missing AUM is reported as the error kErrAumNotFound (upstream returns
// os.ErrNotExist), which callers tell apart from other failures with
// is_not_found(); errors that merely mention a missing AUM do not count, just
// as upstream compares the error value itself.
//
// Time never comes from a clock read here: stores that record commit times
// are given a Clock by their owner.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "tka/aum.h"
#include "tka/aum_hash.h"

namespace latchkey::tka {

// Seconds since the Unix epoch.
using UnixTime = std::int64_t;
// Supplies the current time to a store when it records commit times.
using Clock = std::function<UnixTime()>;

// Upstream os.ErrNotExist's text.
inline constexpr const char* kErrAumNotFound = "file does not exist";

inline bool is_not_found(const Error& e) { return e.message == kErrAumNotFound; }
inline Error aum_not_found() { return Error{kErrAumNotFound}; }

class AumStorage {
 public:
  virtual ~AumStorage() = default;

  // The AUM with this hash, or kErrAumNotFound.
  virtual Result<Aum> aum(const AumHash& hash) const = 0;
  // Whether the AUM is stored (a cheaper aum() when only presence matters).
  virtual Result<bool> has_aum(const AumHash& hash) const;
  // Every stored AUM whose parent is `parent`.
  virtual Result<std::vector<Aum>> child_aums(const AumHash& parent) const = 0;
  // Durably stores verified AUMs (in order: parents before children).
  virtual Status commit_verified_aums(std::span<const Aum> updates) = 0;
  // Stored AUMs without stored children: the leaves of every stored chain.
  virtual Result<std::vector<Aum>> heads() const = 0;
  // Records the oldest AUM that contributed to the current state, the hint
  // that picks between distinct chains on the next open.
  virtual Status set_last_active_ancestor(const AumHash& hash) = 0;
  // The recorded hint, or nullopt when none was recorded.
  virtual Result<std::optional<AumHash>> last_active_ancestor() const = 0;
};

// Storage that compaction can prune (upstream CompactableChonk).
class CompactableStorage : public AumStorage {
 public:
  // The hashes of every stored AUM, in no particular order.
  virtual Result<std::vector<AumHash>> all_aums() const = 0;
  // When the AUM was committed, or kErrAumNotFound.
  virtual Result<UnixTime> commit_time(const AumHash& hash) const = 0;
  // Permanently deletes these AUMs (hashes not stored are ignored).
  virtual Status purge_aums(std::span<const AumHash> hashes) = 0;
  // Deletes everything: what disabling Tailnet Lock does.
  virtual Status remove_all() = 0;
};

inline Result<bool> AumStorage::has_aum(const AumHash& hash) const {
  auto found = aum(hash);
  if (found.ok()) return true;
  if (is_not_found(found.error())) return false;
  return found.error();
}

}  // namespace latchkey::tka
