#include "cbor/wellformed.h"

#include <cstdint>
#include <limits>

#include "cbor/types.h"

namespace latchkey::cbor {
namespace {

constexpr std::uint64_t kMaxGoInt = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
const char* const kUnexpectedEof = "unexpected EOF";

class WellformedChecker {
 public:
  WellformedChecker(ByteView data, const Limits& limits) : data_(data), limits_(limits) {}

  Status item(int depth) {
    Head h;
    if (auto st = head(h); !st) return st;
    switch (h.type) {
      case MajorType::ByteString:
      case MajorType::TextString: {
        if (h.ai == kAiIndefinite) {
          return Error{"cbor: indefinite-length " + std::string(type_name(h.type)) + " isn't allowed"};
        }
        if (h.value > kMaxGoInt) {
          return Error{"cbor: " + std::string(type_name(h.type)) + " length " + std::to_string(h.value) +
                       " is too large, causing integer overflow"};
        }
        if (data_.size() - off_ < h.value) return Error{kUnexpectedEof};
        off_ += static_cast<std::size_t>(h.value);
        return {};
      }
      case MajorType::Array:
      case MajorType::Map: {
        ++depth;
        if (depth > limits_.max_nested_levels) {
          return Error{"cbor: exceeded max nested level " + std::to_string(limits_.max_nested_levels)};
        }
        if (h.ai == kAiIndefinite) {
          return Error{"cbor: indefinite-length " + std::string(type_name(h.type)) + " isn't allowed"};
        }
        if (h.value > kMaxGoInt) {
          return Error{"cbor: " + std::string(type_name(h.type)) + " length " + std::to_string(h.value) +
                       " is too large, it would cause integer overflow"};
        }
        std::uint64_t items = h.value;
        if (h.type == MajorType::Array) {
          if (h.value > limits_.max_array_elements) {
            return Error{"cbor: exceeded max number of elements " + std::to_string(limits_.max_array_elements) +
                         " for CBOR array"};
          }
        } else {
          if (h.value > limits_.max_map_pairs) {
            return Error{"cbor: exceeded max number of key-value pairs " + std::to_string(limits_.max_map_pairs) +
                         " for CBOR map"};
          }
          items *= 2;
        }
        for (std::uint64_t i = 0; i < items; ++i) {
          if (auto st = item(depth); !st) return st;
        }
        return {};
      }
      case MajorType::Tag:
        return Error{"cbor: CBOR tag isn't allowed"};
      default:
        return {};
    }
  }

  std::size_t offset() const { return off_; }

 private:
  Status head(Head& h) {
    if (off_ >= data_.size()) return Error{kUnexpectedEof};
    const std::uint8_t initial = data_[off_++];
    h.type = major_of(initial);
    h.ai = initial & 0x1f;
    h.value = h.ai;
    if (h.ai < kAiOneByte) return {};
    if (h.ai <= kAiEightBytes) {
      const std::size_t n = std::size_t{1} << (h.ai - kAiOneByte);
      if (data_.size() - off_ < n) return Error{kUnexpectedEof};
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < n; ++i) v = (v << 8) | data_[off_ + i];
      off_ += n;
      h.value = v;
      if (h.ai == kAiOneByte && h.type == MajorType::Primitives && v < 32) {
        return Error{"cbor: invalid simple value " + std::to_string(v) + " for type primitives"};
      }
      return {};
    }
    if (h.ai == kAiIndefinite) {
      switch (h.type) {
        case MajorType::PositiveInt:
        case MajorType::NegativeInt:
        case MajorType::Tag:
          return Error{"cbor: invalid additional information 31 for type " + std::string(type_name(h.type))};
        case MajorType::Primitives:
          return Error{"cbor: unexpected \"break\" code"};
        default:
          return {};  // indefinite string/array/map: the caller decides
      }
    }
    return Error{"cbor: invalid additional information " + std::to_string(h.ai) + " for type " +
                 std::string(type_name(h.type))};
  }

  ByteView data_;
  const Limits& limits_;
  std::size_t off_ = 0;
};

}  // namespace

Status check_wellformed(ByteView data, const Limits& limits) {
  if (data.empty()) return Error{"EOF"};
  WellformedChecker checker(data, limits);
  if (auto st = checker.item(0); !st) return st;
  if (checker.offset() != data.size()) {
    return Error{"cbor: " + std::to_string(data.size() - checker.offset()) +
                 " bytes of extraneous data starting at index " + std::to_string(checker.offset())};
  }
  return {};
}

bool valid_utf8(ByteView s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const std::uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;        // no overlong forms
      else if (c == 0xed) hi = 0x9f;   // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;        // no overlong forms
      else if (c == 0xf4) hi = 0x8f;   // nothing above U+10FFFF
    } else {
      return false;
    }
    if (n - i < len) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xbf) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace latchkey::cbor
