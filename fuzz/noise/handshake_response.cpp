// Fuzz target: the client side of the TS2021 handshake consuming arbitrary
// response bytes (chunked as the first input byte says). Keys and the
// ephemeral are those of noise.json's client_rejects[], so the seed corpus
// holds the valid response.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/hex.h"
#include "noise/client_handshake.h"

namespace {

using namespace latchkey;
using namespace latchkey::noise;

ByteArray<32> from_hex(const char* text) {
  ByteArray<32> out;
  if (!hex_decode_into(text, out)) std::abort();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Keypair machine =
      Keypair::from_private(from_hex("e8b9dbfb5ea0423d674cd72926e3c3f8d80525dba6de7036d12a4d11bbace05f"));
  static const auto control = from_hex("9505ac34543d6217e396a9deebde4282e7593b9d218625cc85feb822796c8846");
  static const auto ephemeral = from_hex("b22a1b9f48ca06eeaaac9fc88753751f8f92eab0df0fcabd2aedaeced7ed5be9");
  if (size == 0) return 0;
  const std::size_t chunk = data[0] + 1u;
  ByteView input(data + 1, size - 1);

  auto client = ClientHandshake::start(machine, control, 145, ephemeral);
  if (!client) std::abort();
  std::size_t total = 0;
  while (!input.empty()) {
    const ByteView piece = input.first(std::min(chunk, input.size()));
    auto used = client->read_response(piece);
    if (!used) return 0;
    if (*used > piece.size()) std::abort();
    total += *used;
    if (client->established()) {
      if (total != kResponseSize) std::abort();
      Conn conn = client->take_conn();
      if (conn.peer() != control) std::abort();
      return 0;
    }
    if (*used != piece.size()) std::abort();
    input = input.subspan(piece.size());
  }
  if (client->end_of_stream().ok()) std::abort();  // still waiting: EOF is an error
  return 0;
}
