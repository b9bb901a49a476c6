// AumIndex: the in-memory index both AUM stores keep (MemoryStorage, and
// DirectoryStorage over its files): AUMs by hash with the time each was
// committed, and each parent's stored children in commit order. It answers
// the lookups of upstream's tailchonk (AUM, ChildAUMs, Heads, AllAUMs);
// the stores add their own locking and, for the directory, the files.
// Not thread-safe by itself.
#pragma once

#include <cstddef>
#include <unordered_map>
#include <vector>

#include "tka/aum.h"
#include "tka/aum_hash.h"
#include "tka/storage.h"

namespace latchkey::tka {

class AumIndex {
 public:
  struct Entry {
    Aum aum;
    UnixTime committed = 0;  // 0: not known
  };

  // The entry stored under `hash`, or null.
  const Entry* find(const AumHash& hash) const;
  bool contains(const AumHash& hash) const { return aums_.count(hash) != 0; }
  std::size_t size() const { return aums_.size(); }

  // The stored AUMs whose parent is `parent`, in the order they were added.
  std::vector<Aum> children_of(const AumHash& parent) const;
  // The stored AUMs no stored AUM names as parent.
  std::vector<Aum> heads() const;
  // Every stored hash, in no particular order.
  std::vector<AumHash> hashes() const;

  // Stores `aum` under `hash` (its hash, computed by the caller), replacing
  // an entry stored under it, and lists it once among its parent's children.
  void put(const AumHash& hash, Aum aum, UnixTime committed);
  // Removes the AUM and its place among its parent's children (a parent
  // left without children loses its list). The AUM's own children list
  // stays, so they can still be found from it, as upstream keeps them.
  // False when nothing was stored under `hash`.
  bool erase(const AumHash& hash);
  void clear();

 private:
  std::unordered_map<AumHash, Entry> aums_;
  // parent hash -> hashes of its stored children, in the order added.
  std::unordered_map<AumHash, std::vector<AumHash>> children_;
};

}  // namespace latchkey::tka
