// Fuzz target: pre-auth key text as a client presents it in a
// RegisterRequest (store/auth_key.h parse_auth_key); an accepted key must
// format back to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/auth_key.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto k = latchkey::store::parse_auth_key(text);
  if (k && latchkey::store::format_auth_key(*k) != text) std::abort();
  return 0;
}
