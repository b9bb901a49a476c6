#include "key/key_hash.h"

#include <sodium.h>

#include <cstring>

#include "crypto/random.h"

namespace latchkey::key {
namespace {

struct SipHashKey {
  ByteArray<crypto_shorthash_siphash24_KEYBYTES> bytes;
  SipHashKey() { crypto::random_bytes(bytes); }
};

}  // namespace

std::size_t hash_key_bytes(ByteView key) {
  static const SipHashKey process_key;
  ByteArray<crypto_shorthash_siphash24_BYTES> out;
  crypto_shorthash_siphash24(out.data(), key.data(), key.size(), process_key.bytes.data());
  std::uint64_t h = 0;
  std::memcpy(&h, out.data(), sizeof(h));
  return static_cast<std::size_t>(h);
}

}  // namespace latchkey::key
