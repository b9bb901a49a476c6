// Ed25519: signing and both verifiers (fast path and the exact slow path),
// ZIP-215 batch verification, next to raw libsodium and OpenSSL; plus the
// edwards25519 building blocks the slow path and the batch spend time in.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <vector>

#include "base/hex.h"
#include "crypto/ed25519.h"
#include "crypto/ed25519_field.h"
#include "crypto/ed25519_msm.h"
#include "crypto/ed25519_point.h"
#include "crypto/random.h"

namespace {

using namespace latchkey;
using namespace latchkey::crypto;

Bytes unhex(std::string_view h) { return hex_decode(h).value(); }

struct Signed {
  Bytes pub, msg, sig;
};

// A 32-byte message, like the AUM and node-key signature hashes that
// Tailnet Lock signs.
Signed make_signed(const Ed25519Private& priv) {
  Bytes msg(32);
  random_bytes(msg);
  const Ed25519Public pub = ed25519_public(priv);
  const Ed25519Signature sig = ed25519_sign(priv, msg);
  return {Bytes(pub.begin(), pub.end()), msg, Bytes(sig.begin(), sig.end())};
}

const Signed& one_signed() {
  static const Signed s = make_signed(ed25519_generate());
  return s;
}

// chains.json zip215-mixed-order-key-normal-sig: valid under ZIP-215 only,
// so libsodium rejects it and the exact rule decides.
const Signed& edge_case() {
  static const Signed s{unhex("7017e101f2b6b025b7666f7e8a30789e65dfec3d34288bafded98a2d097d936b"),
                        unhex("235d1709e72c6e9cecfa5c546169a2d6a244fc57f17ba2aaf9e9b77031408948"),
                        unhex("dfd94a013629daa7941d4f8cf10d0c83f2b411d4cfbfe64a455c9abadeedcf1592668359ae6bf6ac17cacf"
                              "30ea68966d1f8ccecb45eddeea61177b54e3a37c08")};
  return s;
}

// ---------------------------------------------------------------- signing

void BM_Ed25519Sign_Wrapper(benchmark::State& state) {
  const Ed25519Private priv = ed25519_generate();
  Bytes msg(32);
  for (auto _ : state) benchmark::DoNotOptimize(ed25519_sign(priv, msg));
}
BENCHMARK(BM_Ed25519Sign_Wrapper);

void BM_Ed25519Sign_SodiumRaw(benchmark::State& state) {
  ensure_sodium();
  const Ed25519Private priv = ed25519_generate();
  Bytes msg(32);
  std::uint8_t sig[64];
  for (auto _ : state) {
    crypto_sign_detached(sig, nullptr, msg.data(), msg.size(), priv.data());
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_Ed25519Sign_SodiumRaw);

// OpenSSL with the key object built once (the cheapest way to use it).
void BM_Ed25519Sign_OpenSSL(benchmark::State& state) {
  const Ed25519Private priv = ed25519_generate();
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, priv.data(), 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Bytes msg(32);
  std::uint8_t sig[64];
  for (auto _ : state) {
    std::size_t len = sizeof sig;
    EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key);
    EVP_DigestSign(ctx, sig, &len, msg.data(), msg.size());
    benchmark::DoNotOptimize(sig);
  }
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
}
BENCHMARK(BM_Ed25519Sign_OpenSSL);

// ---------------------------------------------------------------- verification

void BM_Ed25519Verify_GoRule_Wrapper(benchmark::State& state) {
  const Signed& s = one_signed();
  for (auto _ : state) benchmark::DoNotOptimize(ed25519_verify(s.pub, s.msg, s.sig));
}
BENCHMARK(BM_Ed25519Verify_GoRule_Wrapper);

void BM_Ed25519Verify_Zip215_Wrapper(benchmark::State& state) {
  const Signed& s = one_signed();
  for (auto _ : state) benchmark::DoNotOptimize(ed25519_verify_zip215(s.pub, s.msg, s.sig));
}
BENCHMARK(BM_Ed25519Verify_Zip215_Wrapper);

// A different key on every call, more keys than the verifiers' key cache
// holds (64): every verification decodes A and builds its table (the cost
// of a key seen for the first time).
void BM_Ed25519Verify_Zip215_Wrapper_ColdKey(benchmark::State& state) {
  static const std::vector<Signed> pool = [] {
    std::vector<Signed> v;
    for (int i = 0; i < 256; ++i) v.push_back(make_signed(ed25519_generate()));
    return v;
  }();
  std::size_t i = 0;
  for (auto _ : state) {
    const Signed& s = pool[i++ % pool.size()];
    benchmark::DoNotOptimize(ed25519_verify_zip215(s.pub, s.msg, s.sig));
  }
}
BENCHMARK(BM_Ed25519Verify_Zip215_Wrapper_ColdKey);

void BM_Ed25519Verify_SodiumRaw(benchmark::State& state) {
  ensure_sodium();
  const Signed& s = one_signed();
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_sign_verify_detached(s.sig.data(), s.msg.data(), s.msg.size(), s.pub.data()));
  }
}
BENCHMARK(BM_Ed25519Verify_SodiumRaw);

