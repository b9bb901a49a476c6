#include "crypto/chacha20poly1305.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <stdexcept>

#include "crypto/random.h"

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

void sodium_seal(const ChaChaKey& key, const ChaChaNonce& nonce, ByteView ad, ByteView plaintext, std::uint8_t* out) {
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, out + plaintext.size(), nullptr, plaintext.data(),
                                                     plaintext.size(), ad.data(), ad.size(), nullptr, nonce.data(),
                                                     key.data());
}

// The tag is checked before anything is written, so out may alias the
// ciphertext.
bool sodium_open(const ChaChaKey& key, const ChaChaNonce& nonce, ByteView ad, ByteView ciphertext, std::uint8_t* out) {
  const std::size_t n = ciphertext.size() - kChaChaTagSize;
  return crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, nullptr, ciphertext.data(), n, ciphertext.data() + n,
                                                            ad.data(), ad.size(), nonce.data(), key.data()) == 0;
}

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

ChaCha20Poly1305::ChaCha20Poly1305(const ChaChaKey& key) : key_(key) { ensure_sodium(); }

ChaCha20Poly1305::~ChaCha20Poly1305() { sodium_memzero(key_.data(), key_.size()); }
ChaCha20Poly1305::ChaCha20Poly1305(ChaCha20Poly1305&&) noexcept = default;
ChaCha20Poly1305& ChaCha20Poly1305::operator=(ChaCha20Poly1305&&) noexcept = default;

ChaCha20Poly1305::Contexts& ChaCha20Poly1305::contexts() {
  if (!ctx_) {
    static const EVP_CIPHER* cipher = EVP_chacha20_poly1305();
    auto c = std::make_unique<Contexts>();
    c->seal = new_context(cipher, key_, 1);
    c->open = new_context(cipher, key_, 0);
    ctx_ = std::move(c);
  }
  return *ctx_;
}

void ChaCha20Poly1305::seal(const ChaChaNonce& nonce, ByteView ad, ByteView plaintext, std::uint8_t* out) {
  if (plaintext.size() < kChaChaOpenSslThreshold) {
    sodium_seal(key_, nonce, ad, plaintext, out);
    return;
  }
  EVP_CIPHER_CTX* c = contexts().seal;
  int len = 0;
  bool ok = EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce.data(), 1) == 1;
  if (ok && !ad.empty()) ok = EVP_CipherUpdate(c, nullptr, &len, ad.data(), to_int(ad.size())) == 1;
  ok = ok && EVP_CipherUpdate(c, out, &len, plaintext.data(), to_int(plaintext.size())) == 1;
  ok = ok && EVP_CipherFinal_ex(c, out + plaintext.size(), &len) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, kChaChaTagSize, out + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("chacha20poly1305: OpenSSL seal failed");
}

bool ChaCha20Poly1305::open(const ChaChaNonce& nonce, ByteView ad, ByteView ciphertext, std::uint8_t* out) {
  if (ciphertext.size() < kChaChaTagSize) return false;
  const std::size_t n = ciphertext.size() - kChaChaTagSize;
  if (n < kChaChaOpenSslThreshold) return sodium_open(key_, nonce, ad, ciphertext, out);
  EVP_CIPHER_CTX* c = contexts().open;
  std::uint8_t tag[kChaChaTagSize];
  std::memcpy(tag, ciphertext.data() + n, kChaChaTagSize);  // out may alias ciphertext
  int len = 0;
  if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce.data(), 0) != 1) return false;
  if (!ad.empty() && EVP_CipherUpdate(c, nullptr, &len, ad.data(), to_int(ad.size())) != 1) return false;
  if (EVP_CipherUpdate(c, out, &len, ciphertext.data(), to_int(n)) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, kChaChaTagSize, tag) != 1) return false;
  return EVP_CipherFinal_ex(c, out + n, &len) == 1;
}

Bytes chacha20poly1305_seal(const ChaChaKey& key, const ChaChaNonce& nonce, ByteView ad, ByteView plaintext) {
  Bytes out(plaintext.size() + kChaChaTagSize);
  if (plaintext.size() < kChaChaOpenSslThreshold) {
    ensure_sodium();
    sodium_seal(key, nonce, ad, plaintext, out.data());
  } else {
    ChaCha20Poly1305(key).seal(nonce, ad, plaintext, out.data());
  }
  return out;
}

bool chacha20poly1305_open(const ChaChaKey& key, const ChaChaNonce& nonce, ByteView ad, ByteView ciphertext,
                           Bytes& plaintext) {
  if (ciphertext.size() < kChaChaTagSize) return false;
  plaintext.resize(ciphertext.size() - kChaChaTagSize);
  if (plaintext.size() < kChaChaOpenSslThreshold) {
    ensure_sodium();
    return sodium_open(key, nonce, ad, ciphertext, plaintext.data());
  }
  return ChaCha20Poly1305(key).open(nonce, ad, ciphertext, plaintext.data());
}

}  // namespace latchkey::crypto
