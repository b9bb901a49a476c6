// Replays the upstream client's captured requests (control_requests.json)
// against the server: the register, streaming map, lite update and set-dns
// bodies exactly as upstream's controlclient sent them (only the auth key
// is swapped for one this server issued), checking the answers have the
// shapes the captured server gave.
#include <gtest/gtest.h>

#include "server/server_fixture.h"
#include "tailcfg/capture_bodies.h"

namespace latchkey::server {
namespace {

using nlohmann::json;
using testing::ServerFixture;
using testing::SimNode;
using transport::testing::run_loopback;
namespace asio = boost::asio;

const tailcfg::testing::Capture& find(const std::vector<tailcfg::testing::Capture>& all, std::string_view name) {
  for (const auto& c : all) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no capture " + std::string(name));
}

std::set<std::string> keys_of(const json& j) {
  std::set<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
  return out;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

TEST(Replay, UpstreamClientRequestsAreServed) {
  const auto captures = tailcfg::testing::load_captures();
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    const std::string key = f.auth_key(/*reusable=*/true);

    // A key this server never issued: the same answer upstream's server gave.
    SimNode wrong;
    CO_ASSERT_TRUE(co_await wrong.connect(f));
    auto wr = co_await wrong.post("/machine/register", find(captures, "wrongkey_register_authkey_request").body);
    EXPECT_EQ(wr.status, 200u);
    EXPECT_EQ(json::parse(wr.body), json::parse(find(captures, "wrongkey_register_authkey_response").body));

    SimNode alpha;
    CO_ASSERT_TRUE(co_await alpha.connect(f));
    const auto& reg = find(captures, "alpha_register_authkey_request");
    const std::string captured_key = json::parse(reg.body)["Auth"]["AuthKey"].get<std::string>();
    auto rr = co_await alpha.post("/machine/register", replace_all(reg.body, captured_key, key));
    EXPECT_EQ(rr.status, 200u);
    const json want = json::parse(find(captures, "alpha_register_authkey_response").body);
    json got = json::parse(rr.body);
    EXPECT_EQ(keys_of(got), keys_of(want));
    EXPECT_EQ(got["MachineAuthorized"], true);
    EXPECT_EQ(got["Error"], "");
    EXPECT_EQ(keys_of(got["Login"]), std::set<std::string>({"ID", "Provider", "LoginName", "DisplayName"}));

    // The restarted client's identical request.
    auto rr2 = co_await alpha.post("/machine/register",
                                   replace_all(find(captures, "alpha_register_authkey_2_request").body, captured_key, key));
    EXPECT_EQ(rr2.status, 200u);
    EXPECT_EQ(json::parse(rr2.body)["MachineAuthorized"], true);

    // Streaming map: the first message has the captured full map's fields.
    const auto& map_req = find(captures, "alpha_map_streaming_request");
    transport::Http2ClientRequest sreq;
    sreq.method = "POST";
    sreq.path = "/machine/map";
    sreq.body.assign(map_req.body.begin(), map_req.body.end());
    auto sres = co_await alpha.conn->request(std::move(sreq));
    CO_ASSERT_TRUE(sres.ok());
    EXPECT_EQ((*sres)->status(), 200u);
    EXPECT_EQ((*sres)->header("content-type").value_or(""), "application/octet-stream");
    testing::MapStreamReader stream{std::move(*sres), transport::MapFrameReader(true)};
    auto msg0 = co_await stream.next();
    CO_ASSERT_TRUE(msg0.has_value());
    const json want0 = json::parse(find(captures, "alpha_map_streaming_response_msg0_full").body);
    for (const auto& k : keys_of(want0)) {
      if (k == "CollectServices") continue;  // testcontrol-specific
      EXPECT_TRUE(msg0->contains(k)) << k;
    }
    EXPECT_EQ((*msg0)["Node"]["Key"], want0["Node"]["Key"]);
    // The capture's server (upstream testcontrol) leaves the self node's
    // DiscoKey out; ours reports the one the client's MapRequest carried.
    EXPECT_EQ((*msg0)["Node"]["DiscoKey"], json::parse(map_req.body)["DiscoKey"]);
    EXPECT_EQ((*msg0)["Node"]["Hostinfo"]["Hostname"], "alpha");
    EXPECT_EQ((*msg0)["Node"]["Cap"], 145);
    EXPECT_TRUE(tailcfg::decode_json<tailcfg::MapResponse>(msg0->dump()).ok());

    // The lite update on another stream of the same connection.
    auto lite = co_await alpha.post("/machine/map", find(captures, "alpha_map_lite_update_request").body);
    EXPECT_EQ(lite.status, 200u);
    transport::MapFrameReader lr(true);
    lr.feed(as_bytes(lite.body));
    auto lm = lr.next();
    CO_ASSERT_TRUE(lm.ok() && lm->has_value());
    const json lite_json = json::parse(**lm);
    EXPECT_EQ(lite_json["Node"]["Endpoints"],
              json::parse(find(captures, "alpha_map_lite_update_request").body)["Endpoints"]);

    // set-dns on a third connection.
    SimNode third;
    third.machine = alpha.machine;
    CO_ASSERT_TRUE(co_await third.connect(f));
    auto dns = co_await third.post("/machine/set-dns", find(captures, "alpha_machine_set_dns_request").body);
    EXPECT_EQ(dns.status, 200u);
    EXPECT_EQ(dns.body, "{}\n");
    EXPECT_EQ(dns.content_type, "application/json");
    alpha.conn->close();
  });
}

}  // namespace
}  // namespace latchkey::server
