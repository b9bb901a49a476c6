// The halves of an HTTP request target in origin form ("path?query", RFC
// 9112 section 3.2.1): the path before the first '?' and the raw query after
// it (empty when there is no '?'). HTTP/1.1 request heads (HttpRequestHead)
// and HTTP/2 requests (Http2Request's :path) split their targets with these,
// as Go's url.URL does for Path and RawQuery (without unescaping).
#pragma once

#include <string_view>

namespace latchkey::transport {

inline std::string_view target_path(std::string_view target) { return target.substr(0, target.find('?')); }

inline std::string_view target_query(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

}  // namespace latchkey::transport
