// Builds the MapResponses upstream's test control server sent (captured in
// control_requests.json) from plain values, never through the decoder, and
// checks the encoder writes exactly the captured bytes: field order,
// omitempty/omitzero, nil vs empty lists, keys, prefixes, endpoints, the
// DERP map's integer-keyed object and the nanosecond ControlTime.
#include <gtest/gtest.h>

#include "capture_bodies.h"
#include "tailcfg/codec.h"

namespace latchkey::tailcfg {
namespace {

template <class K>
K must_key(std::string_view text) {
  auto k = K::parse(text);
  EXPECT_TRUE(k.ok()) << text;
  return k.ok() ? *k : K{};
}

IpPrefix must_prefix(std::string_view text) {
  auto p = IpPrefix::parse(text);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : IpPrefix{};
}

AddrPort must_addr_port(std::string_view text) {
  auto p = AddrPort::parse(text);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : AddrPort{};
}

Hostinfo test_hostinfo(std::string log_id, std::string hostname) {
  Hostinfo h;
  h.ipn_version = "1.103.0-dev20260822-tde9ec7ee2";
  h.backend_log_id = std::move(log_id);
  h.os = "linux";
  h.os_version = "6.18.44-fc-v669";
  h.container = OptBool::True;
  h.distro = "debian";
  h.distro_version = "12.11";
  h.distro_code_name = "bookworm";
  h.desktop = OptBool::False;
  h.hostname = std::move(hostname);
  h.machine = "x86_64";
  h.go_arch = "amd64";
  h.go_arch_var = "v1";
  h.go_version = "go1.26.11";
  return h;
}

Node alpha(bool with_endpoints) {
  Node n;
  n.id = 1;
  n.stable_id = "TESTCTRL00000001";
  n.name = "alpha.example.ts.net.";
  n.user = 1;
  n.key = must_key<key::NodePublic>("nodekey:510585fbee6ac7137d264e12f28250696a79328cd851bb68512753477d299b08");
  n.machine = must_key<key::MachinePublic>("mkey:9305747585d746ee9257462f27186b4cc549f5ae49f3bad56a990d0dac90635d");
  if (with_endpoints) {
    n.disco_key = must_key<key::DiscoPublic>(
        "discokey:36da04ae64ed24cf6b6f649c9355d53d982fc223f492e2331bff83ab7798a570");
  }
  const std::vector<IpPrefix> addrs{must_prefix("100.64.0.1/32"),
                                    must_prefix("fd7a:115c:a1e0:ab12:4843:cd96:6240:1/128")};
  n.addresses = addrs;
  n.allowed_ips = addrs;
  if (with_endpoints) {
    n.endpoints = {must_addr_port("192.0.2.10:41641"), must_addr_port("[2001:db8::10]:41641")};
  }
  n.hostinfo = test_hostinfo("6a1be5e6cb11a7537a27d2615dc89287cfa8d5b18a0c24fef16d2e756ecd9ebc", "alpha");
  n.cap = 145;
  n.machine_authorized = true;
  n.capabilities = {"https", "funnel", "https://tailscale.com/cap/file-sharing",
                    "https://tailscale.com/cap/funnel-ports?ports=8080,443", "debug-disable-upnp"};
  return n;
}

Node bravo() {
  Node n;
  n.id = 2;
  n.stable_id = "TESTCTRL00000002";
  n.name = "bravo.example.ts.net.";
  n.user = 2;
  n.key = must_key<key::NodePublic>("nodekey:5914ac24baabcf17136b81817c07b53ac27384f3a764b50d7df6e810bf2bd623");
  n.machine = must_key<key::MachinePublic>("mkey:d04ad8af97936ce2cda10863e6892548dc703ba9bebb734f6d1affe726dc6979");
  n.disco_key =
      must_key<key::DiscoPublic>("discokey:2a2f9aa771577500c7aa53ee96abe5cece837aca737ec671cf39195bea642f53");
  const std::vector<IpPrefix> addrs{must_prefix("100.64.0.2/32"),
                                    must_prefix("fd7a:115c:a1e0:ab12:4843:cd96:6240:2/128")};
  n.addresses = addrs;
  n.allowed_ips = addrs;
  n.endpoints = {must_addr_port("192.0.2.20:41641")};
  n.hostinfo = test_hostinfo("d080123bdfa40ef0d928261be3355f1a7ef3cbfd37fd2b74df4f869d44356f54", "bravo");
  n.cap = 145;
  n.online = true;
  n.machine_authorized = true;
  n.capabilities = {"https://tailscale.com/cap/funnel-ports?ports=8080,443", "https", "funnel",
                    "https://tailscale.com/cap/file-sharing"};
  for (const auto& c : n.capabilities) n.cap_map[c] = std::vector<RawJson>{};
  return n;
}

UserProfile profile(UserId id) {
  UserProfile p;
  p.id = id;
  p.login_name = "user-" + std::to_string(id) + "@fake-control.example.net";
  p.display_name = "User " + std::to_string(id);
  p.profile_pic_url = "https://tailscale.com/static/images/marketing/team-carney.jpg";
  return p;
}

MapResponse full_map(bool with_endpoints, bool with_peer) {
  MapResponse r;
  r.node = alpha(with_endpoints);
  DerpMap dm;
  DerpRegion region;
  region.region_id = 1;
  region.region_code = "test";
  region.region_name = "Test Region";
  DerpNode dn;
  dn.name = "1a";
  dn.region_id = 1;
  dn.host_name = "127.0.0.1";
  dn.ipv4 = "127.0.0.1";
  dn.ipv6 = "none";
  dn.stun_port = -1;
  dn.derp_port = 3340;
  dn.insecure_for_tests = true;
  region.nodes = std::vector<DerpNode>{dn};
  dm.regions[1] = region;
  r.derp_map = dm;
  if (with_peer) r.peers.push_back(bravo());
  r.domain = "fake-control.example.net";
  r.collect_services = OptBool::True;
  r.packet_filter = filter_allow_all();
  FilterRule ingress;
  ingress.src_ips = std::vector<std::string>{"*"};
  CapGrant grant;
  grant.dsts = std::vector<IpPrefix>{must_prefix("0.0.0.0/0"), must_prefix("::/0")};
  grant.caps = {"https://tailscale.com/cap/ingress"};
  ingress.cap_grant.push_back(grant);
  r.packet_filter->push_back(ingress);
  r.user_profiles.push_back(profile(1));
  if (with_peer) r.user_profiles.push_back(profile(2));
  r.control_time = GoTime::from_unix(1596412800, 1);
  return r;
}

std::string captured(const std::string& name) {
  for (const auto& c : testing::load_captures()) {
    if (c.name == name) return c.body;
  }
  ADD_FAILURE() << "no capture " << name;
  return {};
}

TEST(MapResponseEncode, FirstFullMap) {
  EXPECT_EQ(encode_json(full_map(false, false)), captured("alpha_map_streaming_response_msg0_full"));
}

TEST(MapResponseEncode, FullMapAfterEndpointUpdate) {
  EXPECT_EQ(encode_json(full_map(true, false)), captured("alpha_map_streaming_response_msg1_full"));
  EXPECT_EQ(encode_json(full_map(true, false)), captured("alpha_map_lite_update_response_msg0_full"));
}

TEST(MapResponseEncode, FullMapWithPeer) {
  EXPECT_EQ(encode_json(full_map(true, true)), captured("alpha_map_streaming_response_msg2_full"));
}

TEST(MapResponseEncode, SplicedPeersEncodeIdentically) {
  MapResponse r = full_map(true, true);
  r.peers_encoded.push_back(std::make_shared<const std::string>(encode_json(r.peers[0])));
  r.peers.clear();
  EXPECT_EQ(encode_json(r), captured("alpha_map_streaming_response_msg2_full"));
}

TEST(MapResponseEncode, PeersChangedPatch) {
  MapResponse r;
  PeerChange pc;
  pc.node_id = 2;
  pc.endpoints = {must_addr_port("192.0.2.21:41641")};
  pc.online = false;
  r.peers_changed_patch.push_back(pc);
  EXPECT_EQ(encode_json(r), captured("alpha_map_streaming_response_msg3_delta"));
}

TEST(MapResponseEncode, KeepAlive) {
  MapResponse r;
  r.keep_alive = true;
  EXPECT_EQ(encode_json(r), captured("alpha_map_streaming_response_msg4_keepalive"));
}

TEST(MapResponseEncode, RegisterResponses) {
  RegisterResponse bad;
  bad.error = "invalid authkey";
  EXPECT_EQ(encode_json(bad), captured("wrongkey_register_authkey_response"));

  RegisterResponse ok;
  ok.user.id = 1;
  ok.user.display_name = "User 1";
  ok.login.id = 1;
  ok.login.provider = "testcontrol";
  ok.login.login_name = "user-1@fake-control.example.net";
  ok.login.display_name = "User 1";
  ok.login.profile_pic_url = "https://tailscale.com/static/images/marketing/team-carney.jpg";
  ok.machine_authorized = true;
  EXPECT_EQ(encode_json(ok), captured("alpha_register_authkey_response"));
}

TEST(MapResponseEncode, ServerKeyAndSetDns) {
  OverTlsPublicKeyResponse k;
  k.legacy_public_key =
      must_key<key::MachinePublic>("mkey:4d283735da8970f1b548cf430bde74bf21d7b930b72f4e81b21d965ec160c157");
  k.public_key = must_key<key::MachinePublic>("mkey:41140a7dc30f8bdc4823a5df8f681a64ce72c7d1e70f070b79aa186f349d1a48");
  EXPECT_EQ(encode_json(k), captured("alpha_key_response"));
  EXPECT_EQ(encode_json(SetDnsResponse{}), captured("alpha_machine_set_dns_response"));
}

TEST(MapResponseEncode, EmptyNonNilListsThatMeanNowEmpty) {
  MapResponse r;
  r.packet_filter = std::vector<FilterRule>{};
  r.health = std::vector<std::string>{};
  EXPECT_EQ(encode_json(r), "{\"PacketFilter\":[],\"Health\":[]}");
  auto back = decode_json<MapResponse>("{\"PacketFilter\":[],\"Health\":null}");
  ASSERT_TRUE(back.ok()) << back.message();
  ASSERT_TRUE(back->packet_filter.has_value());
  EXPECT_TRUE(back->packet_filter->empty());
  EXPECT_FALSE(back->health.has_value());
}

}  // namespace
}  // namespace latchkey::tailcfg
