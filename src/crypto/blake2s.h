// BLAKE2s-256 (RFC 7693), plain and keyed, one-shot and incremental. Noise's
// hash function and the hash of AUMs and node-key signatures.
#pragma once

#include <blake2.h>

#include "base/bytes.h"

namespace latchkey::crypto {

constexpr std::size_t kBlake2sSize = 32;
constexpr std::size_t kBlake2sBlockSize = 64;
using Blake2sDigest = ByteArray<kBlake2sSize>;

Blake2sDigest blake2s256(ByteView data);
// Keyed BLAKE2s (the MAC mode built into BLAKE2, key up to 32 bytes).
Blake2sDigest blake2s256_keyed(ByteView key, ByteView data);

// Incremental hashing for inputs assembled from several pieces.
class Blake2s {
 public:
  Blake2s();
  explicit Blake2s(ByteView key);
  Blake2s& update(ByteView data);
  Blake2sDigest final();

 private:
  blake2s_state state_;
};

}  // namespace latchkey::crypto
