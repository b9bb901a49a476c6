// ChaCha20-Poly1305, BLAKE2s and HMAC-BLAKE2s: each wrapper next to the raw
// library calls it makes and the alternative library.
#include <benchmark/benchmark.h>
#include <blake2.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>

#include "crypto/blake2s.h"
#include "crypto/chacha20poly1305.h"
#include "crypto/hmac_blake2s.h"
#include "crypto/random.h"

namespace {

using namespace latchkey;
using namespace latchkey::crypto;

Bytes random_data(std::size_t n) {
  Bytes b(n);
  random_bytes(b);
  return b;
}

ChaChaKey random_key() {
  ChaChaKey k;
  random_bytes(k);
  return k;
}

// Nonce changes each record as in the Noise transport (big-endian counter).
void bump(ChaChaNonce& n) {
  for (std::size_t i = n.size(); i-- > 4;) {
    if (++n[i] != 0) break;
  }
}

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// ---------------------------------------------------------------- ChaCha20-Poly1305
// The wrapper uses libsodium below 512 bytes and OpenSSL from 512 bytes up
// (kChaChaOpenSslThreshold), chosen from these figures.

void BM_ChaChaSeal_Wrapper(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  ChaCha20Poly1305 aead(random_key());
  const Bytes plain = random_data(n);
  Bytes out(n + kChaChaTagSize);
  ChaChaNonce nonce{};
  for (auto _ : state) {
    bump(nonce);
    aead.seal(nonce, {}, plain, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state);
}
BENCHMARK(BM_ChaChaSeal_Wrapper)->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Arg(4096);

// The EVP sequence the wrapper runs from 512 bytes up, inline.
void BM_ChaChaSeal_OpenSSLRaw(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const ChaChaKey key = random_key();
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), nullptr, key.data(), nullptr, 1);
  const Bytes plain = random_data(n);
  Bytes out(n + kChaChaTagSize);
  ChaChaNonce nonce{};
  for (auto _ : state) {
    bump(nonce);
    int len = 0;
    EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce.data(), 1);
    EVP_CipherUpdate(c, out.data(), &len, plain.data(), static_cast<int>(n));
    EVP_CipherFinal_ex(c, out.data() + n, &len);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out.data() + n);
    benchmark::DoNotOptimize(out.data());
  }
  EVP_CIPHER_CTX_free(c);
  set_bytes(state);
}
BENCHMARK(BM_ChaChaSeal_OpenSSLRaw)->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Arg(4096);

// The libsodium call the wrapper makes below 512 bytes.
void BM_ChaChaSeal_Sodium(benchmark::State& state) {
  ensure_sodium();
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const ChaChaKey key = random_key();
  const Bytes plain = random_data(n);
  Bytes out(n + kChaChaTagSize);
  ChaChaNonce nonce{};
  for (auto _ : state) {
    bump(nonce);
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(out.data(), out.data() + n, nullptr, plain.data(), n,
                                                       nullptr, 0, nullptr, nonce.data(), key.data());
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state);
}
BENCHMARK(BM_ChaChaSeal_Sodium)->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Arg(4096);

void BM_ChaChaOpen_Wrapper(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const ChaChaKey key = random_key();
  ChaCha20Poly1305 aead(key);
  const ChaChaNonce nonce{};
  const Bytes sealed = chacha20poly1305_seal(key, nonce, {}, random_data(n));
  Bytes out(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(aead.open(nonce, {}, sealed, out.data()));
  }
  set_bytes(state);
}
BENCHMARK(BM_ChaChaOpen_Wrapper)->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Arg(4096);

void BM_ChaChaOpen_OpenSSLRaw(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const ChaChaKey key = random_key();
  const ChaChaNonce nonce{};
  Bytes sealed = chacha20poly1305_seal(key, nonce, {}, random_data(n));
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), nullptr, key.data(), nullptr, 0);
  Bytes out(n);
  std::uint8_t tag[16];
  for (auto _ : state) {
    int len = 0;
    std::memcpy(tag, sealed.data() + n, 16);
    EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce.data(), 0);
    EVP_CipherUpdate(c, out.data(), &len, sealed.data(), static_cast<int>(n));
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag);
    benchmark::DoNotOptimize(EVP_CipherFinal_ex(c, out.data() + n, &len));
  }
  EVP_CIPHER_CTX_free(c);
  set_bytes(state);
}
BENCHMARK(BM_ChaChaOpen_OpenSSLRaw)->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Arg(4096);

void BM_ChaChaOpen_Sodium(benchmark::State& state) {
  ensure_sodium();
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const ChaChaKey key = random_key();
  const ChaChaNonce nonce{};
  const Bytes sealed = chacha20poly1305_seal(key, nonce, {}, random_data(n));
  Bytes out(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_aead_chacha20poly1305_ietf_decrypt_detached(
        out.data(), nullptr, sealed.data(), n, sealed.data() + n, nullptr, 0, nonce.data(), key.data()));
  }
  set_bytes(state);
}
BENCHMARK(BM_ChaChaOpen_Sodium)->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Arg(4096);

// ---------------------------------------------------------------- BLAKE2s

