// Fuzzes the client's map stream reader: arbitrary bytes, plain or zstd
// framed, fed in two input-chosen pieces to a MapSession whose updates go
// into a NetmapState. No input may crash; an error ends the session for
// good; at most one message per session counts as the first.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "client/map_session.h"
#include "client/netmap_state.h"

namespace {

using namespace latchkey;

void require(bool cond) {
  if (!cond) std::abort();
}

// Reads every update the bytes so far complete; false once the session ended.
bool drain(client::MapSession& s, client::NetmapState& st) {
  for (int i = 0; i < 256; ++i) {
    auto u = s.next();
    if (!u) {
      require(s.ended());
      return false;
    }
    if (!u->has_value()) return true;
    require((**u).first == (s.counters().full == 1 && s.counters().delta == 0));
    st.apply(std::move(**u));
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool zstd = (data[0] & 1) != 0;
  const ByteView rest(data + 2, size - 2);
  const std::size_t split = std::min<std::size_t>(data[1] % (size - 1), rest.size());
  client::MapSession s(client::MapSessionOptions{.zstd = zstd, .max_map_bytes = 1 << 20});
  client::NetmapState st;
  s.feed(rest.first(split));
  if (drain(s, st)) {
    s.feed(rest.subspan(split));
    drain(s, st);
  }
  require(s.counters().full <= 1);
  return 0;
}
