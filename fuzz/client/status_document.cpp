// Fuzzes the strict reader of the client's status document (what `latchkey
// status` reads from the daemon's socket): no input may crash, and a
// document it accepts writes back to text that reads back to the same
// status (the writer and reader agree on every field).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "client/status.h"
#include "client/status_metrics.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace latchkey::client;
  auto s = status_from_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!s) return 0;
  const std::string text = status_to_json(*s);
  auto again = status_from_json(text);
  if (!again || !(*again == *s)) std::abort();
  (void)status_metrics(*s);
  return 0;
}
