#include "transport/http2_message.h"

#include "transport/http_head.h"

namespace latchkey::transport {

std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

}  // namespace latchkey::transport
