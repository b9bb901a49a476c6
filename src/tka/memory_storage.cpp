#include "tka/memory_storage.h"

#include <mutex>

namespace latchkey::tka {

Result<Aum> MemoryStorage::aum(const AumHash& hash) const {
  std::shared_lock lock(mu_);
  const AumIndex::Entry* entry = index_.find(hash);
  if (entry == nullptr) return aum_not_found();
  return entry->aum;
}

Result<bool> MemoryStorage::has_aum(const AumHash& hash) const {
  std::shared_lock lock(mu_);
  return index_.contains(hash);
}

Result<std::vector<Aum>> MemoryStorage::child_aums(const AumHash& parent) const {
  std::shared_lock lock(mu_);
  return index_.children_of(parent);
}

Status MemoryStorage::commit_verified_aums(std::span<const Aum> updates) {
  const UnixTime now = clock_ ? clock_() : 0;
  std::unique_lock lock(mu_);
  for (const Aum& update : updates) index_.put(update.hash(), update, now);
  return {};
}

Result<std::vector<Aum>> MemoryStorage::heads() const {
  std::shared_lock lock(mu_);
  return index_.heads();
}

Status MemoryStorage::set_last_active_ancestor(const AumHash& hash) {
  std::unique_lock lock(mu_);
  last_active_ancestor_ = hash;
  return {};
}

Result<std::optional<AumHash>> MemoryStorage::last_active_ancestor() const {
  std::shared_lock lock(mu_);
  return last_active_ancestor_;
}

Result<std::vector<AumHash>> MemoryStorage::all_aums() const {
  std::shared_lock lock(mu_);
  return index_.hashes();
}

Result<UnixTime> MemoryStorage::commit_time(const AumHash& hash) const {
  std::shared_lock lock(mu_);
  const AumIndex::Entry* entry = index_.find(hash);
  if (entry == nullptr) return aum_not_found();
  return entry->committed;
}

Status MemoryStorage::purge_aums(std::span<const AumHash> hashes) {
  std::unique_lock lock(mu_);
  for (const AumHash& h : hashes) index_.erase(h);
  return {};
}

Status MemoryStorage::remove_all() {
  std::unique_lock lock(mu_);
  index_.clear();
  last_active_ancestor_.reset();
  return {};
}

std::size_t MemoryStorage::size() const {
  std::shared_lock lock(mu_);
  return index_.size();
}

}  // namespace latchkey::tka
