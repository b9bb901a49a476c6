#include "crypto/hmac_blake2s.h"

namespace latchkey::crypto {

Blake2sDigest hmac_blake2s(ByteView key, ByteView data) {
  // Keys longer than the block are hashed first (RFC 2104).
  ByteArray<kBlake2sBlockSize> block{};
  if (key.size() > kBlake2sBlockSize) {
    Blake2sDigest k = blake2s256(key);
    std::copy(k.begin(), k.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  ByteArray<kBlake2sBlockSize> pad;
  for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x36;
  Blake2sDigest inner = Blake2s().update(pad).update(data).final();
  for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x5c;
  return Blake2s().update(pad).update(inner).final();
}

std::pair<Blake2sDigest, Blake2sDigest> noise_hkdf2(const Blake2sDigest& chaining_key, ByteView ikm) {
  const Blake2sDigest prk = hmac_blake2s(chaining_key, ikm);
  const std::uint8_t one = 1;
  Blake2sDigest out1 = hmac_blake2s(prk, ByteView(&one, 1));
  ByteArray<kBlake2sSize + 1> buf;
  std::copy(out1.begin(), out1.end(), buf.begin());
  buf[kBlake2sSize] = 2;
  return {out1, hmac_blake2s(prk, buf)};
}

std::array<Blake2sDigest, 3> noise_hkdf3(const Blake2sDigest& chaining_key, ByteView ikm) {
  const Blake2sDigest prk = hmac_blake2s(chaining_key, ikm);
  const std::uint8_t one = 1;
  std::array<Blake2sDigest, 3> out;
  out[0] = hmac_blake2s(prk, ByteView(&one, 1));
  ByteArray<kBlake2sSize + 1> buf;
  for (std::uint8_t i = 1; i < 3; ++i) {
    std::copy(out[i - 1].begin(), out[i - 1].end(), buf.begin());
    buf[kBlake2sSize] = static_cast<std::uint8_t>(i + 1);
    out[i] = hmac_blake2s(prk, buf);
  }
  return out;
}

}  // namespace latchkey::crypto
