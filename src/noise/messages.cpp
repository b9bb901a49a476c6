#include "noise/messages.h"

#include <algorithm>

namespace latchkey::noise {

Bytes make_error_frame(std::string_view text) {
  const std::size_t n = std::min(text.size(), kMaxErrorTextSize);
  Bytes frame(kHeaderSize + n);
  write_frame_header(MessageType::kError, static_cast<std::uint16_t>(n), frame.data());
  std::copy_n(text.begin(), n, frame.begin() + kHeaderSize);
  return frame;
}

std::string quote_text(ByteView text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::uint8_t c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace latchkey::noise
