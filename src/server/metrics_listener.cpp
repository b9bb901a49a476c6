#include "server/metrics_listener.h"

#include <atomic>
#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace latchkey::server {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Tcp = asio::ip::tcp;

namespace {
// A connection that sends no complete request for this long is closed.
constexpr auto kIdleDeadline = std::chrono::seconds(30);
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
}  // namespace

struct MetricsListener::State {
  explicit State(asio::io_context& io) : io_executor(io.get_executor()), acceptor(asio::make_strand(io)) {}
  asio::io_context::executor_type io_executor;
  Tcp::acceptor acceptor;
  Render render;
  ServerMetrics* counts = nullptr;
  std::atomic<bool> stopped{false};
};

namespace {

http::response<http::string_body> answer(const http::request<http::empty_body>& req, MetricsListener::State& st) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "latchkey");
  std::string_view path(req.target().data(), req.target().size());
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path != "/metrics") {
    st.counts->error("metrics_not_found");
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "404 page not found (metrics are at /metrics)\n";
  } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
    st.counts->error("metrics_bad_method");
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET, HEAD");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "405 method not allowed\n";
  } else {
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.body() = st.render();
  }
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();
  return res;
}

asio::awaitable<void> serve_connection(std::shared_ptr<MetricsListener::State> st, std::shared_ptr<Tcp::socket> sock) {
  boost::beast::flat_buffer buffer;
  asio::steady_timer deadline(sock->get_executor());
  std::weak_ptr<Tcp::socket> weak = sock;
  while (!st->stopped.load()) {
    deadline.expires_after(kIdleDeadline);
    deadline.async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      if (auto s = weak.lock()) {
        boost::system::error_code ignored;
        s->close(ignored);
      }
    });
    // Scrapes carry no body: any body is refused by the empty_body parser.
    http::request_parser<http::empty_body> parser;
    parser.header_limit(kHeaderLimit);
    boost::system::error_code ec;
    co_await http::async_read(*sock, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
    if (ec) {
      if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != asio::error::operation_aborted &&
          ec != asio::error::bad_descriptor && ec != asio::error::connection_reset) {
        st->counts->error("metrics_bad_request");
        http::response<http::string_body> bad{http::status::bad_request, 11};
        bad.set(http::field::content_type, "text/plain; charset=utf-8");
        bad.body() = "400 bad request: " + ec.message() + "\n";
        bad.keep_alive(false);
        bad.prepare_payload();
        co_await http::async_write(*sock, bad, asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    auto res = answer(parser.get(), *st);
    const bool keep = res.keep_alive();
    co_await http::async_write(*sock, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep) break;
  }
  boost::system::error_code ignored;
  sock->shutdown(Tcp::socket::shutdown_both, ignored);
  sock->close(ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<MetricsListener::State> st) {
  while (!st->stopped.load()) {
    boost::system::error_code ec;
    auto strand = asio::make_strand(st->io_executor);  // one per connection
    Tcp::socket s = co_await st->acceptor.async_accept(strand, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || st->stopped.load()) break;
      spdlog::warn("metrics listener: accept: {}", ec.message());
      // Out of descriptors or buffers: wait before trying again.
      asio::steady_timer pause(st->acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto sock = std::make_shared<Tcp::socket>(std::move(s));
    asio::co_spawn(sock->get_executor(), serve_connection(st, sock), asio::detached);
  }
}

}  // namespace

Result<std::unique_ptr<MetricsListener>> MetricsListener::open(asio::io_context& io, const Tcp::endpoint& endpoint,
                                                               Render render, ServerMetrics& counts) {
  std::unique_ptr<MetricsListener> l(new MetricsListener());
  l->state_ = std::make_shared<State>(io);
  l->state_->render = std::move(render);
  l->state_->counts = &counts;
  auto& acc = l->state_->acceptor;
  boost::system::error_code ec;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(Tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{"metrics listener: cannot listen on " + endpoint.address().to_string() + ":" +
                     std::to_string(endpoint.port()) + ": " + ec.message(),
                 ErrorKind::Unavailable};
  }
  return l;
}

MetricsListener::~MetricsListener() { stop(); }

void MetricsListener::start() {
  auto st = state_;
  asio::co_spawn(st->acceptor.get_executor(), accept_loop(st), asio::detached);
}

void MetricsListener::stop() {
  if (!state_ || state_->stopped.exchange(true)) return;
  auto st = state_;
  asio::post(st->acceptor.get_executor(), [st] {
    boost::system::error_code ignored;
    st->acceptor.close(ignored);
  });
}

Tcp::endpoint MetricsListener::local_endpoint() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

}  // namespace latchkey::server
