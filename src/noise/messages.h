// TS2021 frame layouts around the Noise messages (upstream
// control/controlbase/messages.go):
//
//   initiation (101): version u16 BE, type 1, length u16 BE = 96,
//                     ephemeral public (32), encrypted machine key (48), tag (16)
//   response (51):    type 2, length u16 BE = 48, ephemeral public (32), tag (16)
//   error:            type 3, length u16 BE, text (unauthenticated, a hint only)
//   record:           type 4, length u16 BE, ciphertext + tag (at most 4096 in all)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "noise/protocol.h"

namespace latchkey::noise {

using InitiationMessage = ByteArray<kInitiationSize>;
using ResponseMessage = ByteArray<kResponseSize>;

inline std::uint16_t load_u16_be(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline void store_u16_be(std::uint16_t v, std::uint8_t* p) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// The 3-byte header of every frame but the initiation.
struct FrameHeader {
  std::uint8_t type = 0;
  std::uint16_t length = 0;  // bytes after the header

  static FrameHeader parse(const std::uint8_t* p) { return {p[0], load_u16_be(p + 1)}; }
  std::size_t frame_size() const { return kHeaderSize + length; }
};

inline void write_frame_header(MessageType type, std::uint16_t length, std::uint8_t* out) {
  out[0] = static_cast<std::uint8_t>(type);
  store_u16_be(length, out + 1);
}

// The 5-byte header of the initiation.
struct InitiationHeader {
  std::uint16_t version = 0;
  std::uint8_t type = 0;
  std::uint16_t length = 0;

  static InitiationHeader parse(const std::uint8_t* p) { return {load_u16_be(p), p[2], load_u16_be(p + 3)}; }
};

// An error frame carrying `text`, cut to the 65535 bytes a frame can hold.
Bytes make_error_frame(std::string_view text);

// `text` in double quotes with Go's %q escapes for quotes, backslashes and
// control characters; other non-ASCII bytes appear as \xNN. Used to show
// peer-supplied error text without letting it forge log lines.
std::string quote_text(ByteView text);

}  // namespace latchkey::noise
