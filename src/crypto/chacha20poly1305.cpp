#include "crypto/chacha20poly1305.h"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

namespace latchkey::crypto {
namespace {

EVP_CIPHER_CTX* new_context(const EVP_CIPHER* cipher, const ChaChaKey& key, int encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr || EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), nullptr, encrypt) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("chacha20poly1305: OpenSSL context setup failed");
  }
  return ctx;
}

int to_int(std::size_t n) { return static_cast<int>(n); }

}  // namespace

// Separate encrypt and decrypt contexts: switching direction on one context
// would need a full re-init.
struct ChaCha20Poly1305::Contexts {
  EVP_CIPHER_CTX* seal = nullptr;
  EVP_CIPHER_CTX* open = nullptr;
  ~Contexts() {
    EVP_CIPHER_CTX_free(seal);
    EVP_CIPHER_CTX_free(open);
  }
};

ChaCha20Poly1305::ChaCha20Poly1305(const ChaChaKey& key) : ctx_(std::make_unique<Contexts>()) {
  static const EVP_CIPHER* cipher = EVP_chacha20_poly1305();
  ctx_->seal = new_context(cipher, key, 1);
  ctx_->open = new_context(cipher, key, 0);
}

ChaCha20Poly1305::~ChaCha20Poly1305() = default;
ChaCha20Poly1305::ChaCha20Poly1305(ChaCha20Poly1305&&) noexcept = default;
ChaCha20Poly1305& ChaCha20Poly1305::operator=(ChaCha20Poly1305&&) noexcept = default;

void ChaCha20Poly1305::seal(const ChaChaNonce& nonce, ByteView ad, ByteView plaintext, std::uint8_t* out) {
  EVP_CIPHER_CTX* c = ctx_->seal;
  int len = 0;
  bool ok = EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce.data(), 1) == 1;
  if (ok && !ad.empty()) ok = EVP_CipherUpdate(c, nullptr, &len, ad.data(), to_int(ad.size())) == 1;
  if (ok && !plaintext.empty()) ok = EVP_CipherUpdate(c, out, &len, plaintext.data(), to_int(plaintext.size())) == 1;
  ok = ok && EVP_CipherFinal_ex(c, out + plaintext.size(), &len) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, kChaChaTagSize, out + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("chacha20poly1305: OpenSSL seal failed");
}

bool ChaCha20Poly1305::open(const ChaChaNonce& nonce, ByteView ad, ByteView ciphertext, std::uint8_t* out) {
  if (ciphertext.size() < kChaChaTagSize) return false;
  EVP_CIPHER_CTX* c = ctx_->open;
  const std::size_t n = ciphertext.size() - kChaChaTagSize;
  std::uint8_t tag[kChaChaTagSize];
  std::memcpy(tag, ciphertext.data() + n, kChaChaTagSize);  // out may alias ciphertext
  int len = 0;
  if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce.data(), 0) != 1) return false;
  if (!ad.empty() && EVP_CipherUpdate(c, nullptr, &len, ad.data(), to_int(ad.size())) != 1) return false;
  if (n > 0 && EVP_CipherUpdate(c, out, &len, ciphertext.data(), to_int(n)) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, kChaChaTagSize, tag) != 1) return false;
  return EVP_CipherFinal_ex(c, out + n, &len) == 1;
}

Bytes chacha20poly1305_seal(const ChaChaKey& key, const ChaChaNonce& nonce, ByteView ad, ByteView plaintext) {
  Bytes out(plaintext.size() + kChaChaTagSize);
  ChaCha20Poly1305(key).seal(nonce, ad, plaintext, out.data());
  return out;
}

bool chacha20poly1305_open(const ChaChaKey& key, const ChaChaNonce& nonce, ByteView ad, ByteView ciphertext,
                           Bytes& plaintext) {
  if (ciphertext.size() < kChaChaTagSize) return false;
  plaintext.resize(ciphertext.size() - kChaChaTagSize);
  return ChaCha20Poly1305(key).open(nonce, ad, ciphertext, plaintext.data());
}

}  // namespace latchkey::crypto
