// Authority benchmarks (docs/performance.md "tka authority"): replaying a
// 10,000-AUM chain (bootstrap + one inform of everything after the genesis,
// which batch-verifies the signatures) and NodeKeyAuthorized for a direct
// signature and for a rotation signature over a credential, each beside the
// raw primitives they are built on (Ed25519 verification, BLAKE2s) measured
// in the same run.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <vector>

#include "crypto/blake2s.h"
#include "crypto/ed25519.h"
#include "tka/authority.h"
#include "tka/builder.h"
#include "tka/memory_storage.h"
#include "tka/signer.h"

namespace latchkey::tka {
namespace {

crypto::Ed25519Private key_from(std::uint8_t seed) {
  crypto::Ed25519Seed s{};
  s.fill(seed);
  return crypto::ed25519_from_seed(s);
}

State genesis_state(const Key& key) {
  State s;
  s.keys = std::vector<Key>{key};
  s.disablement_values = std::vector<NullableBytes>{Bytes(32, 0x42)};
  return s;
}

// A chain of `n` AUMs (the genesis included) made by the builder: one key
// added and removed over and over, a checkpoint every 50 AUMs, as upstream's
// SeedAUMs makes them.
struct LongChain {
  Aum genesis;
  std::vector<Aum> updates;
};

const LongChain& long_chain(std::size_t n) {
  static const LongChain chain = [n] {
    LongChain out;
    const Ed25519Signer signer(key_from(1));
    MemoryStorage storage;
    auto created = Authority::create(storage, genesis_state(signer.key(1)), signer);
    Authority a = created->first;
    out.genesis = created->second;
    Key churn;
    churn.kind = KeyKind::Ed25519;
    churn.votes = 1;
    churn.public_key = Bytes(32, 7);
    bool add = true;
    while (out.updates.size() + 1 < n) {
      UpdateBuilder b(a, &signer);
      (void)(add ? b.add_key(churn) : b.remove_key(*churn.public_key));
      add = !add;
      auto aums = b.finalize(storage);
      (void)a.inform(storage, *aums);
      for (auto& x : *aums) out.updates.push_back(std::move(x));
    }
    out.updates.resize(n - 1);
    return out;
  }();
  return chain;
}

void BM_ReplayBootstrapInform10000(benchmark::State& st) {
  const LongChain& chain = long_chain(10000);
  for (auto _ : st) {
    MemoryStorage storage;
    auto a = Authority::bootstrap(storage, chain.genesis);
    auto ok = a->inform(storage, chain.updates);
    if (!ok) st.SkipWithError(ok.message().c_str());
    benchmark::DoNotOptimize(a->head());
  }
  st.counters["aums"] = static_cast<double>(chain.updates.size() + 1);
}
BENCHMARK(BM_ReplayBootstrapInform10000)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The floor of the replay: one batched ZIP-215 verification of the same
// 9,999 signatures (what the inform batch verifies), nothing else.
void BM_Zip215BatchOfReplaySignatures(benchmark::State& st) {
  const LongChain& chain = long_chain(10000);
  std::vector<AumSigHash> digests;
  for (const auto& a : chain.updates) digests.push_back(a.sig_hash());
  std::vector<crypto::Ed25519BatchItem> items;
  for (std::size_t i = 0; i < chain.updates.size(); ++i) {
    const auto& sig = chain.updates[i].signatures.at(0);
    items.push_back({*sig.key_id, digests[i], *sig.signature});
  }
  for (auto _ : st) {
    if (!crypto::ed25519_verify_zip215_batch(items)) st.SkipWithError("batch rejected");
  }
  st.counters["signatures"] = static_cast<double>(items.size());
}
BENCHMARK(BM_Zip215BatchOfReplaySignatures)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_Ed25519Verify(benchmark::State& st) {
  const auto priv = key_from(3);
  const auto pub = crypto::ed25519_public(priv);
  const Bytes msg(32, 5);
  const auto sig = crypto::ed25519_sign(priv, msg);
  for (auto _ : st) benchmark::DoNotOptimize(crypto::ed25519_verify(pub, msg, sig));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Ed25519Verify);

void BM_Ed25519VerifyZip215(benchmark::State& st) {
  const auto priv = key_from(3);
  const auto pub = crypto::ed25519_public(priv);
  const Bytes msg(32, 5);
  const auto sig = crypto::ed25519_sign(priv, msg);
  for (auto _ : st) benchmark::DoNotOptimize(crypto::ed25519_verify_zip215(pub, msg, sig));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Ed25519VerifyZip215);

// The raw libsodium verification (what the verifiers used before they
// became faster than it), on the same key and message.
void BM_Ed25519Verify_SodiumRaw(benchmark::State& st) {
  const auto priv = key_from(3);
  const auto pub = crypto::ed25519_public(priv);
  const Bytes msg(32, 5);
  const auto sig = crypto::ed25519_sign(priv, msg);
  for (auto _ : st) {
    benchmark::DoNotOptimize(crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), pub.data()));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Ed25519Verify_SodiumRaw);

void BM_Blake2s(benchmark::State& st) {
  const Bytes data(static_cast<std::size_t>(st.range(0)), 9);
  for (auto _ : st) benchmark::DoNotOptimize(crypto::blake2s256(data));
  st.SetItemsProcessed(st.iterations());
  st.SetBytesProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_Blake2s)->Arg(64)->Arg(256);

}  // namespace
}  // namespace latchkey::tka
