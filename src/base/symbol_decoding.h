// Decoding text in which every character stands for a fixed number of bits
// (base32: 5, base64: 6) into bytes, most significant bit first. This is the
// inner loop base32_decode and base64_decode share; each checks its own
// length and padding rules first. Bits left over at the end (fewer than 8)
// are dropped, as Go's decoders do for unpadded input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey {

// `symbol_value(char)` gives a character's value (0 to 2^kBits - 1), or a
// negative number for a character outside the alphabet, which fails as
// "<codec>: illegal character at offset N".
template <int kBits, class SymbolValue>
Result<Bytes> decode_symbols(std::string_view text, std::string_view codec, SymbolValue symbol_value) {
  static_assert(kBits > 0 && kBits < 8, "a symbol carries fewer bits than a byte");
  Bytes out;
  out.reserve(text.size() * static_cast<std::size_t>(kBits) / 8);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int v = symbol_value(text[i]);
    if (v < 0) return Error{std::string(codec) + ": illegal character at offset " + std::to_string(i)};
    acc = (acc << kBits) | static_cast<std::uint32_t>(v);
    bits += kBits;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  return out;
}

}  // namespace latchkey
