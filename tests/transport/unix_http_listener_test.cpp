// UnixHttpListener: the local HTTP/1.1 socket under the server's admin
// socket and the client's status socket — mode, stale files, a second
// listener refused, removal at the end, bounded bodies, malformed requests,
// the idle deadline, keep-alive, and where handlers run. The listener runs
// on an io_context thread; the tests are blocking clients, as the CLI is.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "transport/unix_http_listener.h"

namespace latchkey::transport {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Local = asio::local::stream_protocol;
using namespace std::chrono_literals;

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class UnixHttpListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lk-uhl-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/test.sock";
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    std::filesystem::remove_all(dir_);
  }

  // Opens on the io thread's context (open itself is synchronous and
  // touches nothing the io thread runs yet).
  Result<std::unique_ptr<UnixHttpListener>> open(UnixHttpHandler h, UnixHttpListenerOptions o = {}) {
    return UnixHttpListener::open(io_, path_, std::move(h), std::move(o));
  }

  // Sends `raw` and reads until the server closes.
  std::string exchange(const std::string& raw) {
    asio::io_context io;
    Local::socket s(io);
    s.connect(Local::endpoint(path_));
    asio::write(s, asio::buffer(raw));
    std::string out;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(out), ec);
    return out;
  }

  http::response<http::string_body> request(http::verb method, const std::string& target, const std::string& body) {
    asio::io_context io;
    Local::socket s(io);
    s.connect(Local::endpoint(path_));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "latchkey");
    req.keep_alive(false);
    req.body() = body;
    req.prepare_payload();
    http::write(s, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return res;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread thread_;
  std::string dir_;
  std::string path_;
};

UnixHttpResponse echo(const UnixHttpRequest& r) {
  return {201, "text/plain; charset=utf-8", r.method + " " + r.target + " [" + r.body + "]"};
}

