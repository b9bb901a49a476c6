#include "transport/unix_http_listener.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace latchkey::transport {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Local = asio::local::stream_protocol;

struct UnixHttpListener::State {
  State(asio::io_context& io, UnixHttpHandler h, UnixHttpListenerOptions o)
      : io_executor(io.get_executor()), acceptor(asio::make_strand(io)), handler(std::move(h)), options(std::move(o)) {}
  asio::io_context::executor_type io_executor;
  Local::acceptor acceptor;
  UnixHttpHandler handler;
  UnixHttpListenerOptions options;
  std::atomic<bool> stopped{false};
};

namespace {

std::string size_text(std::size_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

UnixHttpResponse refusal_answer(const UnixHttpListener::State& st, UnixHttpRefusal r) {
  if (st.options.refuse) return st.options.refuse(r);
  UnixHttpResponse out;
  out.status = r.status;
  out.body = nlohmann::json{{"error", r.message}}.dump() + "\n";
  return out;
}

asio::awaitable<void> write_response(Local::socket& sock, unsigned version, bool keep_alive, const UnixHttpResponse& r) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::server, "latchkey");
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  boost::system::error_code ec;
  co_await http::async_write(sock, res, asio::redirect_error(asio::use_awaitable, ec));
}

// Runs the handler on the blocking executor; the caller resumes on its own
// executor. (co_spawn, not `co_await post(blocking, use_awaitable)`: that
// form only queues through the pool and then dispatches the continuation to
// the coroutine's own executor, so the work would still run on the I/O
// thread.)
asio::awaitable<UnixHttpResponse> handle_off_io(const UnixHttpListener::State& st, const UnixHttpRequest& r) {
  return asio::co_spawn(
      *st.options.blocking, [&st, &r]() -> asio::awaitable<UnixHttpResponse> { co_return st.handler(r); },
      asio::use_awaitable);
}

asio::awaitable<void> serve_connection(std::shared_ptr<UnixHttpListener::State> st, std::shared_ptr<Local::socket> sock) {
  boost::beast::flat_buffer buffer;
  asio::steady_timer deadline(sock->get_executor());
  std::weak_ptr<Local::socket> weak = sock;
  while (!st->stopped.load()) {
    deadline.expires_after(st->options.idle_deadline);
    deadline.async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      if (auto s = weak.lock()) {
        boost::system::error_code ignored;
        s->close(ignored);
      }
    });
    http::request_parser<http::string_body> parser;
    parser.body_limit(st->options.body_limit);
    parser.header_limit(st->options.header_limit);
    boost::system::error_code ec;
    co_await http::async_read(*sock, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == asio::error::bad_descriptor) {
      break;
    }
    if (ec) {
      // Built outside the co_await: GCC 12 destroys temporaries of an
      // aggregate initializer inside a co_await expression twice.
      UnixHttpRefusal refusal;
      if (ec == http::error::body_limit) {
        refusal.kind = UnixHttpRefusal::Kind::BodyTooLarge;
        refusal.status = 413;
        refusal.message = "request body is larger than " + size_text(st->options.body_limit);
      } else {
        refusal.message = "cannot read the HTTP request: " + ec.message();
      }
      const UnixHttpResponse answer = refusal_answer(*st, std::move(refusal));
      co_await write_response(*sock, 11, false, answer);
      break;
    }
    auto& req = parser.get();
    UnixHttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.body = std::move(req.body());
    UnixHttpResponse out;
    if (st->options.blocking) {
      out = co_await handle_off_io(*st, r);
    } else {
      out = st->handler(r);
    }
    const bool keep = req.keep_alive();
    co_await write_response(*sock, req.version(), keep, out);
    if (!keep) break;
  }
  boost::system::error_code ignored;
  sock->shutdown(Local::socket::shutdown_both, ignored);
  sock->close(ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<UnixHttpListener::State> st) {
  while (!st->stopped.load()) {
    boost::system::error_code ec;
    auto strand = asio::make_strand(st->io_executor);  // one per connection
    Local::socket s = co_await st->acceptor.async_accept(strand, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || st->stopped.load()) break;
      spdlog::warn("{}: accept: {}", st->options.name, ec.message());
      continue;
    }
    auto sock = std::make_shared<Local::socket>(std::move(s));
    asio::co_spawn(sock->get_executor(), serve_connection(st, sock), asio::detached);
  }
}

}  // namespace

Result<std::unique_ptr<UnixHttpListener>> UnixHttpListener::open(asio::io_context& io, const std::string& path,
                                                                UnixHttpHandler handler,
                                                                UnixHttpListenerOptions options) {
  const std::string name = options.name;
  if (!handler) return Error{name + " has no request handler"};
  if (path.empty()) return Error{name + " path is empty"};
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Error{name + " path " + path + " is too long for a unix socket (at most " +
                 std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes)"};
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    if (!S_ISSOCK(info.st_mode)) return Error{name + " path " + path + " exists and is not a socket"};
    // Someone listening there? Then it is not ours to take over.
    Local::socket probe(io);
    boost::system::error_code ec;
    probe.connect(Local::endpoint(path), ec);
    if (!ec) {
      return Error{options.holder + " is already listening on the " + name + " " + path, ErrorKind::AlreadyExists};
    }
    if (ec != asio::error::connection_refused && ec != asio::error::not_found) {
      return Error{"cannot check the existing " + name + " " + path + ": " + ec.message(), ErrorKind::Unavailable};
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Error{"cannot remove the stale " + name + " " + path + ": " + std::strerror(errno),
                   ErrorKind::Unavailable};
    }
    spdlog::info("removed stale {} {}", name, path);
  } else if (errno != ENOENT) {
    return Error{"cannot check " + name + " path " + path + ": " + std::strerror(errno), ErrorKind::Unavailable};
  }

  std::unique_ptr<UnixHttpListener> s(new UnixHttpListener());
  s->path_ = path;
  s->state_ = std::make_shared<State>(io, std::move(handler), std::move(options));
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
  if (ec) return Error{"cannot bind the " + name + " " + path + ": " + ec.message(), ErrorKind::Unavailable};
  if (::chmod(path.c_str(), 0600) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(path.c_str());
    return Error{"cannot set mode 0600 on the " + name + " " + path + ": " + why, ErrorKind::Unavailable};
  }
  struct stat bound {};
  if (::lstat(path.c_str(), &bound) == 0) {
    s->inode_ = bound.st_ino;
    s->device_ = bound.st_dev;
  }
  acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    ::unlink(path.c_str());
    return Error{"cannot listen on the " + name + " " + path + ": " + ec.message(), ErrorKind::Unavailable};
  }
  return s;
}

void UnixHttpListener::start() {
  auto st = state_;
  asio::co_spawn(st->acceptor.get_executor(), accept_loop(st), asio::detached);
}

void UnixHttpListener::stop() {
  if (!state_ || state_->stopped.exchange(true)) return;
  auto st = state_;
  asio::post(st->acceptor.get_executor(), [st] {
    boost::system::error_code ignored;
    st->acceptor.close(ignored);
  });
}

UnixHttpListener::~UnixHttpListener() {
  stop();
  // Remove the file only while it is still the one we bound (a successor
  // may have replaced it after we stopped).
  struct stat info {};
  if (!path_.empty() && ::lstat(path_.c_str(), &info) == 0 && info.st_ino == inode_ && info.st_dev == device_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace latchkey::transport
