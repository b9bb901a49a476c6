// The Noise SymmetricState (Noise spec section 5.2) for BLAKE2s and
// ChaCha20-Poly1305: the handshake hash h, the chaining key ck, and the
// current handshake key k with its counter. Mirrors symmetricState in
// upstream control/controlbase/handshake.go, which always uses each
// handshake key once (nonce 0); here the counter is kept as the spec says,
// which gives the same bytes for IK.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/blake2s.h"
#include "crypto/chacha20poly1305.h"
#include "noise/cipher_state.h"

namespace latchkey::noise {

class SymmetricState {
 public:
  // InitializeSymmetric: h = the name zero-padded to 32 bytes if it fits,
  // else BLAKE2s(name); ck = h; no key. `handshake_nonces` lays out the
  // counter of handshake keys (irrelevant for IK, where it stays 0).
  explicit SymmetricState(std::string_view protocol_name, NonceEncoding handshake_nonces = NonceEncoding::kBigEndian);

  // h = BLAKE2s(h || data).
  void mix_hash(ByteView data);
  // ck, k = HKDF(ck, ikm); the counter restarts at 0.
  void mix_key(ByteView input_key_material);

  // EncryptAndHash: out receives plaintext.size() (+16 once a key is set)
  // bytes (the ciphertext), which is then mixed into h. out may equal
  // plaintext.data().
  Status encrypt_and_hash(ByteView plaintext, std::uint8_t* out);
  // DecryptAndHash: out receives ciphertext.size() (-16 once a key is set)
  // bytes; h absorbs the ciphertext only if it authenticates. On failure
  // the state is unchanged.
  Status decrypt_and_hash(ByteView ciphertext, std::uint8_t* out);

  // The two transport keys: first for initiator -> responder, second for
  // responder -> initiator.
  std::pair<crypto::ChaChaKey, crypto::ChaChaKey> split() const;

  const crypto::Blake2sDigest& h() const { return h_; }
  const crypto::Blake2sDigest& ck() const { return ck_; }
  bool has_key() const { return k_.has_value(); }
  // The current handshake key (set by the last mix_key), for inspection.
  const std::optional<crypto::ChaChaKey>& key() const { return k_; }
  // Extra bytes EncryptAndHash adds: 16 once a key is set, else 0.
  std::size_t overhead() const { return k_ ? crypto::kChaChaTagSize : 0; }

 private:
  crypto::Blake2sDigest h_;
  crypto::Blake2sDigest ck_;
  std::optional<crypto::ChaChaKey> k_;
  std::uint64_t n_ = 0;
  NonceEncoding nonces_;
};

}  // namespace latchkey::noise
