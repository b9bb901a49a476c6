// AUMHash: the BLAKE2s-256 digest identifying an Authority Update Message
// (upstream tka/aum.go AUMHash). Its text form is RFC 4648 base32, standard
// alphabet, no padding (52 characters), as used in file names and on the
// wire (TKA sync offers).
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey::tka {

struct AumHash {
  ByteArray<32> bytes{};

  // Base32 text form (upstream AUMHash.String / MarshalText).
  std::string to_string() const;
  // Parses the text form (upstream AUMHash.UnmarshalText): exactly 52
  // base32 characters.
  static Result<AumHash> from_string(std::string_view text);
  // From 32 raw bytes; other lengths are an error.
  static Result<AumHash> from_bytes(ByteView raw);

  bool is_zero() const;
  ByteView view() const { return bytes; }

  // Bytewise order (bytes.Compare), used by fork resolution tie-breaks.
  auto operator<=>(const AumHash&) const = default;
  bool operator==(const AumHash&) const = default;
};

}  // namespace latchkey::tka

template <>
struct std::hash<latchkey::tka::AumHash> {
  std::size_t operator()(const latchkey::tka::AumHash& h) const noexcept {
    std::size_t v = 0;
    for (std::size_t i = 0; i < sizeof v; ++i) v = (v << 8) | h.bytes[i];
    return v;
  }
};
