#include "tka/memory_storage.h"

#include <algorithm>
#include <mutex>

namespace latchkey::tka {

Result<Aum> MemoryStorage::aum(const AumHash& hash) const {
  std::shared_lock lock(mu_);
  auto it = aums_.find(hash);
  if (it == aums_.end()) return aum_not_found();
  return it->second.aum;
}

Result<bool> MemoryStorage::has_aum(const AumHash& hash) const {
  std::shared_lock lock(mu_);
  return aums_.count(hash) != 0;
}

Result<std::vector<Aum>> MemoryStorage::child_aums(const AumHash& parent) const {
  std::shared_lock lock(mu_);
  std::vector<Aum> out;
  auto it = children_.find(parent);
  if (it == children_.end()) return out;
  out.reserve(it->second.size());
  for (const auto& h : it->second) {
    auto found = aums_.find(h);
    if (found != aums_.end()) out.push_back(found->second.aum);
  }
  return out;
}

Status MemoryStorage::commit_verified_aums(std::span<const Aum> updates) {
  const UnixTime now = clock_ ? clock_() : 0;
  std::unique_lock lock(mu_);
  for (const Aum& update : updates) {
    const AumHash h = update.hash();
    aums_.insert_or_assign(h, Entry{update, now});
    if (auto parent = update.parent()) {
      auto& siblings = children_[*parent];
      if (std::find(siblings.begin(), siblings.end(), h) == siblings.end()) siblings.push_back(h);
    }
  }
  return {};
}

Result<std::vector<Aum>> MemoryStorage::heads() const {
  std::shared_lock lock(mu_);
  std::vector<Aum> out;
  for (const auto& [h, entry] : aums_) {
    auto it = children_.find(h);
    if (it == children_.end() || it->second.empty()) out.push_back(entry.aum);
  }
  return out;
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
  std::vector<AumHash> out;
  out.reserve(aums_.size());
  for (const auto& entry : aums_) out.push_back(entry.first);
  return out;
}

Result<UnixTime> MemoryStorage::commit_time(const AumHash& hash) const {
  std::shared_lock lock(mu_);
  auto it = aums_.find(hash);
  if (it == aums_.end()) return aum_not_found();
  return it->second.committed;
}

Status MemoryStorage::purge_aums(std::span<const AumHash> hashes) {
  std::unique_lock lock(mu_);
  for (const AumHash& h : hashes) {
    auto it = aums_.find(h);
    if (it == aums_.end()) continue;
    // Forget the AUM as its parent's child; its own children list stays so
    // they can still be found from it.
    if (auto parent = it->second.aum.parent()) {
      auto siblings = children_.find(*parent);
      if (siblings != children_.end()) {
        auto& v = siblings->second;
        v.erase(std::remove(v.begin(), v.end(), h), v.end());
        if (v.empty()) children_.erase(siblings);
      }
    }
    aums_.erase(it);
  }
  return {};
}

Status MemoryStorage::remove_all() {
  std::unique_lock lock(mu_);
  aums_.clear();
  children_.clear();
  last_active_ancestor_.reset();
  return {};
}

std::size_t MemoryStorage::size() const {
  std::shared_lock lock(mu_);
  return aums_.size();
}

}  // namespace latchkey::tka
