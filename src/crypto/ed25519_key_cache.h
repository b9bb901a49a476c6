// A small, bounded, thread-safe cache of decoded Ed25519 public keys for the
// single verifiers (ed25519.h). Tailnet Lock verifies almost every signature
// against one of a handful of trusted keys, so keeping each key's decoded
// point and its odd multiples (the table base_mult_minus_vartime indexes)
// skips the point decompression (a ~255-squaring exponentiation) and the
// table building on every repeat. Keyed by the exact 32 bytes: two
// encodings of one point (non-canonical y, x = 0 with the sign bit set) are
// separate entries, which is harmless since the entry only depends on the
// bytes. Least-recently-used eviction; one mutex guards the index, entries
// are immutable and shared, so a caller keeps using an entry evicted
// meanwhile. No upstream counterpart (a speed measure only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "base/bytes.h"
#include "crypto/ed25519_double_base.h"

namespace latchkey::crypto::edwards25519 {

// A key's decoded point and its tables: the narrow table always, the wide
// one once the key has been used twice (a key seen once, such as a
// rotation signature's wrapping key, does not pay for the wide table).
struct DecodedKey {
  AffinePoint point;
  OddMultiples multiples;
  std::optional<WideOddMultiples> wide;
};

class DecodedKeyCache {
 public:
  explicit DecodedKeyCache(std::size_t capacity);

  // The decoded key for these 32 bytes (decode_point rules), decoding and
  // inserting it on a miss; null when the bytes are not a curve point
  // (such bytes are not cached). The first hit on an entry replaces it
  // with one that also holds the wide table (built outside the lock).
  std::shared_ptr<const DecodedKey> get(const std::uint8_t* key32);

  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }
  bool contains(const std::uint8_t* key32) const;

 private:
  struct KeyHash {
    std::size_t operator()(const ByteArray<32>& k) const;
  };
  struct Entry {
    ByteArray<32> key;
    std::shared_ptr<const DecodedKey> decoded;
    bool upgrading = false;  // a thread is building the wide table
  };
  void upgrade(const ByteArray<32>& key, std::shared_ptr<const DecodedKey>& decoded);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<ByteArray<32>, std::list<Entry>::iterator, KeyHash> index_;
};

// The process-wide cache the single verifiers use (64 keys).
DecodedKeyCache& verifier_key_cache();

}  // namespace latchkey::crypto::edwards25519
