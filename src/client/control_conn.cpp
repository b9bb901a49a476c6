#include "client/control_conn.h"

#include <utility>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "transport/key_fetch.h"

namespace latchkey::client {

namespace asio = boost::asio;

namespace {

Error unavailable(std::string message) { return Error{std::move(message), ErrorKind::Unavailable}; }

transport::Http2ClientRequest make_request(std::string method, std::string path, std::string body) {
  transport::Http2ClientRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body.assign(body.begin(), body.end());
  if (!r.body.empty()) r.headers.push_back({"content-type", "application/json"});
  return r;
}

}  // namespace

ControlConn::ControlConn(asio::any_io_executor executor, ControlConnOptions options)
    : executor_(std::move(executor)), options_(std::move(options)), dial_done_(executor_) {}

void ControlConn::drop() {
  if (conn_) conn_->abort();
  conn_.reset();
}

void ControlConn::close() {
  closed_ = true;
  drop();
  dial_done_.cancel();
}

asio::awaitable<Result<std::shared_ptr<transport::Ts2021Client>>> ControlConn::connection() {
  if (dialing_) {
    // Join the dial in progress: the dialer armed the timer before it
    // began and cancels it when done, waking every waiter once; they share
    // its outcome instead of dialing again one after another.
    const std::uint64_t joined = dial_generation_;
    while (dialing_ && dial_generation_ == joined) {
      boost::system::error_code ignored;
      co_await dial_done_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (closed_) co_return unavailable("the client is stopping");
    if (conn_ && conn_->is_open()) co_return conn_;
    co_return last_dial_error_;
  }
  if (closed_) co_return unavailable("the client is stopping");
  if (conn_ && conn_->is_open()) co_return conn_;
  dial_done_.expires_at(asio::steady_timer::time_point::max());
  dialing_ = true;
  auto c = co_await dial();
  dialing_ = false;
  ++dial_generation_;
  dial_done_.cancel();
  if (!c) {
    last_dial_error_ = c.error();
    co_return c.error();
  }
  if (closed_) {
    (*c)->abort();
    co_return unavailable("the client is stopping");
  }
  conn_ = *c;
  ++dials_;
  co_return conn_;
}

asio::awaitable<Result<std::shared_ptr<transport::Ts2021Client>>> ControlConn::dial() {
  const auto& target = options_.server.target;
  if (!control_key_) {
    // The key is fetched once per process, as upstream keeps serverNoiseKey
    // for the life of its Direct.
    auto keys = co_await transport::fetch_server_keys(target, options_.capability_version, options_.dial_timeout,
                                                      options_.key_tls);
    if (!keys) co_return unavailable(options_.server.url + "/key: " + keys.message());
    if (keys->noise.is_zero()) co_return unavailable(options_.server.url + "/key: the server has no Noise key");
    control_key_ = keys->noise;
  }
  transport::ClientConfig config;
  config.target = target;
  config.websocket = options_.websocket;
  config.machine_key = options_.machine_key;
  config.control_key = *control_key_;
  config.protocol_version = options_.capability_version;
  config.timeouts.handshake = options_.dial_timeout;
  auto c = co_await transport::Ts2021Client::connect(config);
  if (!c) co_return unavailable(options_.server.url + "/ts2021: " + c.message());
  co_return std::move(*c);
}

asio::awaitable<Result<std::unique_ptr<transport::Http2ClientResponse>>> ControlConn::open(std::string method,
                                                                                          std::string path,
                                                                                          std::string body) {
  auto c = co_await connection();
  if (!c) co_return c.error();
  auto response = co_await (*c)->request(make_request(std::move(method), path, std::move(body)));
  if (!response) {
    if (conn_ == *c) drop();
    co_return unavailable(path + ": " + response.message());
  }
  co_return std::move(*response);
}

asio::awaitable<Result<RpcReply>> ControlConn::rpc(std::string method, std::string path, std::string body,
                                                  std::chrono::milliseconds deadline, std::size_t max_body) {
  // The deadline covers the dial too.
  const auto started = std::chrono::steady_clock::now();
  auto c = co_await connection();
  if (!c) co_return c.error();
  const std::shared_ptr<transport::Ts2021Client> conn = *c;
  if (deadline.count() > 0) {
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (spent >= deadline) co_return unavailable(path + ": no connection within " + std::to_string(deadline.count()) + " ms");
    deadline -= spent;
  }
  // The deadline aborts the connection: the only way to end a read the
  // server never completes. `done` tells the timer the exchange is over.
  auto done = std::make_shared<bool>(false);
  auto expired = std::make_shared<bool>(false);
  std::shared_ptr<asio::steady_timer> timer;
  if (deadline.count() > 0) {
    timer = std::make_shared<asio::steady_timer>(executor_, deadline);
    timer->async_wait([done, expired, conn](const boost::system::error_code&) {
      if (*done) return;
      *expired = true;
      conn->abort();
    });
  }
  auto reply = co_await exchange(conn, std::move(method), path, std::move(body), max_body);
  *done = true;
  if (timer) timer->cancel();
  if (*expired) {
    if (conn_ == conn) drop();
    co_return unavailable(path + ": no complete answer within " + std::to_string(deadline.count()) + " ms");
  }
  co_return reply;
}

asio::awaitable<Result<RpcReply>> ControlConn::exchange(std::shared_ptr<transport::Ts2021Client> conn,
                                                       std::string method, std::string path, std::string body,
                                                       std::size_t max_body) {
  auto response = co_await conn->request(make_request(std::move(method), path, std::move(body)));
  if (!response) {
    if (conn_ == conn) drop();
    co_return unavailable(path + ": " + response.message());
  }
  RpcReply reply;
  reply.status = (*response)->status();
  if (auto ra = (*response)->header("retry-after")) reply.retry_after = std::string(*ra);
  auto bytes = co_await (*response)->read_body(max_body);
  if (!bytes) {
    // An oversized answer is the server's fault, not the connection's: the
    // stream was cancelled and the connection stays.
    if (!conn->is_open() && conn_ == conn) drop();
    co_return unavailable(path + ": " + bytes.message());
  }
  reply.body.assign(bytes->begin(), bytes->end());
  co_return reply;
}

}  // namespace latchkey::client
