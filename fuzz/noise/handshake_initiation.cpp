// Fuzz target: the server side of the TS2021 handshake consuming arbitrary
// initiation bytes, in the stream form (chunked as the first input byte
// says) or the header form. The control key is the one of noise.json's
// server_rejects[], so the seed corpus holds a valid initiation.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/hex.h"
#include "noise/messages.h"
#include "noise/server_handshake.h"

namespace {

using namespace latchkey;
using namespace latchkey::noise;

const Keypair& control_key() {
  static const Keypair key = [] {
    ByteArray<32> priv;
    if (!hex_decode_into("404cab4abd9fa15d6a7e83207e4cfab97c8eb3a93fe00a79faa5d117afa3c851", priv)) std::abort();
    return Keypair::from_private(priv);
  }();
  return key;
}

void check_reply(const ServerHandshake& server) {
  // A failure reply is empty or one well-formed error frame.
  ByteView reply = server.failure_reply();
  if (reply.empty()) return;
  if (reply.size() < kHeaderSize) std::abort();
  const FrameHeader h = FrameHeader::parse(reply.data());
  if (h.type != static_cast<std::uint8_t>(MessageType::kError) || h.frame_size() != reply.size()) std::abort();
}

void finish(ServerHandshake& server) {
  if (!server.initiation_complete()) return;
  ByteArray<32> random{};
  random[0] = 7;
  auto accept = server.respond(random);
  if (!accept) std::abort();  // a valid initiation always gets a response
  if (accept->conn.peer() != server.client_machine_key()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  ByteView input(data + 1, size - 1);
  ServerHandshake server(control_key());
  if (mode & 0x80) {
    if (!server.read_initiation_message(input)) check_reply(server);
    finish(server);
    return 0;
  }
  const std::size_t chunk = (mode & 0x7f) + 1;
  std::size_t total = 0;
  while (!input.empty()) {
    const ByteView piece = input.first(std::min(chunk, input.size()));
    auto used = server.read_initiation(piece);
    if (!used) {
      check_reply(server);
      return 0;
    }
    if (*used > piece.size()) std::abort();
    total += *used;
    if (total > kInitiationSize) std::abort();
    if (server.initiation_complete()) break;
    if (*used != piece.size()) std::abort();  // incomplete: everything is taken
    input = input.subspan(piece.size());
  }
  if (!server.initiation_complete() && server.end_of_stream().ok()) std::abort();
  finish(server);
  return 0;
}