TEST_F(UnixHttpListenerTest, AnswersWithTheHandlersStatusTypeAndBody) {
  auto l = open(echo);
  ASSERT_TRUE(l.ok()) << l.message();
  (*l)->start();
  EXPECT_EQ((*l)->path(), path_);
  auto get = request(http::verb::get, "/status?x=1", "");
  EXPECT_EQ(get.result_int(), 201u);
  EXPECT_EQ(get[http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(get.body(), "GET /status?x=1 []");
  auto post = request(http::verb::post, "/v1/users", "{\"name\":\"alice\"}");
  EXPECT_EQ(post.body(), "POST /v1/users [{\"name\":\"alice\"}]");
}

TEST_F(UnixHttpListenerTest, SocketIsMode0600AndRemovedAtTheEnd) {
  {
    auto l = open(echo);
    ASSERT_TRUE(l.ok()) << l.message();
    struct stat info {};
    ASSERT_EQ(::lstat(path_.c_str(), &info), 0);
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0600u);
  }
  EXPECT_FALSE(std::filesystem::exists(path_)) << "the socket file is removed when the listener goes";
}

TEST_F(UnixHttpListenerTest, AFileThatReplacedOursIsLeftAlone) {
  auto l = open(echo);
  ASSERT_TRUE(l.ok()) << l.message();
  ASSERT_EQ(::unlink(path_.c_str()), 0);
  std::ofstream(path_) << "successor";
  l->reset();
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(UnixHttpListenerTest, StaleSocketIsTakenOverALiveOneIsNot) {
  {
    // A socket file left by a process that died: nobody listens on it.
    Local::acceptor stale(io_);
    stale.open();
    stale.bind(Local::endpoint(path_));
  }
  ASSERT_TRUE(std::filesystem::exists(path_));
  auto first = open(echo);
  ASSERT_TRUE(first.ok()) << first.message();
  (*first)->start();

  UnixHttpListenerOptions named;
  named.name = "status socket";
  named.holder = "another latchkey up";
  auto second = open(echo, named);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.kind(), ErrorKind::AlreadyExists);
  EXPECT_EQ(second.message(), "another latchkey up is already listening on the status socket " + path_);
  // The first keeps serving.
  EXPECT_EQ(request(http::verb::get, "/", "").body(), "GET / []");
}

TEST_F(UnixHttpListenerTest, RefusesPathsItCannotOrMustNotUse) {
  const std::string file = dir_ + "/plain";
  std::ofstream(file) << "x";
  path_ = file;
  auto not_socket = open(echo);
  ASSERT_FALSE(not_socket.ok());
  EXPECT_EQ(not_socket.message(), "socket path " + file + " exists and is not a socket");
  EXPECT_TRUE(std::filesystem::exists(file)) << "a path that is not a socket is never removed";

  path_ = "";
  EXPECT_EQ(open(echo).message(), "socket path is empty");
  path_ = "/tmp/" + std::string(200, 'a');
  EXPECT_TRUE(has(open(echo).message(), "is too long for a unix socket (at most 107 bytes)"));
  path_ = dir_ + "/no/such/dir/x.sock";
  auto no_dir = open(echo);
  ASSERT_FALSE(no_dir.ok());
  EXPECT_EQ(no_dir.kind(), ErrorKind::Unavailable);
  EXPECT_TRUE(has(no_dir.message(), "cannot bind the socket " + path_)) << no_dir.message();
  path_ = dir_ + "/ok.sock";
  EXPECT_EQ(open(nullptr).message(), "socket has no request handler");
}

TEST_F(UnixHttpListenerTest, BodyOverTheLimitIsRefusedWith413) {
  UnixHttpListenerOptions o;
  o.body_limit = 1024;
  std::atomic<int> calls{0};
  auto l = open(
      [&](const UnixHttpRequest& r) {
        ++calls;
        return echo(r);
      },
      o);
  ASSERT_TRUE(l.ok()) << l.message();
  (*l)->start();
  EXPECT_EQ(request(http::verb::post, "/", std::string(1024, 'x')).result_int(), 201u);
  auto big = request(http::verb::post, "/", std::string(1025, 'x'));
  EXPECT_EQ(big.result_int(), 413u);
  EXPECT_EQ(big[http::field::content_type], "application/json");
  EXPECT_EQ(nlohmann::json::parse(big.body()), nlohmann::json({{"error", "request body is larger than 1 KiB"}}));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(UnixHttpListenerTest, RefusalsGoThroughTheRefusalHandler) {
  UnixHttpListenerOptions o;
  o.body_limit = 64 * 1024;
  std::vector<UnixHttpRefusal> seen;
  std::mutex mu;
  o.refuse = [&](const UnixHttpRefusal& r) {
    std::lock_guard lock(mu);
    seen.push_back(r);
    return UnixHttpResponse{r.status, "text/plain", "refused: " + r.message};
  };
  auto l = open(echo, o);
  ASSERT_TRUE(l.ok()) << l.message();
  (*l)->start();
  auto big = request(http::verb::post, "/", std::string(64 * 1024 + 1, 'x'));
  EXPECT_EQ(big.result_int(), 413u);
  EXPECT_EQ(big.body(), "refused: request body is larger than 64 KiB");
  const std::string garbage = exchange("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << garbage;
  EXPECT_TRUE(has(garbage, "refused: cannot read the HTTP request: ")) << garbage;
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, UnixHttpRefusal::Kind::BodyTooLarge);
  EXPECT_EQ(seen[0].status, 413u);
  EXPECT_EQ(seen[1].kind, UnixHttpRefusal::Kind::BadRequest);
  EXPECT_EQ(seen[1].status, 400u);
}

TEST_F(UnixHttpListenerTest, OversizedHeadersAreABadRequest) {
  UnixHttpListenerOptions o;
  o.header_limit = 512;
  auto l = open(echo, o);
  ASSERT_TRUE(l.ok()) << l.message();
  (*l)->start();
  const std::string answer =
      exchange("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(1000, 'p') + "\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
}

TEST_F(UnixHttpListenerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto l = open(echo);
  ASSERT_TRUE(l.ok()) << l.message();
  (*l)->start();
  asio::io_context io;
  Local::socket s(io);
  s.connect(Local::endpoint(path_));
  boost::beast::flat_buffer buf;
  for (int i = 0; i < 3; ++i) {
    http::request<http::string_body> req{http::verb::get, "/n" + std::to_string(i), 11};
    req.keep_alive(true);
    http::write(s, req);
    http::response<http::string_body> res;
    http::read(s, buf, res);
    EXPECT_EQ(res.body(), "GET /n" + std::to_string(i) + " []");
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST_F(UnixHttpListenerTest, IdleConnectionIsClosedAfterTheDeadline) {
  UnixHttpListenerOptions o;
  o.idle_deadline = 200ms;
  auto l = open(echo, o);
  ASSERT_TRUE(l.ok()) << l.message();
  (*l)->start();
  asio::io_context io;
  Local::socket s(io);
  s.connect(Local::endpoint(path_));
  asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\n")));  // never finished
  const auto start = std::chrono::steady_clock::now();
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 10s);
}

TEST_F(UnixHttpListenerTest, HandlersRunOnTheBlockingExecutor) {
  asio::thread_pool pool(1);
  UnixHttpListenerOptions o;
  o.blocking = pool.get_executor();
  std::atomic<bool> on_pool{false};
  auto l = open(
      [&](const UnixHttpRequest& r) {
        on_pool = pool.get_executor().running_in_this_thread();
        return echo(r);
      },
      o);
  ASSERT_TRUE(l.ok()) << l.message();
  (*l)->start();
  // While the pool is busy, the request waits for it.
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  asio::post(pool, [opened] { opened.wait(); });
  auto answer = std::async(std::launch::async, [&] { return request(http::verb::get, "/slow", "").body(); });
  EXPECT_EQ(answer.wait_for(300ms), std::future_status::timeout) << "answered while the blocking pool was busy";
  gate.set_value();
  EXPECT_EQ(answer.get(), "GET /slow []");
  EXPECT_TRUE(on_pool.load());
  pool.join();
}

TEST_F(UnixHttpListenerTest, WithoutABlockingExecutorHandlersRunOnTheIoThread) {
  std::atomic<bool> on_io{false};
  auto l = open([&](const UnixHttpRequest& r) {
    on_io = std::this_thread::get_id() == thread_.get_id();
    return echo(r);
  });
  ASSERT_TRUE(l.ok()) << l.message();
  (*l)->start();
  EXPECT_EQ(request(http::verb::get, "/", "").result_int(), 201u);
  EXPECT_TRUE(on_io.load());
}

TEST_F(UnixHttpListenerTest, StopEndsAccepting) {
  auto l = open(echo);
  ASSERT_TRUE(l.ok()) << l.message();
  (*l)->start();
  EXPECT_EQ(request(http::verb::get, "/", "").result_int(), 201u);
  (*l)->stop();
  (*l)->stop();  // twice is fine
  // Once the acceptor is closed, connecting is refused.
  boost::system::error_code ec;
  for (int i = 0; i < 100; ++i) {
    asio::io_context io;
    Local::socket s(io);
    s.connect(Local::endpoint(path_), ec);
    if (ec) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(ec, asio::error::connection_refused);
}

}  // namespace
}  // namespace latchkey::transport
