// ChaCha20-Poly1305 IETF AEAD (RFC 8439): 32-byte key, 12-byte nonce,
// 16-byte tag appended to the ciphertext. Two backends with identical
// output, picked per message by size (measured, docs/performance.md):
// libsodium below 512 bytes of plaintext (no per-call setup, so it wins on
// handshake messages and small records), OpenSSL's EVP AEAD from 512 bytes
// up (its AVX2 assembly is about 1.6x faster on 1-4 KiB records).
#pragma once

#include "base/bytes.h"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX

namespace latchkey::crypto {

constexpr std::size_t kChaChaKeySize = 32;
constexpr std::size_t kChaChaNonceSize = 12;
constexpr std::size_t kChaChaTagSize = 16;

using ChaChaKey = ByteArray<kChaChaKeySize>;
using ChaChaNonce = ByteArray<kChaChaNonceSize>;

// Plaintexts shorter than this go to libsodium, longer ones to OpenSSL.
constexpr std::size_t kChaChaOpenSslThreshold = 512;

// A keyed AEAD context. The key is set once; each seal/open only changes the
// nonce, which keeps per-record cost at the cipher itself. The OpenSSL
// contexts are taken on the first message that needs them, and release()
// gives them back while the owner is idle: a long-lived connection then holds
// only its 32-byte key. Released contexts go to a small per-thread pool with
// their key wiped, so taking one again costs a key setup, not an allocation.
// Not thread-safe.
class ChaCha20Poly1305 {
 public:
  explicit ChaCha20Poly1305(const ChaChaKey& key);
  ~ChaCha20Poly1305();
  ChaCha20Poly1305(ChaCha20Poly1305&&) noexcept;
  ChaCha20Poly1305& operator=(ChaCha20Poly1305&&) noexcept;
  ChaCha20Poly1305(const ChaCha20Poly1305&) = delete;
  ChaCha20Poly1305& operator=(const ChaCha20Poly1305&) = delete;

  // Writes plaintext.size() + 16 bytes to out. out may alias plaintext
  // exactly (in-place) but must not otherwise overlap it.
  void seal(const ChaChaNonce& nonce, ByteView ad, ByteView plaintext, std::uint8_t* out);

  // Writes ciphertext.size() - 16 bytes to out and returns true if the tag
  // verifies; on failure returns false and out's contents are unspecified
  // (out may alias ciphertext exactly).
  bool open(const ChaChaNonce& nonce, ByteView ad, ByteView ciphertext, std::uint8_t* out);

  // Gives back the OpenSSL contexts (if any were taken); the next message of
  // 512 bytes or more takes them again. Output is the same either way.
  void release() noexcept;
  // Whether OpenSSL contexts are held (for tests).
  bool holds_contexts() const { return seal_ctx_ != nullptr || open_ctx_ != nullptr; }

 private:
  ChaChaKey key_;
  evp_cipher_ctx_st* seal_ctx_ = nullptr;  // EVP_CIPHER_CTX, taken on demand
  evp_cipher_ctx_st* open_ctx_ = nullptr;
};

// How many released OpenSSL contexts this thread keeps for reuse, per
// direction (for tests; the rest are freed).
std::size_t chacha_pooled_contexts(bool seal);

// One-shot forms for callers that use a key once (handshake messages).
Bytes chacha20poly1305_seal(const ChaChaKey& key, const ChaChaNonce& nonce, ByteView ad, ByteView plaintext);
// Empty optional-like result: returns false on authentication failure.
bool chacha20poly1305_open(const ChaChaKey& key, const ChaChaNonce& nonce, ByteView ad, ByteView ciphertext,
                           Bytes& plaintext);

}  // namespace latchkey::crypto
