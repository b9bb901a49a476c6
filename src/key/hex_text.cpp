#include "key/hex_text.h"

#include "base/base64.h"
#include "base/hex.h"

namespace latchkey::key {
namespace {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string format_prefixed_hex(std::string_view prefix, ByteView key) {
  std::string out;
  out.reserve(prefix.size() + 2 * key.size());
  out.append(prefix);
  out.append(hex_encode(key));
  return out;
}

Status parse_prefixed_hex(std::string_view text, std::string_view prefix, std::span<std::uint8_t> out) {
  if (text.substr(0, prefix.size()) != prefix) {
    return Error{"key hex string doesn't have expected type prefix " + std::string(prefix)};
  }
  text.remove_prefix(prefix.size());
  if (const std::size_t want = 2 * out.size(); text.size() != want) {
    return Error{"key hex has the wrong size, got " + std::to_string(text.size()) + " want " +
                 std::to_string(want)};
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit_value(text[2 * i]);
    const int lo = hex_digit_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return Error{"invalid hex character in key"};
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return {};
}

std::string short_base64_form(const ByteArray<32>& key) {
  if (key == ByteArray<32>{}) return "";
  // Four bytes encode to eight base64 characters, of which the first five
  // depend only on those bytes.
  return "[" + base64_encode(ByteView(key).first(4)).substr(0, 5) + "]";
}

}  // namespace latchkey::key
