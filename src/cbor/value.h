// A generic CBOR value tree, for tools, tests and fuzzing: decode any item
// under the strict limits (check_wellformed, valid UTF-8 text, no duplicate
// map keys) and re-encode it in CTAP2 canonical form (shortest heads, map
// keys sorted bytewise by their encodings). Floats keep their width (CTAP2
// does not shorten floats, nor does fxamacker's CTAP2EncOptions).
// The typed decoders of tka/ do not use this tree (see cbor/unmarshal.h).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/wellformed.h"

namespace latchkey::cbor {

struct Value {
  enum class Kind : std::uint8_t { Unsigned, Negative, Bytes, Text, Array, Map, Simple, Float };

  Kind kind = Kind::Simple;
  // Unsigned: the value; Negative: n for -1-n; Simple: the simple value;
  // Float: the raw IEEE 754 bits (width in float_bytes: 2, 4 or 8).
  std::uint64_t number = 0;
  std::uint8_t float_bytes = 0;
  Bytes data;  // Bytes and Text payloads
  std::vector<Value> items;  // Array
  std::vector<std::pair<Value, Value>> entries;  // Map, in input order

  bool operator==(const Value&) const = default;
};

// Decodes exactly one item. Rejects what check_wellformed rejects, invalid
// UTF-8 in text strings ("cbor: invalid UTF-8 string") and maps with two
// keys of equal canonical encoding ("cbor: found duplicate map key at map
// element index N").
Result<Value> decode_value(ByteView data, const Limits& limits = kTkaLimits);

// CTAP2 canonical encoding.
Bytes encode_canonical(const Value& value);

}  // namespace latchkey::cbor
