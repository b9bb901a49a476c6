#include "transport/http2_router.h"

namespace latchkey::transport {

void Http2Router::add(std::string method, std::string path, Http2Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), false, std::move(handler)});
}

void Http2Router::add_prefix(std::string method, std::string prefix, Http2Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(prefix), true, std::move(handler)});
}

Http2Router::Match Http2Router::find(std::string_view method, std::string_view path) const {
  Match best;
  std::size_t best_len = 0;
  bool path_seen = false;
  for (const auto& r : routes_) {
    bool path_ok = r.prefix ? path.substr(0, r.path.size()) == r.path : path == r.path;
    if (!path_ok) continue;
    path_seen = true;
    if (!r.method.empty() && r.method != method) continue;
    // Exact routes beat prefixes; longer prefixes beat shorter ones.
    std::size_t len = r.prefix ? r.path.size() : std::string::npos;
    if (!best.handler || len > best_len) {
      best.handler = &r.handler;
      best_len = len;
    }
  }
  if (!best.handler) best.status = path_seen ? 405 : 404;
  return best;
}

}  // namespace latchkey::transport
