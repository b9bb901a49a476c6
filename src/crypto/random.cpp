#include "crypto/random.h"

#include <sodium.h>

namespace latchkey::crypto {

void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; it picks the fastest
  // implementations for this CPU and seeds the generator.
  static const int init = sodium_init();
  (void)init;
}

void random_bytes(std::span<std::uint8_t> out) {
  if (out.empty()) return;  // an empty span may have a null data pointer
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

}  // namespace latchkey::crypto
