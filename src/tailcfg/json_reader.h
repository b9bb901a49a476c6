// Internal to tailcfg: the decoding half of the Go encoding/json semantics,
// over a rapidjson DOM. Each wire type has `read_value(const JsonValue&,
// T&, DecodeContext&)`; these helpers implement Go's rules for the field
// kinds tailcfg uses:
//   - unknown object members are ignored; member names match exactly first,
//     then ASCII case-insensitively (Go's fallback);
//   - JSON null leaves strings, numbers, bools and structs unchanged, and
//     resets slices, maps and pointers (std::optional) to nil;
//   - a later duplicate member wins (structs and maps merge into what an
//     earlier duplicate decoded, slices are replaced);
//   - integers must be integer literals within the Go type's range; floats
//     any number; strings have invalid UTF-8 replaced by U+FFFD;
//   - []byte is padded standard base64 (CR and LF skipped, as Go does).
// Any other type mismatch is an error naming the field path.
#pragma once

#define RAPIDJSON_SSE2 1
#include <rapidjson/document.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "tailcfg/go_time.h"
#include "tailcfg/netip.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

using JsonValue = rapidjson::Value;

// Where in the document the decoder is, for error texts ("MapRequest.Hostinfo.OS").
class DecodeContext {
 public:
  explicit DecodeContext(std::string_view root) { segments_.push_back({root, -1}); }

  void push(std::string_view name) { segments_.push_back({name, -1}); }
  void push_index(std::int64_t index) { segments_.push_back({{}, index}); }
  void pop() { segments_.pop_back(); }

  std::string path() const;
  Error type_error(std::string_view want, const JsonValue& got) const;
  Error error(std::string_view what) const;

  // Keeps the raw source text of values (for RawJson), set by the decoder
  // entry point: the DOM does not retain it, so RawJson values are
  // re-serialised from the DOM (see read_value(RawJson)).
 private:
  struct Segment {
    std::string_view name;
    std::int64_t index;
  };
  std::vector<Segment> segments_;
};

class PathScope {
 public:
  PathScope(DecodeContext& c, std::string_view name) : c_(c) { c_.push(name); }
  PathScope(DecodeContext& c, std::int64_t index) : c_(c) { c_.push_index(index); }
  ~PathScope() { c_.pop(); }
  PathScope(const PathScope&) = delete;
  PathScope& operator=(const PathScope&) = delete;

 private:
  DecodeContext& c_;
};

const char* json_type_name(const JsonValue& v);

// Parses text into doc, enforcing the size and nesting limits first.
Status parse_json_document(std::string_view text, std::size_t max_bytes, int max_depth,
                           rapidjson::Document& doc);

// ---- scalars ----
Status read_value(const JsonValue& v, std::string& out, DecodeContext& c);
Status read_value(const JsonValue& v, bool& out, DecodeContext& c);
Status read_value(const JsonValue& v, double& out, DecodeContext& c);
Status read_value(const JsonValue& v, OptBool& out, DecodeContext& c);
Status read_value(const JsonValue& v, RawJson& out, DecodeContext& c);
Status read_value(const JsonValue& v, GoTime& out, DecodeContext& c);
Status read_value(const JsonValue& v, IpAddr& out, DecodeContext& c);
Status read_value(const JsonValue& v, IpPrefix& out, DecodeContext& c);
Status read_value(const JsonValue& v, AddrPort& out, DecodeContext& c);
Status read_value(const JsonValue& v, EndpointType& out, DecodeContext& c);
Status read_int(const JsonValue& v, std::int64_t& out, std::int64_t lo, std::int64_t hi, DecodeContext& c);
Status read_uint(const JsonValue& v, std::uint64_t& out, std::uint64_t hi, DecodeContext& c);

template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
Status read_value(const JsonValue& v, T& out, DecodeContext& c) {
  if constexpr (std::is_signed_v<T>) {
    std::int64_t x = 0;
    auto st = read_int(v, x, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), c);
    if (st && !v.IsNull()) out = static_cast<T>(x);
    return st;
  } else {
    std::uint64_t x = 0;
    auto st = read_uint(v, x, std::numeric_limits<T>::max(), c);
    if (st && !v.IsNull()) out = static_cast<T>(x);
    return st;
  }
}

// A Go []byte: base64 text, or null (nil).
Status read_bytes(const JsonValue& v, std::optional<Bytes>& out, DecodeContext& c);
Status read_value(const JsonValue& v, Bytes& out, DecodeContext& c);  // omitempty []byte: nil == empty

