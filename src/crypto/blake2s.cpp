#include "crypto/blake2s.h"

#include <stdexcept>

namespace latchkey::crypto {

Blake2sDigest blake2s256(ByteView data) {
  Blake2sDigest out;
  ::blake2s(out.data(), data.data(), nullptr, out.size(), data.size(), 0);
  return out;
}

Blake2sDigest blake2s256_keyed(ByteView key, ByteView data) {
  if (key.size() > BLAKE2S_KEYBYTES) throw std::invalid_argument("blake2s: key longer than 32 bytes");
  Blake2sDigest out;
  ::blake2s(out.data(), data.data(), key.data(), out.size(), data.size(), key.size());
  return out;
}

Blake2s::Blake2s() { blake2s_init(&state_, kBlake2sSize); }

Blake2s::Blake2s(ByteView key) {
  if (key.size() > BLAKE2S_KEYBYTES) throw std::invalid_argument("blake2s: key longer than 32 bytes");
  if (key.empty()) {
    blake2s_init(&state_, kBlake2sSize);
  } else {
    blake2s_init_key(&state_, kBlake2sSize, key.data(), key.size());
  }
}

Blake2s& Blake2s::update(ByteView data) {
  blake2s_update(&state_, data.data(), data.size());
  return *this;
}

Blake2sDigest Blake2s::final() {
  Blake2sDigest out;
  blake2s_final(&state_, out.data(), out.size());
  return out;
}

}  // namespace latchkey::crypto
