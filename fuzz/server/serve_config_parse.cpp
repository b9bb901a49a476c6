// Fuzzes the `latchkey serve` YAML configuration parser: any text gives a
// configuration or a clean error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/serve_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1 << 16) return 0;
  auto c = latchkey::server::parse_serve_config(std::string_view(reinterpret_cast<const char*>(data), size), "/etc/lk");
  (void)c;
  return 0;
}
