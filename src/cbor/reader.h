// Pull reader over one CBOR item that check_wellformed() accepted (definite
// lengths, no tags). It reads heads, string payloads and skips whole items;
// the typed decoders (cbor/unmarshal.h) build on it. Reads are bounds-checked
// anyway, so misuse on unchecked input cannot read outside the buffer (a
// truncated item reads as if padded with break bytes and is never accepted by
// callers, which always run check_wellformed first).
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "cbor/types.h"

namespace latchkey::cbor {

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  bool at_end() const { return off_ >= data_.size(); }
  std::size_t offset() const { return off_; }
  std::size_t remaining() const { return data_.size() - off_; }

  MajorType peek_type() const { return at_end() ? MajorType::Primitives : major_of(data_[off_]); }
  // Next item is null (f6) or undefined (f7).
  bool peek_nil() const { return !at_end() && (data_[off_] == 0xf6 || data_[off_] == 0xf7); }

  Head read_head();
  // Payload of a byte or text string whose head was just read.
  ByteView read_payload(std::uint64_t length);
  // Skips one complete item (head, payload, nested items).
  void skip();

 private:
  ByteView data_;
  std::size_t off_ = 0;
};

}  // namespace latchkey::cbor
