// X25519: the wrapper (libsodium) against raw libsodium and OpenSSL EVP.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "crypto/random.h"
#include "crypto/x25519.h"

namespace {

using namespace latchkey::crypto;

void BM_X25519Base_Wrapper(benchmark::State& state) {
  const X25519Scalar k = x25519_generate();
  for (auto _ : state) benchmark::DoNotOptimize(x25519_public(k));
}
BENCHMARK(BM_X25519Base_Wrapper);

// The two libsodium calls the wrapper could use: the ladder, and the
// Edwards fixed-base comb it does use (plus our u = (1+y)/(1-y) map).
void BM_X25519Base_SodiumLadder(benchmark::State& state) {
  ensure_sodium();
  const X25519Scalar k = x25519_generate();
  X25519Point out;
  for (auto _ : state) {
    crypto_scalarmult_curve25519_base(out.data(), k.data());
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_X25519Base_SodiumLadder);

void BM_X25519Base_SodiumRaw(benchmark::State& state) {
  ensure_sodium();
  const X25519Scalar k = x25519_generate();
  X25519Point out;
  for (auto _ : state) {
    crypto_scalarmult_ed25519_base_noclamp(out.data(), k.data());
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_X25519Base_SodiumRaw);

// OpenSSL has no public raw X25519 call: a public key comes from an EVP_PKEY.
void BM_X25519Base_OpenSSL(benchmark::State& state) {
  const X25519Scalar k = x25519_generate();
  X25519Point out;
  for (auto _ : state) {
    EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, k.data(), k.size());
    std::size_t len = out.size();
    EVP_PKEY_get_raw_public_key(key, out.data(), &len);
    EVP_PKEY_free(key);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_X25519Base_OpenSSL);

void BM_X25519Shared_Wrapper(benchmark::State& state) {
  const X25519Scalar a = x25519_generate();
  const X25519Point peer = x25519_public(x25519_generate());
  for (auto _ : state) benchmark::DoNotOptimize(x25519_shared(a, peer));
}
BENCHMARK(BM_X25519Shared_Wrapper);

void BM_X25519Shared_SodiumRaw(benchmark::State& state) {
  ensure_sodium();
  const X25519Scalar a = x25519_generate();
  const X25519Point peer = x25519_public(x25519_generate());
  X25519Point out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult_curve25519(out.data(), a.data(), peer.data()));
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_X25519Shared_SodiumRaw);

// Per Noise DH: both keys arrive as bytes, so EVP_PKEYs are built each time.
void BM_X25519Shared_OpenSSL(benchmark::State& state) {
  const X25519Scalar a = x25519_generate();
  const X25519Point peer = x25519_public(x25519_generate());
  X25519Point out;
  for (auto _ : state) {
    EVP_PKEY* priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, a.data(), a.size());
    EVP_PKEY* pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer.data(), peer.size());
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(priv, nullptr);
    std::size_t len = out.size();
    EVP_PKEY_derive_init(ctx);
    EVP_PKEY_derive_set_peer(ctx, pub);
    EVP_PKEY_derive(ctx, out.data(), &len);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(priv);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_X25519Shared_OpenSSL);

}  // namespace
