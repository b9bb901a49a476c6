// Fuzz target: the `database:` section of a config file (YAML text from the
// admin), through yaml-cpp and the strict section reader, and describe() of
// whatever config results. Must never crash; bad input gets an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/database_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = latchkey::store::database_config_from_text(text, "/etc/latchkey");
  if (c) (void)latchkey::store::describe(*c);
  return 0;
}
