// Hashing of public keys for unordered containers. Keys arrive from the
// network, so the hash is SipHash-2-4 under a random per-process key (as Go's
// map hash is seeded): nobody can pick keys that collide on purpose.
#pragma once

#include <cstddef>

#include "base/bytes.h"

namespace latchkey::key {

std::size_t hash_key_bytes(ByteView key);

// std::hash for a key type K with a raw() accessor (specialised per type in
// each key header).
template <class K>
struct KeyHash {
  std::size_t operator()(const K& k) const noexcept { return hash_key_bytes(k.raw()); }
};

}  // namespace latchkey::key
