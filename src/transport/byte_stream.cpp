#include "transport/byte_stream.h"

namespace latchkey::transport {

asio::awaitable<bool> read_exact(ByteStream& stream, std::span<std::uint8_t> into) {
  std::size_t got = 0;
  while (got < into.size()) {
    std::size_t n = co_await stream.read_some(into.subspan(got));
    if (n == 0) co_return false;
    got += n;
  }
  co_return true;
}

}  // namespace latchkey::transport
