#include "noise/symmetric_state.h"

#include <algorithm>
#include <string>

#include "crypto/hmac_blake2s.h"

namespace latchkey::noise {
namespace {

crypto::Blake2sDigest hash_pair(const crypto::Blake2sDigest& h, ByteView data) {
  return crypto::Blake2s().update(h).update(data).final();
}

}  // namespace

SymmetricState::SymmetricState(std::string_view protocol_name, NonceEncoding handshake_nonces)
    : nonces_(handshake_nonces) {
  const ByteView name = as_bytes(protocol_name);
  if (name.size() <= h_.size()) {
    h_.fill(0);
    std::copy(name.begin(), name.end(), h_.begin());
  } else {
    h_ = crypto::blake2s256(name);
  }
  ck_ = h_;
}

void SymmetricState::mix_hash(ByteView data) { h_ = hash_pair(h_, data); }

void SymmetricState::mix_key(ByteView input_key_material) {
  auto [ck, k] = crypto::noise_hkdf2(ck_, input_key_material);
  ck_ = ck;
  k_ = k;
  n_ = 0;
}

Status SymmetricState::encrypt_and_hash(ByteView plaintext, std::uint8_t* out) {
  if (!k_) {
    if (!plaintext.empty() && out != plaintext.data()) std::copy(plaintext.begin(), plaintext.end(), out);
    mix_hash(ByteView(out, plaintext.size()));
    return {};
  }
  if (n_ == kExhaustedNonce) return Error{std::string(kCipherExhausted)};
  crypto::ChaCha20Poly1305(*k_).seal(encode_nonce(n_, nonces_), h_, plaintext, out);
  ++n_;
  mix_hash(ByteView(out, plaintext.size() + crypto::kChaChaTagSize));
  return {};
}

Status SymmetricState::decrypt_and_hash(ByteView ciphertext, std::uint8_t* out) {
  // h after this step covers the ciphertext; compute it before out (which
  // may alias the ciphertext) is written.
  const crypto::Blake2sDigest next_h = hash_pair(h_, ciphertext);
  if (!k_) {
    if (!ciphertext.empty() && out != ciphertext.data()) std::copy(ciphertext.begin(), ciphertext.end(), out);
    h_ = next_h;
    return {};
  }
  if (n_ == kExhaustedNonce) return Error{std::string(kCipherExhausted)};
  if (ciphertext.size() < crypto::kChaChaTagSize ||
      !crypto::ChaCha20Poly1305(*k_).open(encode_nonce(n_, nonces_), h_, ciphertext, out)) {
    return Error{std::string(kAuthenticationFailed)};
  }
  ++n_;
  h_ = next_h;
  return {};
}

std::pair<crypto::ChaChaKey, crypto::ChaChaKey> SymmetricState::split() const {
  return crypto::noise_hkdf2(ck_, ByteView{});
}

}  // namespace latchkey::noise
