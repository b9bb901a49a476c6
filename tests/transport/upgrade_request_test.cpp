// Validation of the pre-Noise HTTP/1.1 requests: the real upstream client's
// /key and /ts2021 requests from control_requests.json, the WebSocket form,
// and every refusal.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "transport/upgrade_request.h"

namespace latchkey::transport {
namespace {

constexpr std::uint16_t kMin = 100;

nlohmann::json load_captures() {
  std::ifstream in(std::string(LATCHKEY_TEST_DATA) + "/vectors/control_requests.json");
  return nlohmann::json::parse(in)["captures"];
}

HttpRequestHead parse(std::string_view raw) {
  auto parsed = parse_http_request_head(as_bytes(raw));
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.message()) << "\n" << raw;
  return parsed.ok() ? parsed->head : HttpRequestHead{};
}

HttpRefusal refusal(const RequestRoute& route) {
  EXPECT_TRUE(std::holds_alternative<HttpRefusal>(route));
  return std::holds_alternative<HttpRefusal>(route) ? std::get<HttpRefusal>(route) : HttpRefusal{};
}

// A valid initiation-shaped message for `version` (content is irrelevant
// before Noise).
std::string initiation_b64(std::uint16_t version) {
  Bytes init(101, 0x5a);
  init[0] = static_cast<std::uint8_t>(version >> 8);
  init[1] = static_cast<std::uint8_t>(version);
  init[2] = 1;
  init[3] = 0;
  init[4] = 96;
  return base64_encode(init);
}

std::string upgrade_head(std::string_view extra, std::string_view method = "POST") {
  return std::string(method) + " /ts2021 HTTP/1.1\r\nHost: example.com\r\n" + std::string(extra) + "\r\n";
}

TEST(UpgradeRequest, UpstreamClientRequestsFromCaptures) {
  int upgrades = 0, keys = 0;
  for (const auto& c : load_captures()) {
    if (c["direction"] != "client_to_server" || !c.contains("raw_head")) continue;
    std::string raw = c["raw_head"];
    auto parsed = parse_http_request_head(as_bytes(raw));
    ASSERT_TRUE(parsed.ok()) << parsed.message();
    EXPECT_EQ(parsed->head_size, raw.size());
    auto route = route_request(parsed->head, kMin);
    if (c["path"] == "/ts2021") {
      ASSERT_TRUE(std::holds_alternative<UpgradeRequest>(route)) << refusal(route).message;
      const auto& up = std::get<UpgradeRequest>(route);
      EXPECT_FALSE(up.websocket);
      EXPECT_EQ(up.initiation.size(), 101u);
      EXPECT_EQ(up.version, std::optional<std::uint16_t>(145));
      ++upgrades;
    } else {
      ASSERT_TRUE(std::holds_alternative<KeyRequest>(route));
      EXPECT_EQ(std::get<KeyRequest>(route).capability_version, std::optional<int>(145));
      ++keys;
    }
  }
  EXPECT_EQ(upgrades, 3);
  EXPECT_EQ(keys, 2);
}

TEST(UpgradeRequest, RefusesMalformedUpgrades) {
  auto missing = refusal(route_request(parse(upgrade_head("X-Tailscale-Handshake: " + initiation_b64(145) + "\r\n")), kMin));
  EXPECT_EQ(missing.status, 400u);
  EXPECT_EQ(missing.message, "missing next protocol");

  auto unknown = refusal(route_request(parse(upgrade_head("Upgrade: h2c\r\nConnection: upgrade\r\n")), kMin));
  EXPECT_EQ(unknown.message, "unknown next protocol");

  auto no_header = refusal(route_request(
      parse(upgrade_head("Upgrade: tailscale-control-protocol\r\nConnection: upgrade\r\n")), kMin));
  EXPECT_EQ(no_header.message, "missing Tailscale handshake header");

  auto garbled = refusal(route_request(
      parse(upgrade_head("Upgrade: tailscale-control-protocol\r\nX-Tailscale-Handshake: AJEB!!!=\r\n")), kMin));
  EXPECT_EQ(garbled.message, "invalid tailscale handshake header");
  EXPECT_EQ(garbled.reason, CloseReason::BadRequest);

  // Upgrade value is matched case-insensitively, as upstream lower-cases it.
  auto mixed = route_request(
      parse(upgrade_head("Upgrade: Tailscale-Control-Protocol\r\nX-Tailscale-Handshake: " + initiation_b64(145) + "\r\n")),
      kMin);
  EXPECT_TRUE(std::holds_alternative<UpgradeRequest>(mixed));

  auto put = refusal(route_request(
      parse(upgrade_head("Upgrade: tailscale-control-protocol\r\nX-Tailscale-Handshake: " + initiation_b64(145) + "\r\n",
                         "PUT")),
      kMin));
  EXPECT_EQ(put.status, 405u);

  auto body = refusal(route_request(
      parse(upgrade_head("Upgrade: tailscale-control-protocol\r\nContent-Length: 5\r\nX-Tailscale-Handshake: " +
                         initiation_b64(145) + "\r\n")),
      kMin));
  EXPECT_EQ(body.status, 400u);
}

TEST(UpgradeRequest, RefusesOldClientsBeforeTheHandshake) {
  auto old = refusal(route_request(
      parse(upgrade_head("Upgrade: tailscale-control-protocol\r\nX-Tailscale-Handshake: " + initiation_b64(99) + "\r\n")),
      kMin));
  EXPECT_EQ(old.status, 400u);
  EXPECT_EQ(old.reason, CloseReason::VersionRefused);
  EXPECT_EQ(old.message, "unsupported client capability version 99 (minimum 100)");
  auto at_min = route_request(
      parse(upgrade_head("Upgrade: tailscale-control-protocol\r\nX-Tailscale-Handshake: " + initiation_b64(100) + "\r\n")),
      kMin);
  EXPECT_TRUE(std::holds_alternative<UpgradeRequest>(at_min));
  // A message that is not an initiation has no version to judge: it goes to
  // the Noise layer (which answers with an error frame).
  Bytes junk(101, 0);
  auto not_init = route_request(
      parse(upgrade_head("Upgrade: tailscale-control-protocol\r\nX-Tailscale-Handshake: " + base64_encode(junk) + "\r\n")),
      kMin);
  ASSERT_TRUE(std::holds_alternative<UpgradeRequest>(not_init));
  EXPECT_FALSE(std::get<UpgradeRequest>(not_init).version.has_value());
}

std::string ws_head(std::string_view query, std::string_view extra, std::string_view method = "GET") {
  return std::string(method) + " /ts2021?" + std::string(query) +
         " HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n" + std::string(extra) + "\r\n";
}

std::string query_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

TEST(UpgradeRequest, WebSocketForm) {
  // As upstream's wasm client builds it: url.Values{...}.Encode().
  std::string query = "X-Tailscale-Handshake=" + query_escape(initiation_b64(145));
  std::string good_fields =
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Protocol: tailscale-control-protocol\r\n";
  auto route = route_request(parse(ws_head(query, good_fields)), kMin);
  ASSERT_TRUE(std::holds_alternative<UpgradeRequest>(route)) << refusal(route).message;
  const auto& up = std::get<UpgradeRequest>(route);
  EXPECT_TRUE(up.websocket);
  EXPECT_EQ(up.initiation.size(), 101u);
  EXPECT_EQ(up.version, std::optional<std::uint16_t>(145));
  EXPECT_EQ(up.websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");

  EXPECT_EQ(refusal(route_request(parse(ws_head(query, "Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n")), kMin))
                .status,
            426u);  // no Connection: upgrade
  EXPECT_EQ(refusal(route_request(parse(ws_head(query, good_fields, "POST")), kMin)).status, 405u);
  std::string v8 = good_fields;
  v8.replace(v8.find("Version: 13"), 11, "Version: 8");
  auto bad_version = refusal(route_request(parse(ws_head(query, v8)), kMin));
  EXPECT_EQ(bad_version.status, 400u);
  EXPECT_EQ(bad_version.extra_fields.at(0).first, "Sec-WebSocket-Version");
  std::string no_proto = good_fields.substr(0, good_fields.find("Sec-WebSocket-Protocol"));
  EXPECT_EQ(refusal(route_request(parse(ws_head(query, no_proto)), kMin)).message,
            "client must speak the control subprotocol");
  EXPECT_EQ(refusal(route_request(parse(ws_head("other=1", good_fields)), kMin)).message,
            "missing Tailscale handshake parameter");
  EXPECT_EQ(refusal(route_request(parse(ws_head(query + ";x=1", good_fields)), kMin)).message,
            "Could not parse parameters");
  // An unescaped '+' is a space in a query: the base64 no longer decodes.
  std::string raw_plus = "X-Tailscale-Handshake=" + initiation_b64(145);
  if (raw_plus.find('+') != std::string::npos) {
    EXPECT_EQ(refusal(route_request(parse(ws_head(raw_plus, good_fields)), kMin)).message,
              "invalid tailscale handshake parameter");
  }
  auto old = refusal(route_request(
      parse(ws_head("X-Tailscale-Handshake=" + query_escape(initiation_b64(3)), good_fields)), kMin));
  EXPECT_EQ(old.reason, CloseReason::VersionRefused);
}

TEST(UpgradeRequest, KeyRequests) {
  auto v = route_request(parse("GET /key?v=145 HTTP/1.1\r\nHost: x\r\n\r\n"), kMin);
  ASSERT_TRUE(std::holds_alternative<KeyRequest>(v));
  EXPECT_EQ(std::get<KeyRequest>(v).capability_version, std::optional<int>(145));
  auto legacy = route_request(parse("GET /key HTTP/1.1\r\nHost: x\r\n\r\n"), kMin);
  ASSERT_TRUE(std::holds_alternative<KeyRequest>(legacy));
  EXPECT_FALSE(std::get<KeyRequest>(legacy).capability_version.has_value());
  EXPECT_EQ(refusal(route_request(parse("GET /key?v=abc HTTP/1.1\r\nHost: x\r\n\r\n"), kMin)).status, 400u);
  EXPECT_TRUE(std::holds_alternative<OtherRequest>(route_request(parse("GET /health HTTP/1.1\r\n\r\n"), kMin)));
}

TEST(UpgradeRequest, QueryValueFollowsGo) {
  EXPECT_EQ(*query_value("a=1&b=x+y%2Bz&a=2", "a").value(), "1");
  EXPECT_EQ(*query_value("a=1&b=x+y%2Bz&a=2", "b").value(), "x y+z");
  EXPECT_FALSE(query_value("a=1", "b").value().has_value());
  EXPECT_FALSE(query_value("a=%zz", "a").ok());
  EXPECT_FALSE(query_value("a=%4", "a").ok());
  EXPECT_FALSE(query_value("a=1;b=2", "a").ok());
  EXPECT_EQ(*query_value("%61=%41", "a").value(), "A");
}

TEST(UpgradeRequest, HeadParserIsStrictAndBounded) {
  EXPECT_FALSE(parse_http_request_head(as_bytes("GET /key HTTP/1.1\r\nHost: x\r\n")).ok());  // incomplete
  EXPECT_FALSE(parse_http_request_head(as_bytes("GET /key HTTP/1.1\r\nBad Header\r\n\r\n")).ok());
  EXPECT_FALSE(parse_http_request_head(as_bytes("NOT HTTP\r\n\r\n")).ok());
  std::string huge = "GET / HTTP/1.1\r\nX-Big: " + std::string(kMaxRequestHeadBytes, 'a') + "\r\n\r\n";
  EXPECT_FALSE(parse_http_request_head(as_bytes(huge)).ok());
  auto with_body = parse_http_request_head(as_bytes("POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
  ASSERT_TRUE(with_body.ok());
  EXPECT_EQ(with_body->head_size, 39u);
  EXPECT_EQ(with_body->head.content_length, std::optional<std::uint64_t>(3));
}

}  // namespace
}  // namespace latchkey::transport
