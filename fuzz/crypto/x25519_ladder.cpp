// Fuzzes the BMI2/ADX X25519 ladder against libsodium's: for any 32-byte
// scalar and 32-byte u coordinate (non-canonical and high-bit encodings
// included) both must produce the same bytes, and the two- and three-lane
// forms must equal the single one. Input: 32 bytes scalar, 32 bytes u, and
// optionally a second pair and a third u for the lockstep forms.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "crypto/random.h"
#include "crypto/x25519_adx.h"

namespace {

void sodium_x25519(std::uint8_t out[32], const std::uint8_t* k, const std::uint8_t* u) {
  if (crypto_scalarmult_curve25519(out, k, u) != 0) std::memset(out, 0, 32);  // all-zero result
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace adx = latchkey::crypto::x25519_adx;
  if (size < 64 || !adx::available()) return 0;
  latchkey::crypto::ensure_sodium();
  std::uint8_t in[160] = {};
  std::memcpy(in, data, size < sizeof in ? size : sizeof in);
  const std::uint8_t* k0 = in;
  const std::uint8_t* u0 = in + 32;
  const std::uint8_t* k1 = in + 64;
  const std::uint8_t* u1 = in + 96;
  const std::uint8_t* u2 = in + 128;

  std::uint8_t want[3][32], single[32];
  sodium_x25519(want[0], k0, u0);
  adx::scalarmult(single, k0, u0);
  if (std::memcmp(single, want[0], 32) != 0) std::abort();
  if (size < 96) return 0;

  sodium_x25519(want[1], k1, u1);
  sodium_x25519(want[2], k0, u2);
  std::uint8_t pair[2][32];
  adx::scalarmult2(pair[0], k0, u0, pair[1], k1, u1);
  if (std::memcmp(pair[0], want[0], 32) != 0 || std::memcmp(pair[1], want[1], 32) != 0) std::abort();
  std::uint8_t three[3][32];
  std::uint8_t* outs[3] = {three[0], three[1], three[2]};
  const std::uint8_t* ks[3] = {k0, k1, k0};
  const std::uint8_t* us[3] = {u0, u1, u2};
  adx::scalarmult3(outs, ks, us);
  for (int i = 0; i < 3; ++i) {
    if (std::memcmp(three[i], want[i], 32) != 0) std::abort();
  }
  return 0;
}
