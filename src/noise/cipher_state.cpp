#include "noise/cipher_state.h"

#include <string>

namespace latchkey::noise {

crypto::ChaChaNonce encode_nonce(std::uint64_t counter, NonceEncoding encoding) {
  crypto::ChaChaNonce nonce{};
  for (std::size_t i = 0; i < 8; ++i) {
    const auto byte = static_cast<std::uint8_t>(counter >> (8 * i));
    if (encoding == NonceEncoding::kBigEndian) {
      nonce[11 - i] = byte;
    } else {
      nonce[4 + i] = byte;
    }
  }
  return nonce;
}

CipherState::CipherState(const crypto::ChaChaKey& key, NonceEncoding encoding, std::uint64_t next_nonce)
    : aead_(key), n_(next_nonce), encoding_(encoding) {}

Status CipherState::encrypt(ByteView ad, ByteView plaintext, std::uint8_t* out) {
  if (exhausted()) return Error{std::string(kCipherExhausted)};
  aead_.seal(encode_nonce(n_, encoding_), ad, plaintext, out);
  ++n_;
  return {};
}

Status CipherState::decrypt(ByteView ad, ByteView ciphertext, std::uint8_t* out) {
  if (exhausted()) return Error{std::string(kCipherExhausted)};
  if (ciphertext.size() < crypto::kChaChaTagSize || !aead_.open(encode_nonce(n_, encoding_), ad, ciphertext, out)) {
    return Error{std::string(kAuthenticationFailed)};
  }
  ++n_;
  return {};
}

}  // namespace latchkey::noise
