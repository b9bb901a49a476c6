// MemoryStorage: AUM storage held in memory (upstream tka/tailchonk.go Mem),
// for tests, benchmarks and short-lived authorities (e.g. replaying a chain
// to check it). Thread-safe. Commit times come from the Clock it was given;
// without one every commit is stamped 0 (the epoch), i.e. "old".
#pragma once

#include <shared_mutex>
#include <vector>

#include "tka/aum_index.h"
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
  Clock clock_;
  mutable std::shared_mutex mu_;
  AumIndex index_;
  std::optional<AumHash> last_active_ancestor_;
};

}  // namespace latchkey::tka
