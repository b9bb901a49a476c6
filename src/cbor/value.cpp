#include "cbor/value.h"

#include <algorithm>

#include "cbor/encoder.h"
#include "cbor/reader.h"

namespace latchkey::cbor {
namespace {

void encode_into(Encoder& enc, const Value& v);

Bytes encode_alone(const Value& v) {
  Encoder enc;
  encode_into(enc, v);
  return enc.take();
}

void encode_into(Encoder& enc, const Value& v) {
  switch (v.kind) {
    case Value::Kind::Unsigned: enc.head(MajorType::PositiveInt, v.number); break;
    case Value::Kind::Negative: enc.head(MajorType::NegativeInt, v.number); break;
    case Value::Kind::Bytes: enc.bytes(v.data); break;
    case Value::Kind::Text: enc.text(as_chars(v.data)); break;
    case Value::Kind::Array:
      enc.array_header(v.items.size());
      for (const auto& item : v.items) encode_into(enc, item);
      break;
    case Value::Kind::Map: {
      std::vector<std::pair<Bytes, const Value*>> sorted;
      sorted.reserve(v.entries.size());
      for (const auto& [k, val] : v.entries) sorted.emplace_back(encode_alone(k), &val);
      std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      enc.map_header(sorted.size());
      for (const auto& [key_bytes, val] : sorted) {
        enc.raw(key_bytes);
        encode_into(enc, *val);
      }
      break;
    }
    case Value::Kind::Simple:
      if (v.number < 24) {
        enc.raw(Bytes{static_cast<std::uint8_t>(0xe0 | v.number)});
      } else {
        enc.raw(Bytes{0xf8, static_cast<std::uint8_t>(v.number)});
      }
      break;
    case Value::Kind::Float: {
      const std::uint8_t ai = v.float_bytes == 2 ? kAiTwoBytes : v.float_bytes == 4 ? kAiFourBytes : kAiEightBytes;
      const int n = v.float_bytes == 2 ? 2 : v.float_bytes == 4 ? 4 : 8;
      Bytes out{static_cast<std::uint8_t>(0xe0 | ai)};
      for (int shift = (n - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v.number >> shift));
      enc.raw(out);
      break;
    }
  }
}

Result<Value> read_value(Reader& r) {
  const Head h = r.read_head();
  Value v;
  switch (h.type) {
    case MajorType::PositiveInt:
      v.kind = Value::Kind::Unsigned;
      v.number = h.value;
      return v;
    case MajorType::NegativeInt:
      v.kind = Value::Kind::Negative;
      v.number = h.value;
      return v;
    case MajorType::ByteString:
    case MajorType::TextString: {
      ByteView payload = r.read_payload(h.value);
      if (h.type == MajorType::TextString && !valid_utf8(payload)) return Error{"cbor: invalid UTF-8 string"};
      v.kind = h.type == MajorType::TextString ? Value::Kind::Text : Value::Kind::Bytes;
      v.data.assign(payload.begin(), payload.end());
      return v;
    }
    case MajorType::Array:
      v.kind = Value::Kind::Array;
      for (std::uint64_t i = 0; i < h.value; ++i) {
        auto item = read_value(r);
        if (!item) return item;
        v.items.push_back(std::move(*item));
      }
      return v;
    case MajorType::Map: {
      v.kind = Value::Kind::Map;
      std::vector<Bytes> seen;
      for (std::uint64_t i = 0; i < h.value; ++i) {
        auto key = read_value(r);
        if (!key) return key;
        Bytes canonical = encode_alone(*key);
        if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) {
          return Error{"cbor: found duplicate map key at map element index " + std::to_string(i)};
        }
        seen.push_back(std::move(canonical));
        auto val = read_value(r);
        if (!val) return val;
        v.entries.emplace_back(std::move(*key), std::move(*val));
      }
      return v;
    }
    case MajorType::Tag:
      return Error{"cbor: CBOR tag isn't allowed"};
    case MajorType::Primitives:
      if (h.ai == kAiTwoBytes || h.ai == kAiFourBytes || h.ai == kAiEightBytes) {
        v.kind = Value::Kind::Float;
        v.float_bytes = static_cast<std::uint8_t>(std::size_t{1} << (h.ai - kAiOneByte));
        v.number = h.value;
        return v;
      }
      v.kind = Value::Kind::Simple;
      v.number = h.value;
      return v;
  }
  return Error{"cbor: unknown major type"};
}

}  // namespace

Result<Value> decode_value(ByteView data, const Limits& limits) {
  if (auto st = check_wellformed(data, limits); !st) return st.error();
  Reader r(data);
  return read_value(r);
}

Bytes encode_canonical(const Value& value) { return encode_alone(value); }

}  // namespace latchkey::cbor
