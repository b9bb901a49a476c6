#include "crypto/ed25519_key_cache.h"

#include <cstring>

namespace latchkey::crypto::edwards25519 {
namespace {

ByteArray<32> key_bytes(const std::uint8_t* key32) {
  ByteArray<32> k;
  std::memcpy(k.data(), key32, k.size());
  return k;
}

}  // namespace

std::size_t DecodedKeyCache::KeyHash::operator()(const ByteArray<32>& k) const {
  // Public keys are uniformly random bytes (an attacker can only make
  // entries collide in this bounded map, which costs lookups, not verdicts).
  std::uint64_t a, b;
  std::memcpy(&a, k.data(), sizeof a);
  std::memcpy(&b, k.data() + 8, sizeof b);
  return static_cast<std::size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
}

DecodedKeyCache::DecodedKeyCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::shared_ptr<const DecodedKey> DecodedKeyCache::get(const std::uint8_t* key32) {
  const ByteArray<32> key = key_bytes(key32);
  std::shared_ptr<const DecodedKey> found;
  bool build_wide = false;
  {
    const std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      Entry& entry = *it->second;
      found = entry.decoded;
      if (!found->wide && !entry.upgrading) build_wide = entry.upgrading = true;
    }
  }
  if (found) {
    if (build_wide) upgrade(key, found);
    return found;
  }
  // Decode outside the lock: another thread may insert the same key
  // meanwhile, and then the first insertion is kept.
  const std::optional<AffinePoint> point = decode_point(key32);
  if (!point) return nullptr;
  auto decoded = std::make_shared<const DecodedKey>(DecodedKey{*point, odd_multiples_of(*point), std::nullopt});
  const std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it != index_.end()) {
    order_.splice(order_.begin(), order_, it->second);
    return it->second->decoded;
  }
  if (index_.size() >= capacity_) {
    index_.erase(order_.back().key);
    order_.pop_back();
  }
  order_.push_front(Entry{key, decoded, false});
  index_.emplace(key, order_.begin());
  return decoded;
}

void DecodedKeyCache::upgrade(const ByteArray<32>& key, std::shared_ptr<const DecodedKey>& decoded) {
  auto wide = std::make_shared<const DecodedKey>(
      DecodedKey{decoded->point, decoded->multiples, wide_odd_multiples_of(decoded->point)});
  const std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  // The entry may have been evicted (and even re-inserted) meanwhile; only
  // the entry this thread marked is replaced.
  if (it != index_.end() && it->second->decoded == decoded) {
    it->second->decoded = wide;
    it->second->upgrading = false;
  }
  decoded = std::move(wide);
}

std::size_t DecodedKeyCache::size() const {
  const std::lock_guard lock(mutex_);
  return index_.size();
}

bool DecodedKeyCache::contains(const std::uint8_t* key32) const {
  const std::lock_guard lock(mutex_);
  return index_.find(key_bytes(key32)) != index_.end();
}

DecodedKeyCache& verifier_key_cache() {
  static DecodedKeyCache cache(64);
  return cache;
}

}  // namespace latchkey::crypto::edwards25519