// A key type with a text form (key::NodePublic ...): null leaves it as is,
// a string must parse.
template <class K>
  requires requires(std::string_view s) { K::parse(s); }
Status read_key(const JsonValue& v, K& out, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsString()) return c.type_error("string", v);
  auto k = K::parse(std::string_view(v.GetString(), v.GetStringLength()));
  if (!k) return c.error(k.message());
  out = std::move(*k);
  return {};
}

// A Go pointer (*T) or nilable slice decoded with `read_pointee(v, T&, c)`:
// null resets to nullopt; otherwise the value is decoded into the existing
// pointee (Go reuses a non-nil pointer), made first when there is none.
template <class T, class ReadPointee>
Status read_pointer(const JsonValue& v, std::optional<T>& out, DecodeContext& c, ReadPointee read_pointee) {
  if (v.IsNull()) {
    out.reset();
    return {};
  }
  if (!out) out.emplace();
  return read_pointee(v, *out, c);
}

// A pointer to a key (*key.NodePublic): null is nil.
template <class K>
Status read_optional_key(const JsonValue& v, std::optional<K>& out, DecodeContext& c) {
  return read_pointer(v, out, c,
                      [](const JsonValue& jv, K& k, DecodeContext& ctx) { return read_key(jv, k, ctx); });
}

// ---- containers ----
template <class T>
Status read_value(const JsonValue& v, std::vector<T>& out, DecodeContext& c);
template <class T>
Status read_value(const JsonValue& v, std::optional<T>& out, DecodeContext& c);

// Element of a Go slice of values ([]T): null is a zero element.
template <class T>
Status read_element(const JsonValue& v, T& out, DecodeContext& c) {
  return read_value(v, out, c);
}

// A Go slice ([]T) decoded element by element with
// `read_elem(v, T&, c)`: null is nil (cleared); an array replaces what was
// there.
template <class T, class ReadElement>
Status read_array(const JsonValue& v, std::vector<T>& out, DecodeContext& c, ReadElement read_elem) {
  if (v.IsNull()) {
    out.clear();
    return {};
  }
  if (!v.IsArray()) return c.type_error("array", v);
  out.clear();
  out.resize(v.Size());
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    PathScope s(c, static_cast<std::int64_t>(i));
    if (auto st = read_elem(v[i], out[i], c); !st) return st;
  }
  return {};
}

template <class T>
Status read_value(const JsonValue& v, std::vector<T>& out, DecodeContext& c) {
  return read_array(v, out, c,
                    [](const JsonValue& jv, T& e, DecodeContext& ctx) { return read_element(jv, e, ctx); });
}

template <class T>
Status read_value(const JsonValue& v, std::optional<T>& out, DecodeContext& c) {
  return read_pointer(v, out, c,
                      [](const JsonValue& jv, T& p, DecodeContext& ctx) { return read_value(jv, p, ctx); });
}

// Slices of pointers ([]*Node): a null element has no C++ counterpart here
// and is rejected.
template <class T>
Status read_pointer_slice(const JsonValue& v, std::vector<T>& out, DecodeContext& c) {
  return read_array(v, out, c, [](const JsonValue& jv, T& e, DecodeContext& ctx) -> Status {
    if (jv.IsNull()) return ctx.error("null element is not supported in this list");
    return read_value(jv, e, ctx);
  });
}

// A nilable []*T (no omitempty): null is nil, null elements rejected.
template <class T>
Status read_nilable_pointer_slice(const JsonValue& v, NilableVector<T>& out, DecodeContext& c) {
  return read_pointer(v, out, c, [](const JsonValue& jv, std::vector<T>& p, DecodeContext& ctx) {
    return read_pointer_slice(jv, p, ctx);
  });
}

// A Go map as a JSON object: null is nil (cleared); each member's name is
// decoded with `read_name(name, K&, c)` and its value with
// `read_val(value, V&, c)` into out[key], so a later duplicate name decodes
// into what an earlier one left. Error paths name the member as written.
template <class K, class V, class ReadName, class ReadMapValue>
Status read_map(const JsonValue& v, std::map<K, V>& out, DecodeContext& c, ReadName read_name,
                ReadMapValue read_val) {
  if (v.IsNull()) {
    out.clear();
    return {};
  }
  if (!v.IsObject()) return c.type_error("object", v);
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    K k{};
    if (auto st = read_name(it->name, k, c); !st) return st;
    PathScope s(c, std::string_view(it->name.GetString(), it->name.GetStringLength()));
    if (auto st = read_val(it->value, out[k], c); !st) return st;
  }
  return {};
}

