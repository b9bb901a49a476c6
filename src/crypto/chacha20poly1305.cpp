#include "crypto/chacha20poly1305.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "crypto/random.h"

namespace latchkey::crypto {
namespace {

// The cipher, fetched once: an EVP_CIPHER_CTX initialised from the legacy
// EVP_chacha20_poly1305() would look the provider's implementation up again
// on every new context.
const EVP_CIPHER* chacha_cipher() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  if (cipher == nullptr) throw std::runtime_error("chacha20poly1305: OpenSSL has no ChaCha20-Poly1305");
  return cipher;
}

constexpr std::size_t kPoolLimit = 16;  // per direction and thread

// Released contexts of one thread, keyed with zeros while they wait.
struct ContextPool {
  std::vector<EVP_CIPHER_CTX*> free[2];  // [0] open, [1] seal
  ~ContextPool();
};

thread_local bool pool_gone = false;  // set once this thread's pool is destroyed
thread_local ContextPool pool;

ContextPool::~ContextPool() {
  pool_gone = true;
  for (auto& list : free) {
    for (EVP_CIPHER_CTX* c : list) EVP_CIPHER_CTX_free(c);
    list.clear();
  }
}

EVP_CIPHER_CTX* take_context(const ChaChaKey& key, int encrypt) {
  EVP_CIPHER_CTX* ctx = nullptr;
  if (!pool_gone && !pool.free[encrypt].empty()) {
    ctx = pool.free[encrypt].back();
    pool.free[encrypt].pop_back();
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), nullptr, encrypt) == 1) return ctx;
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("chacha20poly1305: OpenSSL key setup failed");
  }
  ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr || EVP_CipherInit_ex(ctx, chacha_cipher(), nullptr, key.data(), nullptr, encrypt) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("chacha20poly1305: OpenSSL context setup failed");
  }
  return ctx;
}

// Wipes the key out of ctx (re-keys it with zeros) and keeps it for reuse,
// or frees it.
void give_context(EVP_CIPHER_CTX* ctx, int encrypt) noexcept {
  if (ctx == nullptr) return;
  static const ChaChaKey zero_key{};
  if (!pool_gone && pool.free[encrypt].size() < kPoolLimit &&
      EVP_CipherInit_ex(ctx, nullptr, nullptr, zero_key.data(), nullptr, encrypt) == 1) {
    try {
      pool.free[encrypt].push_back(ctx);
      return;
    } catch (...) {
    }
  }
  EVP_CIPHER_CTX_free(ctx);  // clears the key material
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

std::size_t chacha_pooled_contexts(bool seal) { return pool_gone ? 0 : pool.free[seal ? 1 : 0].size(); }

// Separate encrypt and decrypt contexts: switching direction on one context
// would need a full re-init.
ChaCha20Poly1305::ChaCha20Poly1305(const ChaChaKey& key) : key_(key) { ensure_sodium(); }

ChaCha20Poly1305::~ChaCha20Poly1305() {
  release();
  sodium_memzero(key_.data(), key_.size());
}

ChaCha20Poly1305::ChaCha20Poly1305(ChaCha20Poly1305&& other) noexcept
    : key_(other.key_), seal_ctx_(std::exchange(other.seal_ctx_, nullptr)),
      open_ctx_(std::exchange(other.open_ctx_, nullptr)) {}

ChaCha20Poly1305& ChaCha20Poly1305::operator=(ChaCha20Poly1305&& other) noexcept {
  if (this != &other) {
    release();
    key_ = other.key_;
    seal_ctx_ = std::exchange(other.seal_ctx_, nullptr);
    open_ctx_ = std::exchange(other.open_ctx_, nullptr);
  }
  return *this;
}

void ChaCha20Poly1305::release() noexcept {
  give_context(std::exchange(seal_ctx_, nullptr), 1);
  give_context(std::exchange(open_ctx_, nullptr), 0);
}

void ChaCha20Poly1305::seal(const ChaChaNonce& nonce, ByteView ad, ByteView plaintext, std::uint8_t* out) {
  if (plaintext.size() < kChaChaOpenSslThreshold) {
    sodium_seal(key_, nonce, ad, plaintext, out);
    return;
  }
  if (seal_ctx_ == nullptr) seal_ctx_ = take_context(key_, 1);
  EVP_CIPHER_CTX* c = seal_ctx_;
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
  if (open_ctx_ == nullptr) open_ctx_ = take_context(key_, 0);
  EVP_CIPHER_CTX* c = open_ctx_;
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
