// The Ed25519 challenge k = SHA-512(R || A || M) mod L, computed over the
// signature's R bytes and the public key bytes exactly as received (both
// Go's crypto/ed25519 and ed25519consensus hash the original encodings, not
// re-encoded points). SHA-512 is OpenSSL's (its assembly is faster than
// libsodium's portable C on x86-64); the reduction mod L is libsodium's.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "crypto/ed25519_scalar.h"

struct evp_md_ctx_st;

namespace latchkey::crypto::edwards25519 {

// Holds one reusable hash context; not thread-safe, cheap to keep per call.
class ChallengeHasher {
 public:
  ChallengeHasher();
  ~ChallengeHasher();
  ChallengeHasher(const ChallengeHasher&) = delete;
  ChallengeHasher& operator=(const ChallengeHasher&) = delete;

  // r and a point at 32 bytes each.
  Scalar operator()(const std::uint8_t* r, const std::uint8_t* a, ByteView message);

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace latchkey::crypto::edwards25519
