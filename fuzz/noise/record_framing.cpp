// Fuzz target: the record decoder of an established session fed arbitrary
// bytes in chunks (sizes from the first input bytes). The session is a real
// handshake (noise.json transport_rx[] parameters), done once; each input
// gets a fresh decoder for the server -> client key. Differential check:
// any chunking gives the same plaintext and verdict as one whole feed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "base/hex.h"
#include "noise/client_handshake.h"
#include "noise/server_handshake.h"

namespace {

using namespace latchkey;
using namespace latchkey::noise;

ByteArray<32> from_hex(const char* text) {
  ByteArray<32> out;
  if (!hex_decode_into(text, out)) std::abort();
  return out;
}

// The server -> client transport key of a real handshake.
const crypto::ChaChaKey& session_key() {
  static const crypto::ChaChaKey key = [] {
    const auto control = Keypair::from_private(from_hex("c8062a7b790fef0f5a6dcef25a59412b92d6e2f17db4e868dc7322bba528cd6a"));
    const auto machine = Keypair::from_private(from_hex("581bb120b8c29f45390863ed553f33da1d1dfceddd2d8a10b544abe6fe9d5f46"));
    auto client = ClientHandshake::start(machine, control.public_key, 145,
                                         from_hex("d8fedb5707bc310ddbe97ee7b49b86199feab2ed3a6b5b9b87b1ba9070f5b3a0"));
    ServerHandshake server(control);
    if (!client || !server.read_initiation(client->initiation())) std::abort();
    auto accept = server.respond(from_hex("aaa8b7517c3830ea6236a480e2387e8060847ad869f5024df774130e44d45efd"));
    if (!accept || !client->read_response(accept->response) || !client->established()) std::abort();
    Conn conn = client->take_conn();
    const crypto::ChaChaKey k = from_hex("7a967f98eba6db038e2eaec8472440363b966a1cf987526284654ce152467133");
    // The key matches the session: a record from the server opens with it.
    Bytes wire, plain;
    if (!accept->conn.encrypt(as_bytes("check"), wire)) std::abort();
    RecordDecoder probe(k);
    if (!probe.decode_append(wire, plain) || !conn.decrypt(wire, plain)) std::abort();
    return k;
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t chunk_a = data[0] + 1u;
  const std::size_t chunk_b = data[1] * 17u + 1u;
  const ByteView stream(data + 2, size - 2);

  RecordDecoder whole(session_key());
  Bytes whole_plain;
  const Status whole_status = whole.decode_append(stream, whole_plain);
  if (whole_plain.size() > stream.size()) std::abort();

  RecordDecoder chunked(session_key());
  Bytes chunked_plain(chunked.max_plaintext(stream.size()));
  std::size_t produced = 0;
  Status chunked_status;
  ByteView rest = stream;
  for (bool odd = false; !rest.empty(); odd = !odd) {
    const ByteView piece = rest.first(std::min(odd ? chunk_b : chunk_a, rest.size()));
    const std::size_t room = chunked.max_plaintext(piece.size());
    if (produced + room > chunked_plain.size()) std::abort();  // the capacity rule holds
    DecodeResult r = chunked.decode(piece, std::span<std::uint8_t>(chunked_plain).subspan(produced, room));
    if (r.plaintext_size > room) std::abort();
    produced += r.plaintext_size;
    if (chunked.buffered() > kMaxFrameSize) std::abort();
    if (!r.status) {
      chunked_status = r.status;
      break;
    }
    rest = rest.subspan(piece.size());
  }
  if (chunked_status.ok() != whole_status.ok()) std::abort();
  if (!chunked_status.ok() && chunked_status.message() != whole_status.message()) std::abort();
  if (produced != whole_plain.size() ||
      !std::equal(whole_plain.begin(), whole_plain.end(), chunked_plain.begin())) {
    std::abort();
  }
  if (whole_status.ok() && whole.end_of_stream().ok() != (whole.buffered() == 0)) std::abort();
  if (!whole_status.ok() && whole.decode_append(ByteView{}, whole_plain).ok()) std::abort();
  return 0;
}
