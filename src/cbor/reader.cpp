#include "cbor/reader.h"

#include <algorithm>

namespace latchkey::cbor {

Head Reader::read_head() {
  Head h;
  if (at_end()) {
    h.type = MajorType::Primitives;
    h.ai = kAiIndefinite;
    return h;
  }
  const std::uint8_t initial = data_[off_++];
  h.type = major_of(initial);
  h.ai = initial & 0x1f;
  h.value = h.ai;
  if (h.ai >= kAiOneByte && h.ai <= kAiEightBytes) {
    const std::size_t n = std::size_t{1} << (h.ai - kAiOneByte);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v = (v << 8) | (off_ < data_.size() ? data_[off_] : 0);
      ++off_;
    }
    off_ = std::min(off_, data_.size());
    h.value = v;
  }
  return h;
}

ByteView Reader::read_payload(std::uint64_t length) {
  const std::size_t avail = data_.size() - off_;
  const std::size_t n = length < avail ? static_cast<std::size_t>(length) : avail;
  ByteView out = data_.subspan(off_, n);
  off_ += n;
  return out;
}

void Reader::skip() {
  // Iterative: `pending` counts items still to skip at any depth.
  std::uint64_t pending = 1;
  while (pending > 0 && !at_end()) {
    --pending;
    const Head h = read_head();
    switch (h.type) {
      case MajorType::ByteString:
      case MajorType::TextString:
        read_payload(h.value);
        break;
      case MajorType::Array:
        pending += h.value;
        break;
      case MajorType::Map:
        pending += 2 * h.value;
        break;
      case MajorType::Tag:
        pending += 1;
        break;
      default:
        break;
    }
  }
}

}  // namespace latchkey::cbor