void BM_Blake2s_Wrapper(benchmark::State& state) {
  const Bytes data = random_data(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(blake2s256(data));
  set_bytes(state);
}
BENCHMARK(BM_Blake2s_Wrapper)->Arg(32)->Arg(64)->Arg(1024);

void BM_Blake2s_Libb2Raw(benchmark::State& state) {
  const Bytes data = random_data(static_cast<std::size_t>(state.range(0)));
  Blake2sDigest out;
  for (auto _ : state) {
    ::blake2s(out.data(), data.data(), nullptr, out.size(), data.size(), 0);
    benchmark::DoNotOptimize(out);
  }
  set_bytes(state);
}
BENCHMARK(BM_Blake2s_Libb2Raw)->Arg(32)->Arg(64)->Arg(1024);

// OpenSSL with the digest fetched once and the context reused.
void BM_Blake2s_OpenSSL(benchmark::State& state) {
  const Bytes data = random_data(static_cast<std::size_t>(state.range(0)));
  EVP_MD* md = EVP_MD_fetch(nullptr, "BLAKE2S-256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Blake2sDigest out;
  for (auto _ : state) {
    unsigned len = 0;
    EVP_DigestInit_ex2(ctx, md, nullptr);
    EVP_DigestUpdate(ctx, data.data(), data.size());
    EVP_DigestFinal_ex(ctx, out.data(), &len);
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  set_bytes(state);
}
BENCHMARK(BM_Blake2s_OpenSSL)->Arg(32)->Arg(64)->Arg(1024);

// The incremental form Noise's MixHash uses (h || data).
void BM_Blake2sIncremental_Wrapper(benchmark::State& state) {
  const Bytes data = random_data(static_cast<std::size_t>(state.range(0)));
  Blake2sDigest h{};
  for (auto _ : state) {
    h = Blake2s().update(h).update(data).final();
    benchmark::DoNotOptimize(h);
  }
  set_bytes(state);
}
BENCHMARK(BM_Blake2sIncremental_Wrapper)->Arg(32)->Arg(1024);

void BM_Blake2sIncremental_Libb2Raw(benchmark::State& state) {
  const Bytes data = random_data(static_cast<std::size_t>(state.range(0)));
  Blake2sDigest h{};
  for (auto _ : state) {
    blake2s_state st;
    blake2s_init(&st, 32);
    blake2s_update(&st, h.data(), h.size());
    blake2s_update(&st, data.data(), data.size());
    blake2s_final(&st, h.data(), h.size());
    benchmark::DoNotOptimize(h);
  }
  set_bytes(state);
}
BENCHMARK(BM_Blake2sIncremental_Libb2Raw)->Arg(32)->Arg(1024);

// ---------------------------------------------------------------- HMAC-BLAKE2s

void BM_HmacBlake2s_Wrapper(benchmark::State& state) {
  const Bytes key = random_data(32), data = random_data(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(hmac_blake2s(key, data));
  set_bytes(state);
}
BENCHMARK(BM_HmacBlake2s_Wrapper)->Arg(32)->Arg(1024);

// The libb2 calls the wrapper makes, inline.
void BM_HmacBlake2s_Libb2Raw(benchmark::State& state) {
  const Bytes key = random_data(32), data = random_data(static_cast<std::size_t>(state.range(0)));
  std::uint8_t ipad[64] = {}, opad[64] = {};
  for (auto _ : state) {
    for (int i = 0; i < 64; ++i) {
      const std::uint8_t k = i < 32 ? key[static_cast<std::size_t>(i)] : 0;
      ipad[i] = static_cast<std::uint8_t>(k ^ 0x36);
      opad[i] = static_cast<std::uint8_t>(k ^ 0x5c);
    }
    std::uint8_t inner[32], out[32];
    blake2s_state st;
    blake2s_init(&st, 32);
    blake2s_update(&st, ipad, 64);
    blake2s_update(&st, data.data(), data.size());
    blake2s_final(&st, inner, 32);
    blake2s_init(&st, 32);
    blake2s_update(&st, opad, 64);
    blake2s_update(&st, inner, 32);
    blake2s_final(&st, out, 32);
    benchmark::DoNotOptimize(out);
  }
  set_bytes(state);
}
BENCHMARK(BM_HmacBlake2s_Libb2Raw)->Arg(32)->Arg(1024);

void BM_HmacBlake2s_OpenSSL(benchmark::State& state) {
  const Bytes key = random_data(32), data = random_data(static_cast<std::size_t>(state.range(0)));
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest_name[] = "BLAKE2S-256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  std::uint8_t out[32];
  for (auto _ : state) {
    std::size_t len = 0;
    EVP_MAC_init(ctx, key.data(), key.size(), params);
    EVP_MAC_update(ctx, data.data(), data.size());
    EVP_MAC_final(ctx, out, &len, sizeof out);
    benchmark::DoNotOptimize(out);
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  set_bytes(state);
}
BENCHMARK(BM_HmacBlake2s_OpenSSL)->Arg(32)->Arg(1024);

void BM_NoiseHkdf2_Wrapper(benchmark::State& state) {
  Blake2sDigest ck;
  random_bytes(ck);
  const Bytes ikm = random_data(32);
  for (auto _ : state) benchmark::DoNotOptimize(noise_hkdf2(ck, ikm));
}
BENCHMARK(BM_NoiseHkdf2_Wrapper);

}  // namespace
