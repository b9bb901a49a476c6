#include "cbor/unmarshal.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

#include "cbor/wellformed.h"

namespace latchkey::cbor {
namespace {

constexpr std::uint64_t kMaxGoInt = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

bool is_float(const Head& h) { return h.ai == kAiTwoBytes || h.ai == kAiFourBytes || h.ai == kAiEightBytes; }
// A simple value other than false/true/null/undefined (fxamacker decodes
// those into integers as their number).
bool is_plain_simple(const Head& h) { return h.ai < kSimpleFalse || h.ai == kAiOneByte; }

// -(n+1) in decimal: the value of CBOR negative integer argument n.
std::string negative_decimal(std::uint64_t n) {
  if (n == std::numeric_limits<std::uint64_t>::max()) return "-18446744073709551616";
  return "-" + std::to_string(n + 1);
}

MaybeError invalid_utf8() { return DecodeError::other("cbor: invalid UTF-8 string"); }

// Decodes an IEEE 754 half-precision float (exactly, as float16 -> float32).
double half_to_double(std::uint64_t bits) {
  const unsigned exp = static_cast<unsigned>((bits >> 10) & 0x1f);
  const unsigned mant = static_cast<unsigned>(bits & 0x3ff);
  double v;
  if (exp == 0) {
    v = static_cast<double>(mant) / 16777216.0;  // mant * 2^-24
  } else if (exp == 31) {
    v = mant == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else {
    v = (1.0 + static_cast<double>(mant) / 1024.0);
    int e = static_cast<int>(exp) - 15;
    for (; e > 0; --e) v *= 2;
    for (; e < 0; ++e) v /= 2;
  }
  return (bits & 0x8000) ? -v : v;
}

double float_value(const Head& h) {
  if (h.ai == kAiTwoBytes) return half_to_double(h.value);
  if (h.ai == kAiFourBytes) {
    const auto bits = static_cast<std::uint32_t>(h.value);
    float f;
    static_assert(sizeof f == sizeof bits);
    std::memcpy(&f, &bits, sizeof f);
    return static_cast<double>(f);
  }
  double d;
  std::memcpy(&d, &h.value, sizeof d);
  return d;
}

// Go's strconv.Quote, close enough for error texts of valid UTF-8 strings.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// A map key as fxamacker keeps it for duplicate detection of keys that do
// not name a struct field (Go interface values: type and value compare).
struct DupKey {
  enum class Kind { Int, String, Float, Bool, Nil, Simple } kind = Kind::Nil;
  std::int64_t i = 0;
  std::string s;
  double f = 0;
  bool b = false;

  bool operator==(const DupKey& o) const {
    if (kind != o.kind) return false;
    switch (kind) {
      case Kind::Int:
      case Kind::Simple: return i == o.i;
      case Kind::String: return s == o.s;
      case Kind::Float: return f == o.f;  // NaN never equals: never a duplicate
      case Kind::Bool: return b == o.b;
      case Kind::Nil: return true;
    }
    return false;
  }

  // Go's %#v of the key.
  std::string render() const {
    switch (kind) {
      case Kind::Int: return std::to_string(i);
      case Kind::String: return go_quote(s);
      case Kind::Float: {
        char buf[64];
        auto res = std::to_chars(buf, buf + sizeof buf, f);
        return std::string(buf, res.ptr);
      }
      case Kind::Bool: return b ? "true" : "false";
      case Kind::Nil: return "<nil>";
      case Kind::Simple: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%x", static_cast<unsigned>(i));
        return buf;
      }
    }
    return {};
  }
};

DecodeError duplicate_key(const std::string& rendered, std::size_t index) {
  return DecodeError::other("cbor: found duplicate map key " + rendered + " at map element index " +
                            std::to_string(index));
}

void skip_pairs(Reader& r, std::uint64_t count) {
  for (std::uint64_t i = 0; i < count; ++i) {
    r.skip();
    r.skip();
  }
}

}  // namespace

DecodeError DecodeError::type_mismatch(MajorType cbor_type, std::string_view go_type, std::string detail) {
  DecodeError e;
  e.mismatch_ = true;
  e.cbor_type_ = std::string(type_name(cbor_type));
  e.go_type_ = std::string(go_type);
  e.detail_ = std::move(detail);
  return e;
}

DecodeError DecodeError::other(std::string text) {
  DecodeError e;
  e.detail_ = std::move(text);
  return e;
}

std::string DecodeError::text() const {
  if (!mismatch_) return detail_;
  std::string s = "cbor: cannot unmarshal " + cbor_type_;
  if (!field_.empty()) {
    s += " into Go struct field " + field_ + " of type " + go_type_;
  } else {
    s += " into Go value of type " + go_type_;
  }
  if (!detail_.empty()) s += " (" + detail_ + ")";
  return s;
}

Status unmarshal(ByteView data, FunctionRef<MaybeError(Reader&)> decode, const Limits& limits) {
  if (auto st = check_wellformed(data, limits); !st) return st;
  Reader r(data);
  if (auto err = decode(r)) return Error{err->text()};
  return {};
}

MaybeError reject_item(Reader& r, std::string_view go_type) {
  const Head h = r.read_head();
  switch (h.type) {
    case MajorType::NegativeInt:
      if (h.value > kMaxGoInt) {
        return DecodeError::type_mismatch(h.type, go_type, negative_decimal(h.value) + " overflows Go's int64");
      }
      return DecodeError::type_mismatch(h.type, go_type);
    case MajorType::ByteString:
      r.read_payload(h.value);
      return DecodeError::type_mismatch(h.type, go_type);
    case MajorType::TextString:
      if (!valid_utf8(r.read_payload(h.value))) return invalid_utf8();
      return DecodeError::type_mismatch(h.type, go_type);
    case MajorType::Array:
      for (std::uint64_t i = 0; i < h.value && !r.at_end(); ++i) r.skip();
      return DecodeError::type_mismatch(h.type, go_type);
    case MajorType::Map:
      skip_pairs(r, h.value);
      return DecodeError::type_mismatch(h.type, go_type);
    case MajorType::Tag:
      r.skip();
      return DecodeError::other("cbor: CBOR tag isn't allowed");
    case MajorType::Primitives:
      if (h.ai == kSimpleNull || h.ai == kSimpleUndefined) return std::nullopt;
      return DecodeError::type_mismatch(h.type, go_type);
    case MajorType::PositiveInt:
      return DecodeError::type_mismatch(h.type, go_type);
  }
  return DecodeError::type_mismatch(h.type, go_type);
}

MaybeError decode_uint(Reader& r, std::uint64_t& out, std::uint64_t max, std::string_view go_type) {
  const MajorType t = r.peek_type();
  if (t == MajorType::PositiveInt || t == MajorType::Primitives) {
    Reader probe = r;
    const Head h = probe.read_head();
    if (t == MajorType::PositiveInt || is_plain_simple(h)) {
      r = probe;
      if (h.value > max) {
        return DecodeError::type_mismatch(t, go_type, std::to_string(h.value) + " overflows " + std::string(go_type));
      }
      out = h.value;
      return std::nullopt;
    }
  }
  return reject_item(r, go_type);
}

MaybeError decode_byte_slice(Reader& r, std::optional<Bytes>& out, std::string_view go_type) {
  if (r.peek_nil()) {
    r.skip();
    out.reset();
    return std::nullopt;
  }
  const MajorType t = r.peek_type();
  if (t == MajorType::ByteString) {
    const Head h = r.read_head();
    ByteView payload = r.read_payload(h.value);
    out.emplace(payload.begin(), payload.end());
    return std::nullopt;
  }
  if (t == MajorType::Array) {
    const Head h = r.read_head();
    if (h.value > r.remaining()) return DecodeError::other("unexpected EOF");
    out.emplace(static_cast<std::size_t>(h.value), std::uint8_t{0});
    MaybeError err;
    for (auto& b : *out) {
      std::uint64_t v = 0;
      keep_first(err, decode_uint(r, v, 0xff, "uint8"));
      b = static_cast<std::uint8_t>(v);
    }
    return err;
  }
  return reject_item(r, go_type);
}

MaybeError decode_byte_array(Reader& r, std::span<std::uint8_t> out, std::string_view go_type) {
  const MajorType t = r.peek_type();
  if (t == MajorType::ByteString) {
    const Head h = r.read_head();
    ByteView payload = r.read_payload(h.value);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = i < payload.size() ? payload[i] : 0;
    return std::nullopt;
  }
  if (t == MajorType::Array) {
    const Head h = r.read_head();
    MaybeError err;
    std::size_t filled = 0;
    for (std::uint64_t i = 0; i < h.value && !r.at_end(); ++i) {
      if (filled < out.size()) {
        std::uint64_t v = 0;
        keep_first(err, decode_uint(r, v, 0xff, "uint8"));
        out[filled++] = static_cast<std::uint8_t>(v);
      } else {
        r.skip();
      }
    }
    for (; filled < out.size(); ++filled) out[filled] = 0;
    return err;
  }
  return reject_item(r, go_type);
}

MaybeError decode_string(Reader& r, std::string& out) {
  if (r.peek_type() == MajorType::TextString) {
    const Head h = r.read_head();
    ByteView payload = r.read_payload(h.value);
    if (!valid_utf8(payload)) return invalid_utf8();
    out.assign(as_chars(payload));
    return std::nullopt;
  }
  return reject_item(r, "string");
}

MaybeError decode_string_map(Reader& r, std::optional<StringMap>& out, std::string_view go_type) {
  if (r.peek_nil()) {
    r.skip();
    out.reset();
    return std::nullopt;
  }
  if (r.peek_type() != MajorType::Map) return reject_item(r, go_type);
  const Head h = r.read_head();
  if (!out) out.emplace();
  MaybeError err;
  // fxamacker reuses the key and value variables across entries for
  // immutable Go types, so a null key or value repeats the previous one.
  std::string key;
  std::string value;
  for (std::uint64_t i = 0; i < h.value && !r.at_end(); ++i) {
    if (auto e = decode_string(r, key)) {
      keep_first(err, std::move(e));
      r.skip();
      continue;
    }
    if (auto e = decode_string(r, value)) {
      keep_first(err, std::move(e));
      continue;
    }
    auto [it, inserted] = out->insert_or_assign(key, value);
    if (!inserted) {
      it->second.clear();
      skip_pairs(r, h.value - i - 1);
      return duplicate_key(go_quote(key), static_cast<std::size_t>(i));
    }
  }
  return err;
}

MaybeError decode_struct(Reader& r, std::string_view go_type, std::span<const std::uint64_t> keys,
                         FunctionRef<MaybeError(std::size_t, Reader&)> decode_field) {
  const MajorType t = r.peek_type();
  if (t == MajorType::Array) {
    r.skip();
    return DecodeError::type_mismatch(t, go_type, "cannot decode CBOR array to struct without toarray option");
  }
  if (t != MajorType::Map) return reject_item(r, go_type);

  const Head h = r.read_head();
  const std::uint64_t count = h.value;
  MaybeError err;
  std::uint32_t found = 0;  // bit per field index (structs have < 32 fields)
  std::vector<DupKey> unknown_keys;

  for (std::uint64_t j = 0; j < count && !r.at_end(); ++j) {
    std::optional<std::size_t> field;
    DupKey key;
    const MajorType kt = r.peek_type();
    if (kt == MajorType::TextString) {
      const Head kh = r.read_head();
      ByteView name = r.read_payload(kh.value);
      if (!valid_utf8(name)) {
        keep_first(err, invalid_utf8());
        r.skip();
        continue;
      }
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (as_chars(name) == std::to_string(keys[i])) {
          if (found & (1u << i)) {
            r.skip();
            skip_pairs(r, count - j - 1);
            return duplicate_key(go_quote(std::to_string(keys[i])), static_cast<std::size_t>(j));
          }
          field = i;
          found |= 1u << i;
          break;
        }
      }
      key.kind = DupKey::Kind::String;
      key.s.assign(as_chars(name));
    } else if (kt == MajorType::PositiveInt || kt == MajorType::NegativeInt) {
      const Head kh = r.read_head();
      std::int64_t name_as_int;
      if (kt == MajorType::PositiveInt) {
        name_as_int = static_cast<std::int64_t>(kh.value);  // wraps above 2^63-1, as Go's int64(val)
      } else {
        if (kh.value > kMaxGoInt) {
          keep_first(err, DecodeError::type_mismatch(kt, "int64", "-1-" + std::to_string(kh.value) +
                                                                      " overflows Go's int64"));
          r.skip();
          continue;
        }
        name_as_int = -1 - static_cast<std::int64_t>(kh.value);
      }
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (name_as_int >= 0 && static_cast<std::uint64_t>(name_as_int) == keys[i]) {
          if (found & (1u << i)) {
            r.skip();
            skip_pairs(r, count - j - 1);
            return duplicate_key(std::to_string(name_as_int), static_cast<std::size_t>(j));
          }
          field = i;
          found |= 1u << i;
          break;
        }
      }
      key.kind = DupKey::Kind::Int;
      key.i = name_as_int;
    } else {
      keep_first(err, DecodeError::type_mismatch(kt, "string", "map key is of type " + std::string(type_name(kt)) +
                                                                   " and cannot be used to match struct field name"));
      const Head kh = r.read_head();
      bool hashable = true;
      switch (kh.type) {
        case MajorType::Primitives:
          if (is_float(kh)) {
            key.kind = DupKey::Kind::Float;
            key.f = float_value(kh);
          } else if (kh.ai == kSimpleFalse || kh.ai == kSimpleTrue) {
            key.kind = DupKey::Kind::Bool;
            key.b = kh.ai == kSimpleTrue;
          } else if (kh.ai == kSimpleNull || kh.ai == kSimpleUndefined) {
            key.kind = DupKey::Kind::Nil;
          } else {
            key.kind = DupKey::Kind::Simple;
            key.i = static_cast<std::int64_t>(kh.value);
          }
          break;
        case MajorType::ByteString:
          r.read_payload(kh.value);
          hashable = false;
          break;
        case MajorType::Array:
          for (std::uint64_t i = 0; i < kh.value && !r.at_end(); ++i) r.skip();
          hashable = false;
          break;
        case MajorType::Map:
          skip_pairs(r, kh.value);
          hashable = false;
          break;
        default:
          hashable = false;
          break;
      }
      if (!hashable) {
        r.skip();
        continue;
      }
    }

    if (!field) {
      for (const auto& seen : unknown_keys) {
        if (seen == key) {
          r.skip();
          skip_pairs(r, count - j - 1);
          return duplicate_key(key.render(), static_cast<std::size_t>(j));
        }
      }
      unknown_keys.push_back(std::move(key));
      r.skip();
      continue;
    }

    if (auto e = decode_field(*field, r)) {
      if (!err) {
        if (e->is_type_mismatch()) e->set_struct_field(std::string(go_type) + "." + std::to_string(keys[*field]));
        err = std::move(e);
      }
    }
  }
  return err;
}

}  // namespace latchkey::cbor
