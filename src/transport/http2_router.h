// Http2Router: maps an HTTP/2 request (method and path) to its handler.
// Paths match exactly or by registered prefix (longest wins); the method
// must match unless the route was added for any method. Mirrors the chi /
// ServeMux routing upstream servers put behind the Noise connection.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace latchkey::transport {

struct Http2Request;
class Http2Response;

// A handler runs as a coroutine on the connection's strand. It may take as
// long as it likes (a long-poll), writing to the response over time. When the
// client resets the stream or the connection ends, the handler's pending
// asynchronous operation is cancelled (terminal cancellation) and further
// writes return false.
using Http2Handler = std::function<boost::asio::awaitable<void>(const Http2Request&, Http2Response&)>;

class Http2Router {
 public:
  // method "" = any method.
  void add(std::string method, std::string path, Http2Handler handler);
  void add_prefix(std::string method, std::string prefix, Http2Handler handler);

  struct Match {
    const Http2Handler* handler = nullptr;  // null: no route
    unsigned status = 404;                  // 404 no path, 405 wrong method
  };
  // `path` without the query.
  Match find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Http2Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace latchkey::transport
