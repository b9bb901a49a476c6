// Well-formedness check of one CBOR data item under decoder limits: the first
// of the two passes fxamacker/cbor's Unmarshal makes (upstream tka's
// cborDecOpts). It walks the whole input before any typed decoding, so its
// verdicts (truncation, reserved additional information, indefinite lengths,
// tags, nesting depth, array/map size caps, trailing bytes) take precedence
// over type errors, exactly as upstream. Error texts are fxamacker's.
#pragma once

#include <cstddef>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey::cbor {

// Limits of a strict decoder. Indefinite lengths and tags are always
// rejected (both upstream tka options forbid them).
struct Limits {
  int max_nested_levels = 16;         // arrays and maps count one level each
  std::size_t max_array_elements = 4096;
  std::size_t max_map_pairs = 1024;
};

// Upstream tka's cborDecOpts: MaxNestedLevels 16, MaxArrayElements 4096,
// MaxMapPairs 1024, indefinite lengths and tags forbidden.
inline constexpr Limits kTkaLimits{};

// Ok when `data` is exactly one well-formed item within `limits`.
Status check_wellformed(ByteView data, const Limits& limits = kTkaLimits);

// Go's utf8.Valid: rejects overlong forms, surrogates and code points above
// U+10FFFF.
bool valid_utf8(ByteView text);

}  // namespace latchkey::cbor
