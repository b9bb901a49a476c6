#include "base/hex.h"

namespace latchkey {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex_encode(ByteView data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(data.size() * 2, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0x0f];
  }
  return out;
}

Status hex_decode_into(std::string_view text, std::span<std::uint8_t> out) {
  if (text.size() != out.size() * 2) {
    return Error{"hex: want " + std::to_string(out.size() * 2) + " digits, got " +
                 std::to_string(text.size())};
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_digit_value(text[2 * i]);
    int lo = hex_digit_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Error{"hex: invalid digit at offset " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1)};
    }
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return {};
}

Result<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return Error{"hex: odd length " + std::to_string(text.size())};
  Bytes out(text.size() / 2);
  if (auto st = hex_decode_into(text, out); !st) return st.error();
  return out;
}

}  // namespace latchkey
