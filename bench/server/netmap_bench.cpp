// Netmap costs for a large tailnet: one full map for a 5,000-node tailnet
// (encode rate, and with zstd framing), one batched change fanned out to
// every viewer, and one endpoint update.
#include <benchmark/benchmark.h>

#include "key/disco_key.h"
#include "key/machine_key.h"
#include "key/node_key.h"
#include "transport/map_frame.h"
#include "server/netmap.h"

namespace latchkey::server {
namespace {

tailcfg::Node bench_node(NodeId id) {
  tailcfg::Node n;
  n.id = id;
  n.stable_id = "n" + std::to_string(id);
  n.name = "host-" + std::to_string(id) + ".tailnet.internal.";
  n.user = 1 + id % 20;
  n.key = key::NodePrivate::generate().public_key();
  n.machine = key::MachinePrivate::generate().public_key();
  n.disco_key = key::DiscoPrivate::generate().public_key();
  const auto v4 = tailcfg::IpAddr::v4(static_cast<std::uint32_t>(0x64400000u + static_cast<std::uint32_t>(id)));
  std::array<std::uint8_t, 16> b{0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0};
  b[14] = static_cast<std::uint8_t>(id >> 8);
  b[15] = static_cast<std::uint8_t>(id);
  std::vector<tailcfg::IpPrefix> addrs{*tailcfg::IpPrefix::make(v4, 32),
                                       *tailcfg::IpPrefix::make(tailcfg::IpAddr::v6(b), 128)};
  n.addresses = addrs;
  n.allowed_ips = addrs;
  n.endpoints = {*tailcfg::AddrPort::parse("198.51.100.7:41641"), *tailcfg::AddrPort::parse("[2001:db8::7]:41641")};
  tailcfg::Hostinfo hi;
  hi.hostname = "host-" + std::to_string(id);
  hi.os = "linux";
  hi.ipn_version = "1.90.0";
  hi.os_version = "6.1.0";
  n.hostinfo = hi;
  n.home_derp = 1;
  n.cap = 145;
  n.machine_authorized = true;
  return n;
}

Netmap& tailnet(int n) {
  static std::map<int, std::unique_ptr<Netmap>> cache;
  auto& m = cache[n];
  if (!m) {
    m = std::make_unique<Netmap>(NetmapConfig{});
    for (int u = 1; u <= 20; ++u) m->set_user({u, "user" + std::to_string(u) + "@example", "User", "", {}});
    for (int i = 1; i <= n; ++i) {
      m->upsert_node(bench_node(i));
      m->set_online(i, true, tailcfg::GoTime::from_unix(1'800'000'000));
    }
    (void)m->take_batch();
  }
  return *m;
}

void BM_FullMapJson(benchmark::State& state) {
  Netmap& m = tailnet(static_cast<int>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto j = m.full_map_json(1, tailcfg::GoTime::from_unix(1'800'000'000));
    bytes = j->size();
    benchmark::DoNotOptimize(j);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.counters["map_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_FullMapJson)->Arg(250)->Arg(1000)->Arg(5000)->Unit(benchmark::kMillisecond);

void BM_FullMapZstdFrame(benchmark::State& state) {
  Netmap& m = tailnet(static_cast<int>(state.range(0)));
  auto j = *m.full_map_json(1, tailcfg::GoTime::from_unix(1'800'000'000));
  std::size_t framed = 0;
  for (auto _ : state) {
    Bytes f = transport::map_frame(j, true);
    framed = f.size();
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(j.size()) * state.iterations());
  state.counters["framed_bytes"] = static_cast<double>(framed);
}
BENCHMARK(BM_FullMapZstdFrame)->Arg(5000)->Unit(benchmark::kMillisecond);

// One endpoint change in a 5,000-node tailnet, batched and encoded for
// every viewer (common message once, the changed node's own view once).
void BM_EndpointChangeFanOut(benchmark::State& state) {
  Netmap& m = tailnet(static_cast<int>(state.range(0)));
  std::uint16_t port = 1;
  for (auto _ : state) {
    m.update_endpoints(7, {tailcfg::AddrPort(tailcfg::IpAddr::v4(198, 51, 100, 7), port++)});
    NetmapDelta d = m.take_batch();
    std::size_t total = 0;
    for (NodeId v = 1; v <= state.range(0); ++v) total += m.delta_json(d, v).size();
    benchmark::DoNotOptimize(total);
  }
}
BENCHMARK(BM_EndpointChangeFanOut)->Arg(5000)->Unit(benchmark::kMicrosecond);

// k of 5,000 nodes change online state in one batch (a crowd reconnecting
// after a server restart), encoded for every viewer: each of the k gets the
// batch without its own patch (upstream drops a delta's later mutations
// after one for a non-peer), the other 5,000 - k share one encoding.
void BM_OnlineBurstFanOut(benchmark::State& state) {
  const int n = 5000;
  const int k = static_cast<int>(state.range(0));
  Netmap& m = tailnet(n);
  bool online = false;
  const auto t = tailcfg::GoTime::from_unix(1'800'000'000);
  for (auto _ : state) {
    for (NodeId id = 1; id <= k; ++id) m.set_online(id, online, t);
    online = !online;
    NetmapDelta d = m.take_batch();
    std::size_t total = 0;
    for (NodeId v = 1; v <= n; ++v) total += m.delta_json(d, v).size();
    benchmark::DoNotOptimize(total);
  }
}
BENCHMARK(BM_OnlineBurstFanOut)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace latchkey::server
