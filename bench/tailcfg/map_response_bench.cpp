// Encode/decode cost of a full netmap: a MapResponse with 5,000 peers shaped
// like the peers upstream's control server sends (keys, two addresses,
// endpoints, full Hostinfo, capabilities), plus the alternatives weighed
// when choosing the JSON library (rapidjson DOM parse alone, nlohmann::json
// parse and dump).
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <rapidjson/document.h>

#include "tailcfg/codec.h"

namespace latchkey::tailcfg {
namespace {

Node make_peer(int i) {
  Node n;
  n.id = i;
  n.stable_id = "nStable" + std::to_string(i) + "CNTRL";
  n.name = "host-" + std::to_string(i) + ".example.ts.net.";
  n.user = 1 + i % 20;
  ByteArray<32> raw{};
  for (int b = 0; b < 32; ++b) raw[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(i * 31 + b * 7);
  n.key = key::NodePublic::from_raw(raw);
  raw[0] ^= 0x55;
  n.machine = key::MachinePublic::from_raw(raw);
  raw[1] ^= 0x55;
  n.disco_key = key::DiscoPublic::from_raw(raw);
  n.key_expiry = GoTime::from_unix(1790000000 + i);
  const std::uint32_t v4 = 0x64400000u + static_cast<std::uint32_t>(i) + 1;
  std::array<std::uint8_t, 16> v6{0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0};
  v6[14] = static_cast<std::uint8_t>((i + 1) >> 8);
  v6[15] = static_cast<std::uint8_t>(i + 1);
  std::vector<IpPrefix> addrs{*IpPrefix::make(IpAddr::v4(v4), 32), *IpPrefix::make(IpAddr::v6(v6), 128)};
  n.addresses = addrs;
  n.allowed_ips = addrs;
  n.endpoints = {AddrPort(IpAddr::v4(0xC0000200u + static_cast<std::uint32_t>(i % 250)), 41641),
                 AddrPort(IpAddr::v4(0x0A000000u + static_cast<std::uint32_t>(i)), 41641),
                 AddrPort(IpAddr::v6(v6), 41641)};
  n.home_derp = 1;
  Hostinfo h;
  h.ipn_version = "1.103.0-dev20260822-tde9ec7ee2";
  h.backend_log_id = "6a1be5e6cb11a7537a27d2615dc89287cfa8d5b18a0c24fef16d2e756ecd9ebc";
  h.os = "linux";
  h.os_version = "6.18.44";
  h.distro = "debian";
  h.distro_version = "12.11";
  h.distro_code_name = "bookworm";
  h.desktop = OptBool::False;
  h.hostname = "host-" + std::to_string(i);
  h.machine = "x86_64";
  h.go_arch = "amd64";
  h.go_version = "go1.26.11";
  h.services = {Service{"peerapi4", 47000, ""}, Service{"peerapi6", 47000, ""}};
  n.hostinfo = h;
  n.created = GoTime::from_unix(1760000000 + i);
  n.cap = 145;
  n.last_seen = GoTime::from_unix(1763950000 + i);
  n.online = i % 3 != 0;
  n.machine_authorized = true;
  n.capabilities = {"https", "https://tailscale.com/cap/file-sharing"};
  return n;
}

MapResponse make_netmap(int peers) {
  MapResponse r;
  r.node = make_peer(0);
  for (int i = 1; i <= peers; ++i) r.peers.push_back(make_peer(i));
  r.domain = "example.ts.net";
  r.packet_filter = filter_allow_all();
  for (int u = 1; u <= 20; ++u) {
    UserProfile p;
    p.id = u;
    p.login_name = "user" + std::to_string(u) + "@example.com";
    p.display_name = "User " + std::to_string(u);
    r.user_profiles.push_back(p);
  }
  r.control_time = GoTime::from_unix(1763950000);
  return r;
}

const MapResponse& netmap() {
  static const MapResponse m = make_netmap(5000);
  return m;
}

const std::string& netmap_json() {
  static const std::string s = encode_json(netmap());
  return s;
}

void BM_EncodeMapResponse5000(benchmark::State& state) {
  const MapResponse& m = netmap();
  std::string out;
  for (auto _ : state) {
    out.clear();
    encode_json_to(out, m);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(out.size()));
  state.counters["json_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_EncodeMapResponse5000)->Unit(benchmark::kMillisecond);

// The server's path: every peer's JSON cached once, the netmap spliced.
void BM_EncodeMapResponse5000Spliced(benchmark::State& state) {
  MapResponse m = netmap();
  for (const auto& p : m.peers) m.peers_encoded.push_back(std::make_shared<const std::string>(encode_json(p)));
  m.peers.clear();
  std::string out;
  for (auto _ : state) {
    out.clear();
    encode_json_to(out, m);
    benchmark::DoNotOptimize(out.data());
  }
  if (out != netmap_json()) state.SkipWithError("spliced encoding differs");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_EncodeMapResponse5000Spliced)->Unit(benchmark::kMillisecond);

void BM_EncodeOnePeer(benchmark::State& state) {
  const Node& n = netmap().peers[42];
  std::string out;
  for (auto _ : state) {
    out.clear();
    encode_json_to(out, n);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_EncodeOnePeer);

void BM_DecodeMapResponse5000(benchmark::State& state) {
  const std::string& text = netmap_json();
  for (auto _ : state) {
    auto r = decode_json<MapResponse>(text);
    if (!r || r->peers.size() != 5000) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_DecodeMapResponse5000)->Unit(benchmark::kMillisecond);

void BM_RapidjsonParseOnly5000(benchmark::State& state) {
  const std::string& text = netmap_json();
  for (auto _ : state) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    benchmark::DoNotOptimize(d.IsObject());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_RapidjsonParseOnly5000)->Unit(benchmark::kMillisecond);

void BM_NlohmannParse5000(benchmark::State& state) {
  const std::string& text = netmap_json();
  for (auto _ : state) {
    auto j = nlohmann::ordered_json::parse(text);
    benchmark::DoNotOptimize(j.is_object());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_NlohmannParse5000)->Unit(benchmark::kMillisecond);

void BM_NlohmannDump5000(benchmark::State& state) {
  const auto j = nlohmann::ordered_json::parse(netmap_json());
  std::size_t n = 0;
  for (auto _ : state) {
    std::string s = j.dump();
    n = s.size();
    benchmark::DoNotOptimize(s.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_NlohmannDump5000)->Unit(benchmark::kMillisecond);

void BM_DecodeMapRequest(benchmark::State& state) {
  const std::string text =
      R"({"Version":145,"Compress":"zstd","KeepAlive":true,"NodeKey":"nodekey:510585fbee6ac7137d264e12f28250696a79328cd851bb68512753477d299b08",)"
      R"("DiscoKey":"discokey:36da04ae64ed24cf6b6f649c9355d53d982fc223f492e2331bff83ab7798a570","Stream":true,)"
      R"("Hostinfo":{"IPNVersion":"1.103.0-dev20260822-tde9ec7ee2","BackendLogID":"6a1be5e6cb11a7537a27d2615dc89287cfa8d5b18a0c24fef16d2e756ecd9ebc",)"
      R"("OS":"linux","OSVersion":"6.18.44-fc-v669","Container":true,"Distro":"debian","DistroVersion":"12.11","DistroCodeName":"bookworm",)"
      R"("Desktop":false,"Hostname":"alpha","Machine":"x86_64","GoArch":"amd64","GoArchVar":"v1","GoVersion":"go1.26.11"},)"
      R"("Endpoints":["192.0.2.10:41641","[2001:db8::10]:41641"],"EndpointTypes":[5,5]})";
  for (auto _ : state) {
    auto r = decode_json<MapRequest>(text, kRequestLimits);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_DecodeMapRequest);

}  // namespace
}  // namespace latchkey::tailcfg
