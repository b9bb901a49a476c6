// store/ on SQLite: node registration and status-update rates (one
// transaction each, and batched), and the time to load a whole 5,000-node
// tailnet (what the server does at start and for a full netmap). Each run
// works on a fresh database file in /tmp; synchronous=full (the default)
// and normal are both measured since the difference is the fsync per commit.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "store/store.h"

namespace latchkey::store {
namespace {

class TempDb {
 public:
  explicit TempDb(const std::string& synchronous) {
    char tmpl[] = "/tmp/latchkey-bench-XXXXXX";
    dir_ = ::mkdtemp(tmpl) ? tmpl : "/tmp";
    StoreConfig c;
    c.sqlite_path = dir_ + "/bench.db";
    c.sqlite_synchronous = synchronous;
    auto s = Store::open(c);
    if (!s) throw std::runtime_error(s.message());
    store = std::move(*s);
    auto u = store->create_user({"bench", "", "", ""}, std::chrono::system_clock::now());
    if (!u) throw std::runtime_error(u.message());
    user = u->id;
  }
  ~TempDb() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<Store> store;
  UserId user = 0;

 private:
  std::string dir_;
};

NewNode bench_node(int i, UserId user) {
  ByteArray<32> raw{};
  raw[0] = static_cast<std::uint8_t>(i & 0xff);
  raw[1] = static_cast<std::uint8_t>((i >> 8) & 0xff);
  raw[2] = static_cast<std::uint8_t>((i >> 16) & 0xff);
  NewNode n;
  n.machine_key = key::MachinePublic::from_raw(raw);
  raw[31] = 1;
  n.node_key = key::NodePublic::from_raw(raw);
  raw[31] = 2;
  n.disco_key = key::DiscoPublic::from_raw(raw);
  char buf[64];
  std::snprintf(buf, sizeof buf, "100.%d.%d.%d", 64 + ((i >> 16) & 0x3f), (i >> 8) & 0xff, i & 0xff);
  n.ipv4 = *tailcfg::IpAddr::parse(buf);
  std::snprintf(buf, sizeof buf, "fd7a:115c:a1e0::%x:%x", (i >> 16) & 0xffff, i & 0xffff);
  n.ipv6 = *tailcfg::IpAddr::parse(buf);
  n.hostname = "host-" + std::to_string(i);
  n.given_name = "node-" + std::to_string(i);
  n.user_id = user;
  n.hostinfo_json =
      R"({"IPNVersion":"1.80.0","OS":"linux","OSVersion":"6.1.0","Hostname":"host-)" + std::to_string(i) +
      R"(","GoArch":"amd64","GoVersion":"go1.24","Services":[{"Proto":"tcp","Port":22}]})";
  n.endpoints = {*tailcfg::AddrPort::parse("192.0.2.1:41641"), *tailcfg::AddrPort::parse("[2001:db8::1]:41641")};
  n.expiry = std::chrono::system_clock::now() + std::chrono::hours(24 * 180);
  return n;
}

const char* sync_name(std::int64_t arg) { return arg == 0 ? "full" : "normal"; }

// One registration per transaction (how the server registers nodes).
void BM_RegisterNode(benchmark::State& state) {
  TempDb db(sync_name(state.range(0)));
  int i = 0;
  for (auto _ : state) {
    auto n = db.store->register_node(bench_node(++i, db.user), std::chrono::system_clock::now());
    if (!n) state.SkipWithError(n.message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RegisterNode)->Arg(0)->Arg(1)->ArgName("sync_normal")->UseRealTime();

// One status update (endpoints + last seen) per transaction.
void BM_UpdateNodeStatus(benchmark::State& state) {
  TempDb db(sync_name(state.range(0)));
  constexpr int kNodes = 1000;
  const auto now = std::chrono::system_clock::now();
  std::vector<NodeId> ids;
  auto st = db.store->transact([&](Transaction& tx) -> Status {
    for (int i = 1; i <= kNodes; ++i) {
      auto n = tx.register_node(bench_node(i, db.user), now);
      if (!n) return n.error();
      ids.push_back(n->id);
    }
    return {};
  });
  if (!st) state.SkipWithError(st.message().c_str());
  std::size_t k = 0;
  NodeStatusUpdate u;
  u.endpoints = std::vector<tailcfg::AddrPort>{*tailcfg::AddrPort::parse("198.51.100.9:41641")};
  for (auto _ : state) {
    u.last_seen = std::chrono::system_clock::now();
    auto r = db.store->update_node_status(ids[k++ % ids.size()], u, *u.last_seen);
    if (!r) state.SkipWithError(r.message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UpdateNodeStatus)->Arg(0)->Arg(1)->ArgName("sync_normal")->UseRealTime();

// 100 nodes' status in one transaction (batched last-seen/endpoint writes).
void BM_UpdateNodeStatusBatch100(benchmark::State& state) {
  TempDb db("full");
  constexpr int kNodes = 1000;
  const auto now = std::chrono::system_clock::now();
  std::vector<NodeId> ids;
  auto st = db.store->transact([&](Transaction& tx) -> Status {
    for (int i = 1; i <= kNodes; ++i) {
      auto n = tx.register_node(bench_node(i, db.user), now);
      if (!n) return n.error();
      ids.push_back(n->id);
    }
    return {};
  });
  if (!st) state.SkipWithError(st.message().c_str());
  std::size_t k = 0;
  for (auto _ : state) {
    std::vector<std::pair<NodeId, NodeStatusUpdate>> batch;
    NodeStatusUpdate u;
    u.last_seen = std::chrono::system_clock::now();
    for (int j = 0; j < 100; ++j) batch.emplace_back(ids[k++ % ids.size()], u);
    auto r = db.store->update_node_statuses(batch, *u.last_seen);
    if (!r) state.SkipWithError(r.message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_UpdateNodeStatusBatch100)->UseRealTime();

// Loading a whole 5,000-node tailnet (every field decoded).
void BM_LoadTailnet5000(benchmark::State& state) {
  TempDb db("full");
  const auto now = std::chrono::system_clock::now();
  auto st = db.store->transact([&](Transaction& tx) -> Status {
    for (int i = 1; i <= 5000; ++i) {
      auto n = tx.register_node(bench_node(i, db.user), now);
      if (!n) return n.error();
    }
    return {};
  });
  if (!st) state.SkipWithError(st.message().c_str());
  for (auto _ : state) {
    auto all = db.store->list_nodes();
    if (!all || all->size() != 5000) state.SkipWithError("list_nodes failed");
    benchmark::DoNotOptimize(all);
  }
  state.SetItemsProcessed(state.iterations() * 5000);
}
BENCHMARK(BM_LoadTailnet5000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace latchkey::store
