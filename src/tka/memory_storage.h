// MemoryStorage: AUM storage held in memory (upstream tka/tailchonk.go Mem),
// for tests, benchmarks and short-lived authorities (e.g. replaying a chain
// to check it). Thread-safe. Commit times come from the Clock it was given;
// without one every commit is stamped 0 (the epoch), i.e. "old".
#pragma once

#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "tka/storage.h"

namespace latchkey::tka {

class MemoryStorage final : public CompactableStorage {
 public:
  explicit MemoryStorage(Clock clock = {}) : clock_(std::move(clock)) {}

  Result<Aum> aum(const AumHash& hash) const override;
  Result<bool> has_aum(const AumHash& hash) const override;
  Result<std::vector<Aum>> child_aums(const AumHash& parent) const override;
  Status commit_verified_aums(std::span<const Aum> updates) override;
  Result<std::vector<Aum>> heads() const override;
  Status set_last_active_ancestor(const AumHash& hash) override;
  Result<std::optional<AumHash>> last_active_ancestor() const override;

  Result<std::vector<AumHash>> all_aums() const override;
  Result<UnixTime> commit_time(const AumHash& hash) const override;
  Status purge_aums(std::span<const AumHash> hashes) override;
  Status remove_all() override;

  // Number of stored AUMs.
  std::size_t size() const;

 private:
  struct Entry {
    Aum aum;
    UnixTime committed = 0;
  };

  Clock clock_;
  mutable std::shared_mutex mu_;
  std::unordered_map<AumHash, Entry> aums_;
  // parent hash -> hashes of its stored children, in commit order. Entries
  // of purged AUMs' children stay, as upstream keeps them.
  std::unordered_map<AumHash, std::vector<AumHash>> children_;
  std::optional<AumHash> last_active_ancestor_;
};

}  // namespace latchkey::tka
