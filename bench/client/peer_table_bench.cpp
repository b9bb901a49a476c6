// The client's peer table (client/peer_table.h) at tailnet scale: one delta
// applied to a table of 100,000 signed peers (the bound: 0.05 ms per
// change), the sweep over 10,000 signed peers when a new authority arrives
// (bound: 0.3 s), and the table's memory per peer.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <map>
#include <memory>
#include <vector>

#include "client/peer_table.h"
#include "key/nl_key.h"
#include "key/node_key.h"
#include "tka/node_key_signing.h"
#include "tka/sig.h"

namespace latchkey::client {
namespace {

tka::State authority(const std::vector<key::NLPrivate>& keys) {
  tka::State s;
  s.keys.emplace();
  for (const auto& k : keys) s.keys->push_back(tka::trusted_key(k.public_key()));
  s.disablement_values = std::vector<tka::NullableBytes>{Bytes(32, 1)};
  return s;
}

// `n` peers, each with its own node key and lock key, signed by one of
// four trusted keys (as `tailscale lock sign` by a few admins).
struct Tailnet {
  std::vector<key::NLPrivate> admins;
  std::vector<tailcfg::Node> nodes;
  explicit Tailnet(std::size_t n) {
    for (int i = 0; i < 4; ++i) admins.push_back(key::NLPrivate::generate());
    nodes.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      tailcfg::Node node;
      node.id = static_cast<tailcfg::NodeId>(i + 1);
      node.name = "node" + std::to_string(i + 1) + ".example.ts.net.";
      node.key = key::NodePrivate::generate().public_key();
      node.addresses.emplace();
      node.key_signature = tka::sign_node_key(admins[i % admins.size()], node.key, key::NLPrivate::generate().key_id());
      nodes.push_back(std::move(node));
    }
  }
};

const Tailnet& tailnet(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<Tailnet>> made;
  auto& t = made[n];
  if (!t) t = std::make_unique<Tailnet>(n);
  return *t;
}

std::unique_ptr<PeerTable> filled(const Tailnet& t) {
  auto table = std::make_unique<PeerTable>(LockMode::VerifyAndLog, [] { return tailcfg::GoTime{}; }, nullptr);
  table->set_lock(LockView::active(authority(t.admins)));
  PeerBatch b;
  b.full = t.nodes;
  table->apply(std::move(b));
  return table;
}

// Online flips and endpoint patches: the common deltas. No cryptography.
void BM_DeltaApply_Patch(benchmark::State& state) {
  const Tailnet& t = tailnet(static_cast<std::size_t>(state.range(0)));
  auto table = filled(t);
  std::size_t i = 0;
  for (auto _ : state) {
    PeerBatch b;
    tailcfg::PeerChange pc;
    pc.node_id = t.nodes[i++ % t.nodes.size()].id;
    pc.online = (i & 1) != 0;
    pc.derp_region = static_cast<tailcfg::DerpRegionId>(1 + (i & 7));
    b.patches.push_back(pc);
    benchmark::DoNotOptimize(table->apply(std::move(b)));
  }
}
BENCHMARK(BM_DeltaApply_Patch)->Arg(100000)->Unit(benchmark::kMicrosecond);

// A whole node in PeersChanged with its signature unchanged: the cached
// check stands.
void BM_DeltaApply_PeerChangedSameSignature(benchmark::State& state) {
  const Tailnet& t = tailnet(static_cast<std::size_t>(state.range(0)));
  auto table = filled(t);
  std::size_t i = 0;
  for (auto _ : state) {
    PeerBatch b;
    b.changed.push_back(t.nodes[i++ % t.nodes.size()]);
    b.changed.back().online = (i & 1) != 0;
    benchmark::DoNotOptimize(table->apply(std::move(b)));
  }
}
BENCHMARK(BM_DeltaApply_PeerChangedSameSignature)->Arg(100000)->Unit(benchmark::kMicrosecond);

// A new key and signature for a peer: one Ed25519 verification.
void BM_DeltaApply_NewSignature(benchmark::State& state) {
  const Tailnet& t = tailnet(static_cast<std::size_t>(state.range(0)));
  auto table = filled(t);
  // Signed ahead of time: signing is the server's cost, not the client's.
  std::vector<tailcfg::Node> next;
  for (std::size_t i = 0; i < 2048; ++i) {
    tailcfg::Node n = t.nodes[i * 37 % t.nodes.size()];
    n.key = key::NodePrivate::generate().public_key();
    n.key_signature = tka::sign_node_key(t.admins[i % t.admins.size()], n.key, {});
    next.push_back(std::move(n));
  }
  // Each step switches a peer between its old and its new (key,
  // signature), so every step is a pair the peer's entry has not cached.
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t j = (i / 2) % next.size();
    PeerBatch b;
    b.changed.push_back((i++ & 1) ? t.nodes[j * 37 % t.nodes.size()] : next[j]);
    benchmark::DoNotOptimize(table->apply(std::move(b)));
  }
}
BENCHMARK(BM_DeltaApply_NewSignature)->Arg(100000)->Unit(benchmark::kMicrosecond);

// The sweep: a new authority (a fifth key added, so every cached check
// stands) and a cold one (nothing verified yet: batch verification).
void BM_Sweep_Warm(benchmark::State& state) {
  const Tailnet& t = tailnet(static_cast<std::size_t>(state.range(0)));
  auto table = filled(t);
  auto more = t.admins;
  more.push_back(key::NLPrivate::generate());
  const auto a = LockView::active(authority(t.admins));
  const auto b = LockView::active(authority(more));
  bool flip = false;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table->set_lock((flip = !flip) ? b : a));
  }
}
BENCHMARK(BM_Sweep_Warm)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_Sweep_Cold(benchmark::State& state) {
  const Tailnet& t = tailnet(static_cast<std::size_t>(state.range(0)));
  const auto view = LockView::active(authority(t.admins));
  for (auto _ : state) {
    state.PauseTiming();
    PeerTable table(LockMode::VerifyAndLog, [] { return tailcfg::GoTime{}; }, nullptr);
    PeerBatch b;
    b.full = t.nodes;
    table.apply(std::move(b));  // lock off: no verification yet
    state.ResumeTiming();
    benchmark::DoNotOptimize(table.set_lock(view));
  }
}
BENCHMARK(BM_Sweep_Cold)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(5);

// Heap growth per peer of a filled table (the nodes' own size included).
void BM_MemoryPerPeer(benchmark::State& state) {
  const Tailnet& t = tailnet(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    const auto before = mallinfo2().uordblks;
    auto table = filled(t);
    const auto after = mallinfo2().uordblks;
    state.counters["bytes_per_peer"] =
        static_cast<double>(after - before) / static_cast<double>(t.nodes.size());
    benchmark::DoNotOptimize(table);
  }
}
BENCHMARK(BM_MemoryPerPeer)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace latchkey::client
