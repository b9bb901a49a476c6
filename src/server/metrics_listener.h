// MetricsListener: the Prometheus scrape endpoint of `latchkey serve` —
// GET /metrics over plain HTTP/1.1 on its own TCP address
// (metrics_listen_addr, 127.0.0.1:9090 by default), apart from the public
// control port, as headscale serves its metrics_listen_addr. Anything but
// GET /metrics is answered 404, 405 or 400 and counted in the server's
// errors (metrics_not_found, metrics_bad_method, metrics_bad_request);
// requests are bounded (8 KiB of header, no body) and idle connections
// closed after a deadline.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "base/result.h"
#include "server/metrics.h"

namespace latchkey::server {

class MetricsListener {
 public:
  // Produces the exposition text; called on an I/O thread for each scrape.
  using Render = std::function<std::string()>;

  // Binds and listens on `endpoint` (port 0: any free port). Refused
  // requests are counted in `counts` (which must outlive the listener).
  static Result<std::unique_ptr<MetricsListener>> open(boost::asio::io_context& io,
                                                       const boost::asio::ip::tcp::endpoint& endpoint, Render render,
                                                       ServerMetrics& counts);
  ~MetricsListener();
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;

  void start();
  // Stops accepting; open connections end after their current request.
  // Safe from any thread.
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  struct State;

 private:
  MetricsListener() = default;
  std::shared_ptr<State> state_;
};

}  // namespace latchkey::server
