// /metrics on its own address (metrics_listen_addr), apart from the control
// port: GET /metrics answers the exposition text, other paths 404, other
// methods 405, malformed requests 400 (each counted).
#include <gtest/gtest.h>

#include "server/metrics_listener.h"
#include "server/server_fixture.h"

namespace latchkey::server {
namespace {

using testing::ServerFixture;
using testing::SimNode;
using transport::testing::run_loopback;
namespace asio = boost::asio;

TEST(MetricsListener, ServesTheControlServersMetricsOnItsOwnAddress) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    ControlServer* s = f.server.get();
    auto listener = MetricsListener::open(io, transport::testing::loopback_any(), [s] { return s->metrics_text(); },
                                          s->metrics());
    CO_ASSERT_TRUE(listener.ok());
    (*listener)->start();
    const auto ep = (*listener)->local_endpoint();
    EXPECT_NE(ep.port(), f.server->local_endpoint().port());
    SimNode a;
    CO_ASSERT_TRUE(co_await a.connect(f));
    auto r = co_await a.register_with(a.register_request(f.auth_key()));
    CO_ASSERT_TRUE(r.has_value() && r->machine_authorized);

    auto metrics = co_await testing::http_get(ep, "/metrics", "latchkey_errors_total");
    EXPECT_EQ(metrics.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << metrics;
    EXPECT_NE(metrics.find("text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(metrics.find("latchkey_nodes 1\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("latchkey_handshakes_total 1\n"), std::string::npos);
    EXPECT_NE(metrics.find("latchkey_registrations_total{outcome=\"authkey\"} 1\n"), std::string::npos);
    EXPECT_NE(metrics.find("latchkey_pending_registrations 0\n"), std::string::npos);

    auto other = co_await testing::http_get(ep, "/health", "not found");
    EXPECT_EQ(other.rfind("HTTP/1.1 404", 0), 0u) << other;
    auto post = co_await testing::http_exchange(
        ep, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "not allowed");
    EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
    auto garbage = co_await testing::http_exchange(ep, "\x01\x02 nonsense\r\n\r\n", "bad request");
    EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
    EXPECT_EQ(f.server->metrics().errors("metrics_not_found"), 1u);
    EXPECT_EQ(f.server->metrics().errors("metrics_bad_method"), 1u);
    EXPECT_EQ(f.server->metrics().errors("metrics_bad_request"), 1u);
    (*listener)->stop();
    a.conn->close();
  });
}

TEST(MetricsListener, AnAddressInUseIsAClearError) {
  asio::io_context io;
  ServerMetrics counts;
  auto first = MetricsListener::open(io, transport::testing::loopback_any(), [] { return std::string(); }, counts);
  ASSERT_TRUE(first.ok());
  auto second = MetricsListener::open(io, (*first)->local_endpoint(), [] { return std::string(); }, counts);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.message().find("cannot listen on 127.0.0.1:"), std::string::npos) << second.message();
}

}  // namespace
}  // namespace latchkey::server
