// Tailnet Lock codec throughput: AUM encode/decode/hash, node-key signature
// verification (direct, and rotation over a credential as wrapped auth keys
// produce), each beside the raw primitive it rests on (BLAKE2s over the same
// bytes, one Ed25519 verification) measured in the same run.
#include <benchmark/benchmark.h>

#include "crypto/blake2s.h"
#include "crypto/ed25519.h"
#include "tka/aum.h"
#include "key/node_key.h"
#include "tka/sig.h"

namespace {

using namespace latchkey;
using namespace latchkey::tka;

crypto::Ed25519Private key_from_byte(std::uint8_t b) {
  crypto::Ed25519Seed seed;
  seed.fill(b);
  return crypto::ed25519_from_seed(seed);
}

Bytes pub_bytes(const crypto::Ed25519Private& priv) {
  const auto pub = crypto::ed25519_public(priv);
  return Bytes(pub.begin(), pub.end());
}

// A typical chain AUM: AddKey with metadata, a parent, one signature.
Aum sample_aum() {
  const auto signer = key_from_byte(1);
  Aum aum;
  aum.kind = AumKind::AddKey;
  aum.prev_aum_hash = Bytes(32, 0x42);
  Key k;
  k.kind = KeyKind::Ed25519;
  k.votes = 1;
  k.public_key = pub_bytes(key_from_byte(2));
  k.meta = Metadata{{"name", "laptop"}};
  aum.key = k;
  aum.sign(signer);
  return aum;
}

struct NodeKeyFixture {
  State state;
  key::NodePublic node_key;
  Bytes direct;
  Bytes rotation;

  NodeKeyFixture() {
    const auto trusted = key_from_byte(7);
    Key k;
    k.kind = KeyKind::Ed25519;
    k.votes = 1;
    k.public_key = pub_bytes(trusted);
    state.keys = std::vector<Key>{k};
    ByteArray<32> raw;
    raw.fill(0x33);
    node_key = key::NodePublic::from_raw(raw);

    NodeKeySignature d;
    d.kind = SigKind::Direct;
    const auto nk_binary = node_key.to_binary();
    d.pubkey.assign(nk_binary.begin(), nk_binary.end());
    d.key_id = *k.public_key;
    const auto ds = crypto::ed25519_sign(trusted, d.sig_hash());
    d.signature.assign(ds.begin(), ds.end());
    direct = d.serialize();

    const auto wrapping = key_from_byte(9);
    NodeKeySignature cred;
    cred.kind = SigKind::Credential;
    cred.key_id = *k.public_key;
    cred.wrapping_pubkey = pub_bytes(wrapping);
    const auto cs = crypto::ed25519_sign(trusted, cred.sig_hash());
    cred.signature.assign(cs.begin(), cs.end());
    rotation = sign_by_credential(wrapping, cred, node_key).value();
  }
};

const NodeKeyFixture& fixture() {
  static const NodeKeyFixture f;
  return f;
}

void BM_AumSerialize(benchmark::State& st) {
  const Aum aum = sample_aum();
  for (auto _ : st) benchmark::DoNotOptimize(aum.serialize());
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_AumSerialize);

void BM_AumUnserialize(benchmark::State& st) {
  const Bytes encoded = sample_aum().serialize();
  for (auto _ : st) benchmark::DoNotOptimize(Aum::unserialize(encoded));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_AumUnserialize);

void BM_AumHash(benchmark::State& st) {
  const Aum aum = sample_aum();
  for (auto _ : st) benchmark::DoNotOptimize(aum.hash());
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_AumHash);

// Raw BLAKE2s-256 over bytes of the same length as the AUM's encoding.
void BM_Blake2sAumSized(benchmark::State& st) {
  const Bytes encoded = sample_aum().serialize();
  for (auto _ : st) benchmark::DoNotOptimize(crypto::blake2s256(encoded));
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(std::to_string(encoded.size()) + " bytes");
}
BENCHMARK(BM_Blake2sAumSized);

void BM_NodeKeyAuthorizedDirect(benchmark::State& st) {
  const auto& f = fixture();
  if (!node_key_authorized(f.state, f.node_key, f.direct).ok()) st.SkipWithError("direct signature rejected");
  for (auto _ : st) benchmark::DoNotOptimize(node_key_authorized(f.state, f.node_key, f.direct));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_NodeKeyAuthorizedDirect);

void BM_NodeKeyAuthorizedRotationOverCredential(benchmark::State& st) {
  const auto& f = fixture();
  if (!node_key_authorized(f.state, f.node_key, f.rotation).ok()) st.SkipWithError("rotation signature rejected");
  for (auto _ : st) benchmark::DoNotOptimize(node_key_authorized(f.state, f.node_key, f.rotation));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_NodeKeyAuthorizedRotationOverCredential);

// init/finish's check: 5,000 direct signatures by one trusted key, one by
// one (node_key_authorized, what the server did) and as one batch
// (node_keys_authorized, what it does).
struct InitFinishFixture {
  State state;
  std::vector<key::NodePublic> node_keys;
  std::vector<Bytes> sigs;
  std::vector<NodeKeyToAuthorize> items;

