// CTAP2-canonical CBOR encoder (RFC 8949 / CTAP2 "canonical CBOR", as
// fxamacker/cbor's CTAP2EncOptions produces it for upstream tka): every
// integer and length uses its shortest head, lengths are definite, no tags.
// Map keys must be written in bytewise order of their encodings; callers
// with fixed integer keys write them in ascending order, and
// write_text_map() sorts text keys itself.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "cbor/types.h"

namespace latchkey::cbor {

class Encoder {
 public:
  Encoder() = default;

  // Shortest-form head of a major type with argument `value`.
  void head(MajorType type, std::uint64_t value);
  void uint(std::uint64_t value) { head(MajorType::PositiveInt, value); }
  void bytes(ByteView data);
  // A Go []byte that may be nil: null when absent, else a byte string.
  void nullable_bytes(const std::optional<Bytes>& data);
  void text(std::string_view data);
  void null();
  void array_header(std::size_t count) { head(MajorType::Array, count); }
  void map_header(std::size_t count) { head(MajorType::Map, count); }
  // Appends an already-encoded item verbatim.
  void raw(ByteView encoded);

  const Bytes& out() const { return out_; }
  Bytes take() { return std::move(out_); }
  void reserve(std::size_t n) { out_.reserve(n); }

 private:
  Bytes out_;
};

// Writes a Go map[string]string: a map whose text keys are sorted bytewise
// by their encodings (shorter keys first, then lexicographically), which is
// what CTAP2 canonical ordering means for text keys.
void write_text_map(Encoder& enc, const std::map<std::string, std::string>& map);

}  // namespace latchkey::cbor
