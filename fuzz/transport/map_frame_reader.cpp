// Fuzzes MapFrameReader (length-prefixed, optionally zstd map messages): any
// input, split at an input-chosen point, ends in messages or a clean error.
#include <cstddef>
#include <cstdint>

#include "transport/map_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool zstd = (data[0] & 1) != 0;
  const std::size_t split = data[1] % (size - 1);
  latchkey::transport::MapFrameReader r(zstd, 1 << 20);
  const latchkey::ByteView rest(data + 2, size - 2);
  r.feed(rest.first(std::min(split, rest.size())));
  for (int i = 0; i < 64; ++i) {
    auto m = r.next();
    if (!m.ok() || !m->has_value()) break;
  }
  r.feed(rest.subspan(std::min(split, rest.size())));
  for (int i = 0; i < 64; ++i) {
    auto m = r.next();
    if (!m.ok() || !m->has_value()) break;
  }
  return 0;
}