// map[string]V with the values decoded by `read_val(value, V&, c)` (for
// values that need other than their read_value).
template <class V, class ReadMapValue>
Status read_string_map(const JsonValue& v, std::map<std::string, V>& out, DecodeContext& c,
                       ReadMapValue read_val) {
  return read_map(
      v, out, c, [](const JsonValue& name, std::string& k, DecodeContext& ctx) { return read_value(name, k, ctx); },
      read_val);
}

// map[string]V
template <class V>
Status read_value(const JsonValue& v, std::map<std::string, V>& out, DecodeContext& c) {
  return read_string_map(v, out, c,
                         [](const JsonValue& jv, V& e, DecodeContext& ctx) { return read_value(jv, e, ctx); });
}

// map[<int64 type>]V: member names are decimal integers.
Status parse_int_key(const JsonValue& name, std::int64_t& out, DecodeContext& c);

template <class V>
Status read_value(const JsonValue& v, std::map<std::int64_t, V>& out, DecodeContext& c) {
  return read_map(v, out, c, parse_int_key,
                  [](const JsonValue& jv, V& e, DecodeContext& ctx) { return read_value(jv, e, ctx); });
}

// ---- structs ----
// A struct's field table: name as Go encodes it and a decoder for it.
template <class S>
struct FieldReader {
  std::string_view name;
  Status (*read)(const JsonValue&, S&, DecodeContext&);
};

// Matches member names against fields (exact first, then ASCII
// case-insensitive), skipping unknown members. Null leaves out unchanged.
bool ascii_equal_fold(std::string_view a, std::string_view b);

// A struct without fields (the empty responses): any object, its members
// ignored, or null.
Status read_empty_struct(const JsonValue& v, DecodeContext& c);

template <class S, std::size_t N>
Status read_struct(const JsonValue& v, S& out, DecodeContext& c, const FieldReader<S> (&fields)[N]) {
  if (v.IsNull()) return {};
  if (!v.IsObject()) return c.type_error("object", v);
  std::size_t hint = 0;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    const FieldReader<S>* f = nullptr;
    for (std::size_t k = 0; k < N; ++k) {
      const std::size_t idx = (hint + k) % N;
      if (fields[idx].name == name) {
        f = &fields[idx];
        hint = idx + 1;
        break;
      }
    }
    if (f == nullptr) {
      for (std::size_t k = 0; k < N; ++k) {
        if (ascii_equal_fold(fields[k].name, name)) {
          f = &fields[k];
          break;
        }
      }
    }
    if (f == nullptr) continue;
    PathScope s(c, f->name);
    if (auto st = f->read(it->value, out, c); !st) return st;
  }
  return {};
}

// Field entry: JSON member name and the struct member it decodes into.
#define LATCHKEY_FIELD(S, json_name, member)                                       \
  ::latchkey::tailcfg::FieldReader<S> {                                                 \
    json_name, [](const ::latchkey::tailcfg::JsonValue& jv, S& obj,                      \
                  ::latchkey::tailcfg::DecodeContext& ctx) { return read_value(jv, obj.member, ctx); } \
  }
// Field entry with a custom reader expression over jv (the JSON value),
// obj (the struct) and ctx (the DecodeContext).
#define LATCHKEY_FIELD_WITH(S, json_name, expr)                                          \
  ::latchkey::tailcfg::FieldReader<S> {                                                 \
    json_name, [](const ::latchkey::tailcfg::JsonValue& jv, S& obj,                      \
                  ::latchkey::tailcfg::DecodeContext& ctx) -> ::latchkey::Status { return expr; } \
  }

// Decodes a whole document into T (the entry point behind tailcfg::decode).
template <class T>
Result<T> decode_document(std::string_view text, std::size_t max_bytes, int max_depth, std::string_view type_name) {
  rapidjson::Document doc;
  if (auto st = parse_json_document(text, max_bytes, max_depth, doc); !st) {
    return Error{"tailcfg: decoding " + std::string(type_name) + ": " + st.message()};
  }
  T out{};
  DecodeContext c(type_name);
  if (auto st = read_value(doc, out, c); !st) return st.error();
  return out;
}

}  // namespace latchkey::tailcfg
