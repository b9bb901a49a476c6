#include "server/admin_socket.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "server/off_io.h"

namespace latchkey::server {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Local = asio::local::stream_protocol;

namespace {
// A connection that sends no complete request for this long is closed.
constexpr auto kIdleDeadline = std::chrono::seconds(30);
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
}  // namespace

struct AdminSocket::State {
  explicit State(asio::io_context& io) : io_executor(io.get_executor()), acceptor(asio::make_strand(io)) {}
  asio::io_context::executor_type io_executor;
  Local::acceptor acceptor;
  std::shared_ptr<AdminApi> api;
  std::optional<asio::any_io_executor> blocking;  // where requests run, when set
  std::atomic<bool> stopped{false};
};

namespace {

asio::awaitable<void> write_response(Local::socket& sock, unsigned version, bool keep_alive, const AdminResponse& r) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::server, "latchkey");
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  boost::system::error_code ec;
  co_await http::async_write(sock, res, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> serve_connection(std::shared_ptr<AdminSocket::State> st, std::shared_ptr<Local::socket> sock) {
  boost::beast::flat_buffer buffer;
  asio::steady_timer deadline(sock->get_executor());
  std::weak_ptr<Local::socket> weak = sock;
  while (!st->stopped.load()) {
    deadline.expires_after(kIdleDeadline);
    deadline.async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      if (auto s = weak.lock()) {
        boost::system::error_code ignored;
        s->close(ignored);
      }
    });
    http::request_parser<http::string_body> parser;
    parser.body_limit(kAdminBodyLimit);
    parser.header_limit(kHeaderLimit);
    boost::system::error_code ec;
    co_await http::async_read(*sock, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == asio::error::bad_descriptor) {
      break;
    }
    if (ec == http::error::body_limit) {
      co_await write_response(*sock, 11, false, st->api->refuse(413, "admin_too_large", "request body is larger than 64 KiB"));
      break;
    }
    if (ec) {
      co_await write_response(*sock, 11, false,
                              st->api->refuse(400, "admin_bad_http", "cannot read the HTTP request: " + ec.message()));
      break;
    }
    auto& req = parser.get();
    AdminRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.body = std::move(req.body());
    AdminResponse out;
    if (st->blocking) {
      out = co_await off_io(*st->blocking, [&] { return st->api->handle(r, std::chrono::system_clock::now()); });
    } else {
      out = st->api->handle(r, std::chrono::system_clock::now());
    }
    const bool keep = req.keep_alive();
    co_await write_response(*sock, req.version(), keep, out);
    if (!keep) break;
  }
  boost::system::error_code ignored;
  sock->shutdown(Local::socket::shutdown_both, ignored);
  sock->close(ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<AdminSocket::State> st) {
  while (!st->stopped.load()) {
    boost::system::error_code ec;
    auto strand = asio::make_strand(st->io_executor);  // one per connection
    Local::socket s = co_await st->acceptor.async_accept(strand, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || st->stopped.load()) break;
      spdlog::warn("admin socket: accept: {}", ec.message());
      continue;
    }
    auto sock = std::make_shared<Local::socket>(std::move(s));
    asio::co_spawn(sock->get_executor(), serve_connection(st, sock), asio::detached);
  }
}

}  // namespace

Result<std::unique_ptr<AdminSocket>> AdminSocket::open(asio::io_context& io, const std::string& path,
                                                      std::shared_ptr<AdminApi> api,
                                                      std::optional<asio::any_io_executor> blocking) {
  if (path.empty()) return Error{"admin socket path is empty"};
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Error{"admin socket path " + path + " is too long for a unix socket (at most " +
                 std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes)"};
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    if (!S_ISSOCK(info.st_mode)) return Error{"admin socket path " + path + " exists and is not a socket"};
    // Someone listening there? Then it is not ours to take over.
    Local::socket probe(io);
    boost::system::error_code ec;
    probe.connect(Local::endpoint(path), ec);
    if (!ec) {
      return Error{"another latchkey server is already listening on the admin socket " + path,
                   ErrorKind::AlreadyExists};
    }
    if (ec != asio::error::connection_refused && ec != asio::error::not_found) {
      return Error{"cannot check the existing admin socket " + path + ": " + ec.message(), ErrorKind::Unavailable};
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Error{"cannot remove the stale admin socket " + path + ": " + std::strerror(errno),
                   ErrorKind::Unavailable};
    }
    spdlog::info("removed stale admin socket {}", path);
  } else if (errno != ENOENT) {
    return Error{"cannot check admin socket path " + path + ": " + std::strerror(errno), ErrorKind::Unavailable};
  }

  std::unique_ptr<AdminSocket> s(new AdminSocket());
  s->path_ = path;
  s->state_ = std::make_shared<State>(io);
  s->state_->api = std::move(api);
  s->state_->blocking = std::move(blocking);
  auto& acc = s->state_->acceptor;
  boost::system::error_code ec;
  acc.open(Local(), ec);
  if (!ec) {
    // Created without group/other permissions; chmod below makes sure of it
    // before listen() lets anyone connect.
    const mode_t old = ::umask(0177);
    acc.bind(Local::endpoint(path), ec);
    ::umask(old);
  }
  if (ec) return Error{"cannot bind the admin socket " + path + ": " + ec.message(), ErrorKind::Unavailable};
  if (::chmod(path.c_str(), 0600) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(path.c_str());
    return Error{"cannot set mode 0600 on the admin socket " + path + ": " + why, ErrorKind::Unavailable};
  }
  struct stat bound {};
  if (::lstat(path.c_str(), &bound) == 0) {
    s->inode_ = bound.st_ino;
    s->device_ = bound.st_dev;
  }
  acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    ::unlink(path.c_str());
    return Error{"cannot listen on the admin socket " + path + ": " + ec.message(), ErrorKind::Unavailable};
  }
  return s;
}

void AdminSocket::start() {
  auto st = state_;
  asio::co_spawn(st->acceptor.get_executor(), accept_loop(st), asio::detached);
}

void AdminSocket::stop() {
  if (!state_ || state_->stopped.exchange(true)) return;
  auto st = state_;
  asio::post(st->acceptor.get_executor(), [st] {
    boost::system::error_code ignored;
    st->acceptor.close(ignored);
  });
}

AdminSocket::~AdminSocket() {
  stop();
  // Remove the file only while it is still the one we bound (a successor
  // server may have replaced it after we stopped).
  struct stat info {};
  if (!path_.empty() && ::lstat(path_.c_str(), &info) == 0 && info.st_ino == inode_ && info.st_dev == device_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace latchkey::server
