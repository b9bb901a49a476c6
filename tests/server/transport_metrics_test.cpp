// The transport's hardening counters in /metrics: failed and refused
// accepts, how Noise sessions ended, and HTTP responses by protocol and
// status — 404s from the plain-HTTP handler and from the Noise-side router
// of a running control server included.
#include <gtest/gtest.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>

#include "server/metrics.h"
#include "server/server_fixture.h"

namespace latchkey::server {
namespace {

using testing::ServerFixture;
using testing::SimNode;
using transport::testing::run_loopback;
namespace asio = boost::asio;

TEST(TransportMetrics, CountersAreExposed) {
  transport::TransportCounters t;
  t.accept_errors = 7;
  t.refused_over_total = 2;
  t.refused_over_per_address = 3;
  t.sessions_with_requests = 11;
  t.sessions_without_request = 1;
  t.sessions_without_valid_record = 5;
  t.http1_responses.count(404);
  t.http1_responses.count(404);
  t.http1_responses.count(101);
  t.http2_responses.count(404);
  t.http2_responses.count(999);  // outside 100-599: not counted
  const std::string text = ServerMetrics().prometheus(t, 0, 0);
  for (const char* line :
       {"# TYPE latchkey_accept_errors_total counter\n", "latchkey_accept_errors_total 7\n",
        "latchkey_connections_refused_total{limit=\"max_connections\"} 2\n",
        "latchkey_connections_refused_total{limit=\"max_connections_per_address\"} 3\n",
        "latchkey_noise_sessions_ended_total{client_sent=\"requests\"} 11\n",
        "latchkey_noise_sessions_ended_total{client_sent=\"no_request\"} 1\n",
        "latchkey_noise_sessions_ended_total{client_sent=\"no_valid_record\"} 5\n",
        "latchkey_http_responses_total{protocol=\"http1\",code=\"101\"} 1\n",
        "latchkey_http_responses_total{protocol=\"http1\",code=\"404\"} 2\n",
        "latchkey_http_responses_total{protocol=\"http2\",code=\"404\"} 1\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin\n" << text;
  }
  EXPECT_EQ(text.find("code=\"999\""), std::string::npos);
  EXPECT_EQ(text.find("code=\"200\""), std::string::npos);  // codes never sent are left out
}

asio::awaitable<std::string> get_closing(const ServerFixture& f, const std::string& path) {
  asio::ip::tcp::socket sock(co_await asio::this_coro::executor);
  co_await sock.async_connect(f.server->local_endpoint(), asio::use_awaitable);
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  co_await asio::async_write(sock, asio::buffer(req), asio::use_awaitable);
  std::string got;
  char buf[4096];
  boost::system::error_code ec;
  while (!ec) {
    const std::size_t n = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    got.append(buf, n);
  }
  co_return got;
}

TEST(TransportMetrics, NotFoundIsCountedOnBothSides) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    const std::string missing = co_await get_closing(f, "/nope");
    EXPECT_EQ(missing.rfind("HTTP/1.1 404", 0), 0u) << missing;
    SimNode a;
    CO_ASSERT_TRUE(co_await a.connect(f));
    auto res = co_await a.post("/machine/nope", "{}");
    EXPECT_EQ(res.status, 404u);
    const std::string text = f.server->metrics_text();
    EXPECT_NE(text.find("latchkey_http_responses_total{protocol=\"http1\",code=\"404\"} 1\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("latchkey_http_responses_total{protocol=\"http1\",code=\"101\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("latchkey_http_responses_total{protocol=\"http2\",code=\"404\"} 1\n"), std::string::npos)
        << text;
  });
}

}  // namespace
}  // namespace latchkey::server
