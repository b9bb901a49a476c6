#include "tka/aum_index.h"

#include <algorithm>

namespace latchkey::tka {

const AumIndex::Entry* AumIndex::find(const AumHash& hash) const {
  auto it = aums_.find(hash);
  return it == aums_.end() ? nullptr : &it->second;
}

std::vector<Aum> AumIndex::children_of(const AumHash& parent) const {
  std::vector<Aum> out;
  auto it = children_.find(parent);
  if (it == children_.end()) return out;
  out.reserve(it->second.size());
  for (const AumHash& h : it->second) {
    auto found = aums_.find(h);
    if (found != aums_.end()) out.push_back(found->second.aum);
  }
  return out;
}

std::vector<Aum> AumIndex::heads() const {
  std::vector<Aum> out;
  for (const auto& [h, entry] : aums_) {
    auto it = children_.find(h);
    if (it == children_.end() || it->second.empty()) out.push_back(entry.aum);
  }
  return out;
}

std::vector<AumHash> AumIndex::hashes() const {
  std::vector<AumHash> out;
  out.reserve(aums_.size());
  for (const auto& entry : aums_) out.push_back(entry.first);
  return out;
}

void AumIndex::put(const AumHash& hash, Aum aum, UnixTime committed) {
  std::optional<AumHash> parent = aum.parent();
  aums_.insert_or_assign(hash, Entry{std::move(aum), committed});
  if (parent) {
    auto& siblings = children_[*parent];
    if (std::find(siblings.begin(), siblings.end(), hash) == siblings.end()) siblings.push_back(hash);
  }
}

bool AumIndex::erase(const AumHash& hash) {
  auto it = aums_.find(hash);
  if (it == aums_.end()) return false;
  if (auto parent = it->second.aum.parent()) {
    auto siblings = children_.find(*parent);
    if (siblings != children_.end()) {
      auto& v = siblings->second;
      v.erase(std::remove(v.begin(), v.end(), hash), v.end());
      if (v.empty()) children_.erase(siblings);
    }
  }
  aums_.erase(it);
  return true;
}

void AumIndex::clear() {
  aums_.clear();
  children_.clear();
}

}  // namespace latchkey::tka