// Keys arrive as bytes, so the EVP_PKEY is built per verification.
void BM_Ed25519Verify_OpenSSL(benchmark::State& state) {
  const Signed& s = one_signed();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  for (auto _ : state) {
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, s.pub.data(), s.pub.size());
    EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key);
    benchmark::DoNotOptimize(EVP_DigestVerify(ctx, s.sig.data(), s.sig.size(), s.msg.data(), s.msg.size()));
    EVP_PKEY_free(key);
  }
  EVP_MD_CTX_free(ctx);
}
BENCHMARK(BM_Ed25519Verify_OpenSSL);

// The exact reference functions on an ordinary signature (A decoded on
// every call, generic double-scalar multiplication).
void BM_Ed25519Verify_GoRule_Exact(benchmark::State& state) {
  const Signed& s = one_signed();
  for (auto _ : state) benchmark::DoNotOptimize(ed25519_verify_exact(s.pub, s.msg, s.sig));
}
BENCHMARK(BM_Ed25519Verify_GoRule_Exact);

void BM_Ed25519Verify_Zip215_Exact(benchmark::State& state) {
  const Signed& s = one_signed();
  for (auto _ : state) benchmark::DoNotOptimize(ed25519_verify_zip215_exact(s.pub, s.msg, s.sig));
}
BENCHMARK(BM_Ed25519Verify_Zip215_Exact);

// Edge cases through the public verifiers: for ZIP-215 the encodings differ
// and R is decoded for the cofactored check.
void BM_Ed25519Verify_GoRule_EdgeCase(benchmark::State& state) {
  const Signed& s = edge_case();
  for (auto _ : state) benchmark::DoNotOptimize(ed25519_verify(s.pub, s.msg, s.sig));
}
BENCHMARK(BM_Ed25519Verify_GoRule_EdgeCase);

void BM_Ed25519Verify_Zip215_EdgeCase(benchmark::State& state) {
  const Signed& s = edge_case();
  for (auto _ : state) benchmark::DoNotOptimize(ed25519_verify_zip215(s.pub, s.msg, s.sig));
}
BENCHMARK(BM_Ed25519Verify_Zip215_EdgeCase);

// ---------------------------------------------------------------- batch

// n signatures by `keys` signers (Tailnet Lock: a handful of keys).
const std::vector<Signed>& batch_data(std::size_t n, std::size_t keys) {
  static std::vector<std::pair<std::pair<std::size_t, std::size_t>, std::vector<Signed>>> cache;
  for (const auto& [k, v] : cache) {
    if (k.first == n && k.second == keys) return v;
  }
  std::vector<Ed25519Private> signers;
  for (std::size_t i = 0; i < keys; ++i) signers.push_back(ed25519_generate());
  std::vector<Signed> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(make_signed(signers[i % keys]));
  cache.push_back({{n, keys}, std::move(v)});
  return cache.back().second;
}

