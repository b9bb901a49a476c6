// A Noise CipherState (Noise spec section 5.1): a ChaCha20-Poly1305 key and
// a 64-bit message counter used as the nonce. The counter's byte layout is a
// parameter: TS2021 puts it big-endian in the last 8 nonce bytes (upstream
// control/controlbase/conn.go deviates from the spec here), the Noise spec
// puts it little-endian. Counter 2^64-1 is reserved, so a key seals or opens
// at most 2^64-1 messages; after that every call fails ("cipher exhausted").
#pragma once

#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/chacha20poly1305.h"

namespace latchkey::noise {

enum class NonceEncoding : std::uint8_t {
  kBigEndian,     // TS2021: 4 zero bytes, then the counter as u64 big-endian
  kLittleEndian,  // Noise spec: 4 zero bytes, then the counter as u64 little-endian
};

// The 12-byte AEAD nonce for message number `counter`.
crypto::ChaChaNonce encode_nonce(std::uint64_t counter, NonceEncoding encoding);

// The reserved counter value: a CipherState whose next counter is this one is
// exhausted.
inline constexpr std::uint64_t kExhaustedNonce = ~std::uint64_t{0};

class CipherState {
 public:
  // `next_nonce` is the counter of the first message (0 for a fresh key;
  // other values let tests reach exhaustion).
  CipherState(const crypto::ChaChaKey& key, NonceEncoding encoding, std::uint64_t next_nonce = 0);

  std::uint64_t next_nonce() const { return n_; }
  bool exhausted() const { return n_ == kExhaustedNonce; }
  // How many more messages this key may protect.
  std::uint64_t remaining() const { return kExhaustedNonce - n_; }

  // Seals plaintext with associated data ad; writes plaintext.size() + 16
  // bytes to out (out may equal plaintext.data(), not otherwise overlap it).
  // Fails only when the counter is exhausted; advances the counter.
  Status encrypt(ByteView ad, ByteView plaintext, std::uint8_t* out);

  // Opens ciphertext (at least 16 bytes) with ad; writes ciphertext.size() -
  // 16 bytes to out (same aliasing rule). Advances the counter only on
  // success. Errors: exhausted counter, or a tag that does not verify.
  Status decrypt(ByteView ad, ByteView ciphertext, std::uint8_t* out);

  // Gives back the AEAD's OpenSSL contexts while the key is idle (see
  // crypto::ChaCha20Poly1305::release); the next message takes them again.
  void release_idle() noexcept { aead_.release(); }
  bool holds_contexts() const { return aead_.holds_contexts(); }

 private:
  crypto::ChaCha20Poly1305 aead_;
  std::uint64_t n_;
  NonceEncoding encoding_;
};

// Error texts shared by the record layer and its tests (upstream's words).
inline constexpr std::string_view kAuthenticationFailed = "chacha20poly1305: message authentication failed";
inline constexpr std::string_view kCipherExhausted = "cipher exhausted, no more nonces available for current key";

}  // namespace latchkey::noise
