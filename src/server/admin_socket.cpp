#include "server/admin_socket.h"

#include <chrono>

namespace latchkey::server {

Result<std::unique_ptr<AdminSocket>> AdminSocket::open(boost::asio::io_context& io, const std::string& path,
                                                      std::shared_ptr<AdminApi> api,
                                                      std::optional<boost::asio::any_io_executor> blocking) {
  transport::UnixHttpListenerOptions options;
  options.name = "admin socket";
  options.holder = "another latchkey server";
  options.body_limit = kAdminBodyLimit;
  options.blocking = std::move(blocking);
  options.refuse = [api](const transport::UnixHttpRefusal& r) {
    const char* metric = r.kind == transport::UnixHttpRefusal::Kind::BodyTooLarge ? "admin_too_large" : "admin_bad_http";
    AdminResponse out = api->refuse(r.status, metric, r.message);
    return transport::UnixHttpResponse{out.status, "application/json", std::move(out.body)};
  };
  auto handler = [api](const transport::UnixHttpRequest& r) {
    AdminResponse out = api->handle(AdminRequest{r.method, r.target, r.body}, std::chrono::system_clock::now());
    return transport::UnixHttpResponse{out.status, "application/json", std::move(out.body)};
  };
  auto listener = transport::UnixHttpListener::open(io, path, std::move(handler), std::move(options));
  if (!listener) return listener.error();
  return std::unique_ptr<AdminSocket>(new AdminSocket(std::move(*listener)));
}

void AdminSocket::start() { listener_->start(); }

void AdminSocket::stop() { listener_->stop(); }

}  // namespace latchkey::server