void BM_Ed25519BatchVerify(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const std::size_t keys = state.range(1) == 0 ? n : static_cast<std::size_t>(state.range(1));
  const std::vector<Signed>& data = batch_data(n, keys);
  std::vector<Ed25519BatchItem> items;
  for (const Signed& s : data) items.push_back({s.pub, s.msg, s.sig});
  for (auto _ : state) {
    if (!ed25519_verify_zip215_batch(items)) state.SkipWithError("batch rejected valid signatures");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["per_sig"] = benchmark::Counter(static_cast<double>(n),
                                                 benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
// Args: batch size, number of distinct signing keys (0 = all distinct).
BENCHMARK(BM_Ed25519BatchVerify)
    ->Args({64, 4})
    ->Args({64, 0})
    ->Args({10000, 4})
    ->Args({10000, 0})
    ->Unit(benchmark::kMicrosecond);

// The same signatures one at a time through the fast path, for comparison.
void BM_Ed25519SingleVerifyLoop(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const std::vector<Signed>& data = batch_data(n, 4);
  for (auto _ : state) {
    for (const Signed& s : data) benchmark::DoNotOptimize(ed25519_verify_zip215(s.pub, s.msg, s.sig));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["per_sig"] = benchmark::Counter(static_cast<double>(n),
                                                 benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Ed25519SingleVerifyLoop)->Arg(64)->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------- building blocks

namespace ed = latchkey::crypto::edwards25519;

void BM_Internal_FieldMul(benchmark::State& state) {
  std::uint8_t b[32];
  random_bytes(b);
  ed::FieldElement a = ed::fe_from_bytes(b), c = a;
  for (auto _ : state) {
    c = ed::fe_mul(c, a);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_Internal_FieldMul);

void BM_Internal_FieldSquare(benchmark::State& state) {
  std::uint8_t b[32];
  random_bytes(b);
  ed::FieldElement c = ed::fe_from_bytes(b);
  for (auto _ : state) {
    c = ed::fe_sq(c);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_Internal_FieldSquare);

void BM_Internal_DecodePoint(benchmark::State& state) {
  const Signed& s = one_signed();
  for (auto _ : state) benchmark::DoNotOptimize(ed::decode_point(s.pub.data()));
}
BENCHMARK(BM_Internal_DecodePoint);

void BM_Internal_PointAddAffine(benchmark::State& state) {
  const Signed& s = one_signed();
  const ed::AffineCachedPoint q = ed::to_affine_cached(*ed::decode_point(s.pub.data()));
  ed::Point p = ed::to_extended(ed::basepoint());
  for (auto _ : state) {
    p = ed::point_add(p, q);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_Internal_PointAddAffine);

void BM_Internal_PointDouble(benchmark::State& state) {
  ed::Point p = ed::to_extended(ed::basepoint());
  for (auto _ : state) {
    p = ed::point_double(p);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_Internal_PointDouble);

void BM_Internal_Sha512_Sodium(benchmark::State& state) {
  ensure_sodium();
  std::uint8_t in[96], out[64];
  random_bytes(in);
  for (auto _ : state) {
    crypto_hash_sha512(out, in, sizeof in);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Internal_Sha512_Sodium);

void BM_Internal_Sha512_OpenSSL(benchmark::State& state) {
  std::uint8_t in[96], out[64];
  random_bytes(in);
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  for (auto _ : state) {
    unsigned len = 0;
    EVP_DigestInit_ex2(ctx, md, nullptr);
    EVP_DigestUpdate(ctx, in, sizeof in);
    EVP_DigestFinal_ex(ctx, out, &len);
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
}
BENCHMARK(BM_Internal_Sha512_OpenSSL);

}  // namespace

namespace {

void BM_Internal_DecodePoints(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const std::vector<Signed>& data = batch_data(n, n);
  std::vector<const std::uint8_t*> enc;
  for (const Signed& s : data) enc.push_back(s.sig.data());
  std::vector<ed::AffinePoint> out(n);
  for (auto _ : state) benchmark::DoNotOptimize(ed::decode_points(enc, out));
  state.counters["per_point"] = benchmark::Counter(static_cast<double>(n),
                                                   benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Internal_DecodePoints)->Arg(1000);

void BM_Internal_Msm128(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const std::vector<Signed>& data = batch_data(n, n);
  std::vector<const std::uint8_t*> enc;
  for (const Signed& s : data) enc.push_back(s.sig.data());
  std::vector<ed::AffinePoint> points(n);
  ed::decode_points(enc, points);
  std::vector<ed::Scalar> scalars(n);
  for (ed::Scalar& s : scalars) {
    random_bytes({reinterpret_cast<std::uint8_t*>(&s), 16});
    s.limb[2] = s.limb[3] = 0;
  }
  for (auto _ : state) benchmark::DoNotOptimize(ed::multiscalar_mult_vartime(scalars, points));
  state.counters["per_point"] = benchmark::Counter(static_cast<double>(n),
                                                   benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Internal_Msm128)->Arg(64)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
