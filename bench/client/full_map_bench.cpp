// A full map of 10,000 peers as the client takes it in: the framed, zstd
// MapResponse bytes through MapSession (feed/next: unframe, decompress,
// decode, upgrade), NetmapState for the non-peer part and PeerTable for the
// peers, with the lock off and with an active authority trusting the key
// that signed half of the peers (the other half are unsigned). No bound
// is set for it; docs/performance.md states the figure.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/map_session.h"
#include "client/netmap_state.h"
#include "client/peer_table.h"
#include "key/disco_key.h"
#include "key/machine_key.h"
#include "key/nl_key.h"
#include "key/node_key.h"
#include "tailcfg/codec.h"
#include "tka/node_key_signing.h"
#include "tka/state.h"
#include "transport/map_frame.h"

namespace latchkey::client {
namespace {

constexpr std::size_t kPeers = 10'000;
constexpr std::int64_t kNow = 1'780'000'000;

tailcfg::IpPrefix prefix(const std::string& text) { return *tailcfg::IpPrefix::parse(text); }

// Peer i (from 1): 100.64.x.y/32 and fd7a:115c:a1e0::x:y/128, a few users.
tailcfg::Node peer(std::size_t i, const key::NLPrivate* signer) {
  tailcfg::Node n;
  n.id = static_cast<tailcfg::NodeId>(i);
  n.stable_id = "n" + std::to_string(i) + "CNTRL";
  n.name = "host-" + std::to_string(i) + ".example.ts.net.";
  n.user = static_cast<tailcfg::UserId>(1 + i % 50);
  n.key = key::NodePrivate::generate().public_key();
  n.machine = key::MachinePrivate::generate().public_key();
  n.disco_key = key::DiscoPrivate::generate().public_key();
  const std::string hi = std::to_string(i / 256), lo = std::to_string(i % 256);
  n.addresses = std::vector<tailcfg::IpPrefix>{prefix("100.64." + hi + "." + lo + "/32"),
                                               prefix("fd7a:115c:a1e0::" + hi + ":" + lo + "/128")};
  n.allowed_ips = n.addresses;
  tailcfg::Hostinfo h;
  h.hostname = "host-" + std::to_string(i);
  n.hostinfo = std::move(h);
  n.online = i % 3 != 0;
  n.last_seen = tailcfg::GoTime::from_unix(kNow - static_cast<std::int64_t>(i));
  if (signer) {
    // Wrapped as `tailscale lock sign` does: the node's own lock key may rotate.
    n.key_signature = tka::sign_node_key(*signer, n.key, key::NLPrivate::generate().public_key().key_id());
  }
  return n;
}

// The wire bytes of the stream's first message, made once.
struct FullMap {
  key::NLPrivate lock_key = key::NLPrivate::generate();
  Bytes wire;
  std::size_t json_bytes = 0;
  FullMap() {
    tailcfg::MapResponse m;
    m.node = peer(kPeers + 1, nullptr);
    m.domain = "example.ts.net";
    m.peers.reserve(kPeers);
    for (std::size_t i = 1; i <= kPeers; ++i) m.peers.push_back(peer(i, i % 2 == 0 ? &lock_key : nullptr));
    for (tailcfg::UserId u = 1; u <= 50; ++u) {
      m.user_profiles.push_back(tailcfg::UserProfile{u, "user" + std::to_string(u) + "@example.com",
                                                     "User " + std::to_string(u), "", {}});
    }
    const std::string json = tailcfg::encode_json(m);
    json_bytes = json.size();
    wire = transport::map_frame(json, true);  // as the server frames it
  }
};

const FullMap& full_map() {
  static const FullMap made;
  return made;
}

tka::State trusting(const key::NLPrivate& k) {
  tka::State s;
  s.keys = std::vector<tka::Key>{tka::trusted_key(k.public_key())};
  s.disablement_values = std::vector<tka::NullableBytes>{Bytes(32, 1)};
  return s;
}

// What a client holds for one stream.
struct Client {
  MapSession session;
  NetmapState netmap;
  std::size_t log_lines = 0;
  PeerTable table{LockMode::VerifyAndLog, [] { return tailcfg::GoTime::from_unix(kNow); },
                  [this](std::string_view) { ++log_lines; }};
};

// The stream's first update from the map's bytes; nullopt, with the
// benchmark marked failed, if they do not decode.
std::optional<MapUpdate> first_update(benchmark::State& state, MapSession& session, const FullMap& map) {
  session.feed(map.wire);
  auto u = session.next();
  if (!u.ok() || !u->has_value()) {
    state.SkipWithError("the full map did not decode");
    return std::nullopt;
  }
  return std::move(**u);
}

void run(benchmark::State& state, const std::shared_ptr<const LockView>& view) {
  const FullMap& map = full_map();
  std::size_t log_lines = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto c = std::make_unique<Client>();
    c->table.set_lock(view);  // the authority is known before the stream starts (a restart)
    state.ResumeTiming();

    auto u = first_update(state, c->session, map);
    if (!u) return;
    PeerBatch peers = std::move(u->peers);
    c->netmap.apply(std::move(*u));
    benchmark::DoNotOptimize(c->table.apply(std::move(peers)));

    state.PauseTiming();
    log_lines = c->log_lines;
    c.reset();  // freeing the table is not part of taking the map in
    state.ResumeTiming();
  }
  state.counters["wire_bytes"] = static_cast<double>(map.wire.size());
  state.counters["json_bytes"] = static_cast<double>(map.json_bytes);
  state.counters["per_peer"] = benchmark::Counter(
      static_cast<double>(kPeers), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["log_lines"] = static_cast<double>(log_lines);
}

// The MapSession part alone (unframe, zstd, JSON decode, node upgrade).
void BM_FullMap10k_DecodeOnly(benchmark::State& state) {
  const FullMap& map = full_map();
  for (auto _ : state) {
    auto session = std::make_unique<MapSession>();
    auto u = first_update(state, *session, map);
    if (!u) return;
    benchmark::DoNotOptimize(u);

    state.PauseTiming();
    u.reset();  // freed untimed, as in run()
    session.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_FullMap10k_DecodeOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FullMap10k_LockOff(benchmark::State& state) { run(state, LockView::off()); }
BENCHMARK(BM_FullMap10k_LockOff)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FullMap10k_LockActive(benchmark::State& state) {
  run(state, LockView::active(trusting(full_map().lock_key)));
}
BENCHMARK(BM_FullMap10k_LockActive)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace latchkey::client
