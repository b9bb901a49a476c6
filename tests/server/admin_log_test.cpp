// What an administrator's changes leave in the log, and what the admin
// API's node listing says about the live netmap: approving a re-login,
// expiring a pre-auth key and deleting a user are logged (the user by
// name and id); every node carries "online" (an open map stream now).
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "server/admin_api.h"
#include "server/server_fixture.h"

namespace latchkey::server {
namespace {

using nlohmann::json;
using testing::open_stream;
using testing::ServerFixture;
using testing::SimNode;
using transport::testing::run_loopback;
namespace asio = boost::asio;

// Copies what the default logger writes while it exists (install it
// before the server starts and let it go after the server stopped).
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  bool has(const std::string& part) const { return out_.str().find(part) != std::string::npos; }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

json call(AdminApi& api, const std::string& method, const std::string& target, const std::string& body = "") {
  const AdminResponse r = api.handle({method, target, body}, std::chrono::system_clock::now());
  EXPECT_EQ(r.status, 200u) << method << " " << target << ": " << r.body;
  return json::parse(r.body);
}

TEST(AdminLog, ReloginApprovalKeyExpiryAndUserDeletionAreLogged) {
  LogCapture log;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    AdminApi api(f.server->tailnet());

    call(api, "POST", "/v1/users", R"({"name": "bob"})");
    const json bob = call(api, "DELETE", "/v1/users/bob");
    EXPECT_TRUE(log.has("admin: deleted user bob (id " + std::to_string(bob["id"].get<std::int64_t>()) + ")"))
        << log.text();

    const json key = call(api, "POST", "/v1/keys", R"({"user": "alice"})");
    const auto key_id = key["id"].get<std::int64_t>();
    call(api, "POST", "/v1/keys/" + std::to_string(key_id) + "/expire");
    EXPECT_TRUE(log.has("admin: expired pre-auth key " + std::to_string(key_id) + " (" +
                        key["prefix"].get<std::string>() + ") of user alice"))
        << log.text();

    // A node registered with a key, expired, then logging in again
    // interactively with a new node key: the approval is a re-login.
    SimNode a;
    a.hostname = "laptop";
    CO_ASSERT_TRUE(co_await a.connect(f));
    auto r = co_await a.register_with(a.register_request(f.auth_key()));
    CO_ASSERT_TRUE(r.has_value() && r->machine_authorized);
    const json nodes = call(api, "GET", "/v1/nodes");
    CO_ASSERT_TRUE(nodes.size() == 1u);
    const auto node_id = nodes[0]["id"].get<std::int64_t>();
    call(api, "POST", "/v1/nodes/" + std::to_string(node_id) + "/expire");
    a.node = key::NodePrivate::generate();
    auto again = co_await a.register_with(a.register_request(""));
    CO_ASSERT_TRUE(again.has_value() && !again->auth_url.empty());
    const std::string auth_id = again->auth_url.substr(again->auth_url.rfind('/') + 1);
    call(api, "POST", "/v1/nodes/register", json{{"id", auth_id}, {"user", "alice"}}.dump());
    EXPECT_TRUE(log.has("approved registration " + auth_id + ": re-login of node " + std::to_string(node_id) +
                        " (laptop) for user alice"))
        << log.text();
    a.conn->close();
  });
}

TEST(AdminLog, NodeListingSaysWhichNodesAreOnline) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    AdminApi api(f.server->tailnet());
    SimNode a, b;
    a.hostname = "alpha";
    b.hostname = "bravo";
    const std::string key = f.auth_key(true);
    for (SimNode* n : {&a, &b}) {
      CO_ASSERT_TRUE(co_await n->connect(f));
      auto r = co_await n->register_with(n->register_request(key));
      CO_ASSERT_TRUE(r.has_value() && r->machine_authorized);
    }
    json nodes = call(api, "GET", "/v1/nodes");
    CO_ASSERT_TRUE(nodes.size() == 2u);
    EXPECT_EQ(nodes[0]["online"], false);
    EXPECT_EQ(nodes[1]["online"], false);
    auto stream = co_await open_stream(a, a.map_request(true));
    CO_ASSERT_TRUE(stream.has_value());
    CO_ASSERT_TRUE((co_await stream->next()).has_value());
    nodes = call(api, "GET", "/v1/nodes");
    EXPECT_EQ(nodes[0]["name"], "alpha");
    EXPECT_EQ(nodes[0]["online"], true);
    EXPECT_EQ(nodes[1]["online"], false);
    const json renamed = call(api, "POST", "/v1/nodes/" + std::to_string(nodes[0]["id"].get<std::int64_t>()) + "/rename",
                              R"({"name": "web-1"})");
    EXPECT_EQ(renamed["online"], true);
    a.conn->close();
    b.conn->close();
  });
}

}  // namespace
}  // namespace latchkey::server
