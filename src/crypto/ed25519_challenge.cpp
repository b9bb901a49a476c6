#include "crypto/ed25519_challenge.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace latchkey::crypto::edwards25519 {
namespace {

// Fetched once per process: an explicit fetch avoids OpenSSL 3's implicit
// per-init provider lookup.
const EVP_MD* sha512() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  if (md == nullptr) throw std::runtime_error("ed25519: OpenSSL has no SHA512");
  return md;
}

}  // namespace

ChallengeHasher::ChallengeHasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::runtime_error("ed25519: EVP_MD_CTX_new failed");
}

ChallengeHasher::~ChallengeHasher() { EVP_MD_CTX_free(ctx_); }

Scalar ChallengeHasher::operator()(const std::uint8_t* r, const std::uint8_t* a, ByteView message) {
  std::uint8_t digest[64];
  unsigned len = 0;
  const bool ok = EVP_DigestInit_ex2(ctx_, sha512(), nullptr) == 1 && EVP_DigestUpdate(ctx_, r, 32) == 1 &&
                  EVP_DigestUpdate(ctx_, a, 32) == 1 &&
                  (message.empty() || EVP_DigestUpdate(ctx_, message.data(), message.size()) == 1) &&
                  EVP_DigestFinal_ex(ctx_, digest, &len) == 1 && len == sizeof digest;
  if (!ok) throw std::runtime_error("ed25519: SHA-512 failed");
  return scalar_reduce_wide(digest);
}

}  // namespace latchkey::crypto::edwards25519
