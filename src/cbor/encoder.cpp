#include "cbor/encoder.h"

#include <algorithm>
#include <vector>

namespace latchkey::cbor {

void Encoder::head(MajorType type, std::uint64_t value) {
  const auto major = static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) << 5);
  if (value < 24) {
    out_.push_back(static_cast<std::uint8_t>(major | value));
  } else if (value <= 0xff) {
    out_.push_back(major | kAiOneByte);
    out_.push_back(static_cast<std::uint8_t>(value));
  } else if (value <= 0xffff) {
    out_.push_back(major | kAiTwoBytes);
    out_.push_back(static_cast<std::uint8_t>(value >> 8));
    out_.push_back(static_cast<std::uint8_t>(value));
  } else if (value <= 0xffffffffULL) {
    out_.push_back(major | kAiFourBytes);
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(value >> shift));
  } else {
    out_.push_back(major | kAiEightBytes);
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

void Encoder::bytes(ByteView data) {
  head(MajorType::ByteString, data.size());
  out_.insert(out_.end(), data.begin(), data.end());
}

void Encoder::nullable_bytes(const std::optional<Bytes>& data) {
  if (data) {
    bytes(*data);
  } else {
    null();
  }
}

void Encoder::text(std::string_view data) {
  head(MajorType::TextString, data.size());
  out_.insert(out_.end(), data.begin(), data.end());
}

void Encoder::null() { out_.push_back(0xf6); }

void Encoder::raw(ByteView encoded) { out_.insert(out_.end(), encoded.begin(), encoded.end()); }

void write_text_map(Encoder& enc, const std::map<std::string, std::string>& map) {
  // Bytewise order of encodings = order by length, then by content (the head
  // grows with the length and stays within one major type).
  std::vector<const std::pair<const std::string, std::string>*> entries;
  entries.reserve(map.size());
  for (const auto& entry : map) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
    if (a->first.size() != b->first.size()) return a->first.size() < b->first.size();
    return a->first < b->first;
  });
  enc.map_header(entries.size());
  for (const auto* entry : entries) {
    enc.text(entry->first);
    enc.text(entry->second);
  }
}

}  // namespace latchkey::cbor
