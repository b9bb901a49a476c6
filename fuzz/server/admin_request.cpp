// Fuzzes the admin API's request decoder: the first line is "METHOD
// TARGET", the rest the body. Any input gives a decoded call or a clean
// error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/admin_api.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > latchkey::server::kAdminBodyLimit + 1024) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nl = in.find('\n');
  const std::string_view head = in.substr(0, nl);
  const auto space = head.find(' ');
  latchkey::server::AdminRequest r;
  r.method = std::string(head.substr(0, space));
  if (space != std::string_view::npos) r.target = std::string(head.substr(space + 1));
  if (nl != std::string_view::npos) r.body = std::string(in.substr(nl + 1));
  auto call = latchkey::server::decode_admin_request(r);
  (void)call;
  return 0;
}