  InitFinishFixture() {
    const auto trusted = key_from_byte(7);
    Key k;
    k.kind = KeyKind::Ed25519;
    k.votes = 1;
    k.public_key = pub_bytes(trusted);
    state.keys = std::vector<Key>{k};
    const Bytes wrapping = pub_bytes(key_from_byte(9));
    for (int i = 0; i < 5000; ++i) {
      const key::NodePublic nk = key::NodePrivate::generate().public_key();
      NodeKeySignature d;
      d.kind = SigKind::Direct;
      const auto nk_binary = nk.to_binary();
      d.pubkey.assign(nk_binary.begin(), nk_binary.end());
      d.key_id = *k.public_key;
      d.wrapping_pubkey = wrapping;
      const auto ds = crypto::ed25519_sign(trusted, d.sig_hash());
      d.signature.assign(ds.begin(), ds.end());
      node_keys.push_back(nk);
      sigs.push_back(d.serialize());
    }
    for (std::size_t i = 0; i < sigs.size(); ++i) items.push_back({node_keys[i], sigs[i]});
  }
};

const InitFinishFixture& init_finish_fixture() {
  static const InitFinishFixture f;
  return f;
}

void BM_InitFinish5000OneByOne(benchmark::State& st) {
  const auto& f = init_finish_fixture();
  for (auto _ : st) {
    bool all = true;
    for (const auto& item : f.items) all = all && node_key_authorized(f.state, item.node_key, item.marshaled).ok();
    if (!all) st.SkipWithError("a signature was rejected");
    benchmark::DoNotOptimize(all);
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(f.items.size()));
}
BENCHMARK(BM_InitFinish5000OneByOne)->Unit(benchmark::kMillisecond);

void BM_InitFinish5000Batch(benchmark::State& st) {
  const auto& f = init_finish_fixture();
  for (auto _ : st) {
    auto refused = node_keys_authorized(f.state, f.items);
    if (refused) st.SkipWithError("a signature was rejected");
    benchmark::DoNotOptimize(refused);
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(f.items.size()));
}
BENCHMARK(BM_InitFinish5000Batch)->Unit(benchmark::kMillisecond);

void BM_Ed25519VerifyRaw(benchmark::State& st) {
  const auto priv = key_from_byte(7);
  const Bytes pub = pub_bytes(priv);
  const ByteArray<32> msg{};
  const auto sig = crypto::ed25519_sign(priv, msg);
  for (auto _ : st) benchmark::DoNotOptimize(crypto::ed25519_verify(pub, msg, sig));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Ed25519VerifyRaw);

void BM_Ed25519VerifyZip215Raw(benchmark::State& st) {
  const auto priv = key_from_byte(7);
  const Bytes pub = pub_bytes(priv);
  const ByteArray<32> msg{};
  const auto sig = crypto::ed25519_sign(priv, msg);
  for (auto _ : st) benchmark::DoNotOptimize(crypto::ed25519_verify_zip215(pub, msg, sig));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Ed25519VerifyZip215Raw);

}  // namespace
