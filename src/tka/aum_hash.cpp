#include "tka/aum_hash.h"

#include <algorithm>

#include "base/base32.h"

namespace latchkey::tka {

std::string AumHash::to_string() const { return base32_encode(bytes); }

Result<AumHash> AumHash::from_string(std::string_view text) {
  // Go checks DecodedLen(len(text)) == 32 first; its message prints the
  // decoded length and then the text length.
  const std::size_t decoded_len = text.size() * 5 / 8;
  if (decoded_len != 32) {
    return Error{"tka.AUMHash.UnmarshalText: text wrong length: " + std::to_string(decoded_len) + ", want " +
                 std::to_string(text.size())};
  }
  auto raw = base32_decode(text);
  if (!raw) return Error{"tka.AUMHash.UnmarshalText: " + raw.message()};
  if (raw->size() != 32) return Error{"tka.AUMHash.UnmarshalText: decoded " + std::to_string(raw->size()) + " bytes"};
  AumHash h;
  std::copy(raw->begin(), raw->end(), h.bytes.begin());
  return h;
}

Result<AumHash> AumHash::from_bytes(ByteView raw) {
  if (raw.size() != 32) return Error{"AUM hash must be 32 bytes, got " + std::to_string(raw.size())};
  AumHash h;
  std::copy(raw.begin(), raw.end(), h.bytes.begin());
  return h;
}

bool AumHash::is_zero() const {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace latchkey::tka
