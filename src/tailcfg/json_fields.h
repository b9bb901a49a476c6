// Internal to tailcfg: encoding helpers for the field kinds the wire types
// share (generic lists, nilable lists, maps with Go's sorted keys, keys,
// times, addresses). Each wire type has write_value(JsonWriter&, const T&).
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tailcfg/go_time.h"
#include "tailcfg/json_writer.h"
#include "tailcfg/netip.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

inline void write_value(JsonWriter& w, const std::string& s) { w.string(s); }
inline void write_value(JsonWriter& w, bool b) { w.boolean(b); }
inline void write_value(JsonWriter& w, std::int64_t v) { w.int64(v); }
inline void write_value(JsonWriter& w, int v) { w.int64(v); }
inline void write_value(JsonWriter& w, std::uint16_t v) { w.uint64(v); }
inline void write_value(JsonWriter& w, std::uint64_t v) { w.uint64(v); }
inline void write_value(JsonWriter& w, double v) { w.float64(v); }
inline void write_value(JsonWriter& w, EndpointType v) { w.int64(static_cast<std::int64_t>(v)); }
inline void write_value(JsonWriter& w, const GoTime& t) {
  std::string& out = w.buffer();
  w.raw("\"");
  t.append_to(out);
  out.push_back('"');
}
inline void write_value(JsonWriter& w, OptBool b) {
  switch (b) {
    case OptBool::True:
      w.boolean(true);
      return;
    case OptBool::False:
      w.boolean(false);
      return;
    default:
      w.null();
  }
}
inline void write_value(JsonWriter& w, const RawJson& r) {
  if (r.text.empty()) {
    w.null();
    return;
  }
  w.raw({});
  append_go_json_compact(w.buffer(), r.text);
}
// netip text forms need no JSON escaping, except in IPv6 zones.
template <class A>
  requires(std::is_same_v<A, IpAddr> || std::is_same_v<A, IpPrefix> || std::is_same_v<A, AddrPort>)
void write_value(JsonWriter& w, const A& a) {
  const IpAddr& addr = [&]() -> const IpAddr& {
    if constexpr (std::is_same_v<A, IpAddr>) {
      return a;
    } else {
      return a.addr();
    }
  }();
  if (!addr.zone().empty()) {
    w.string(a.to_string());
    return;
  }
  w.raw("\"");
  a.append_to(w.buffer());
  w.buffer().push_back('"');
}
// Keys with a "<prefix><hex>" text form, written without a temporary.
template <class K>
  requires requires(const K& k) {
    K::kTextPrefix;
    k.raw();
    k.is_zero();
  }
void write_value(JsonWriter& w, const K& k) {
  static constexpr char kHex[] = "0123456789abcdef";
  w.raw("\"");
  std::string& out = w.buffer();
  out.append(K::kTextPrefix);
  for (std::uint8_t b : k.raw()) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  out.push_back('"');
}
// []byte (a tkatype.MarshaledAUM in a list, say): base64.
inline void write_value(JsonWriter& w, const Bytes& b) { w.bytes_base64(b); }

template <class T>
void write_value(JsonWriter& w, const std::vector<T>& v) {
  w.begin_array();
  for (const auto& e : v) write_value(w, e);
  w.end_array();
}

template <class T>
void write_value(JsonWriter& w, const std::optional<T>& v) {
  if (!v) {
    w.null();
    return;
  }
  write_value(w, *v);
}

// []byte: base64, null when nil.
inline void write_bytes(JsonWriter& w, const std::optional<Bytes>& b) {
  if (!b) {
    w.null();
    return;
  }
  w.bytes_base64(*b);
}

template <class V>
void write_value(JsonWriter& w, const std::map<std::string, V>& m) {
  w.begin_object();
  for (const auto& [k, v] : m) {
    w.key_escaped(k);
    write_value(w, v);
  }
  w.end_object();
}

// Go sorts integer map keys by their decimal text.
template <class V>
void write_value(JsonWriter& w, const std::map<std::int64_t, V>& m) {
  std::vector<std::pair<std::string, const V*>> items;
  items.reserve(m.size());
  for (const auto& [k, v] : m) items.emplace_back(std::to_string(k), &v);
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  w.begin_object();
  for (const auto& [k, v] : items) {
    w.key(k);
    write_value(w, *v);
  }
  w.end_object();
}

// Go's omitempty test: false, 0, "", nil pointer, empty slice or map.
inline bool go_empty(const std::string& s) { return s.empty(); }
inline bool go_empty(bool b) { return !b; }
inline bool go_empty(std::int64_t v) { return v == 0; }
inline bool go_empty(int v) { return v == 0; }
inline bool go_empty(std::uint16_t v) { return v == 0; }
inline bool go_empty(std::uint64_t v) { return v == 0; }
inline bool go_empty(double v) { return v == 0; }
inline bool go_empty(OptBool b) { return b == OptBool::Empty; }
template <class T>
bool go_empty(const std::vector<T>& v) {
  return v.empty();
}
template <class K, class V>
bool go_empty(const std::map<K, V>& m) {
  return m.empty();
}
template <class T>
bool go_empty(const std::optional<std::vector<T>>& v) {
  return !v || v->empty();
}
template <class T>
bool go_empty(const std::optional<T>& v) {
  return !v.has_value();
}

// Go's omitzero test: the zero value, or IsZero() for types that have it.
// Differs from omitempty for slices and maps (only nil is zero) and for
// types with IsZero (keys, times, addresses).
inline bool go_zero(const std::string& s) { return s.empty(); }
inline bool go_zero(bool b) { return !b; }
inline bool go_zero(std::int64_t v) { return v == 0; }
inline bool go_zero(int v) { return v == 0; }
inline bool go_zero(std::uint16_t v) { return v == 0; }
inline bool go_zero(std::uint64_t v) { return v == 0; }
inline bool go_zero(OptBool b) { return b == OptBool::Empty; }
inline bool go_zero(const GoTime& t) { return t.is_zero(); }
inline bool go_zero(const IpAddr& a) { return !a.is_valid(); }
template <class K>
  requires requires(const K& k) { k.is_zero(); k.to_string(); }
bool go_zero(const K& k) {
  return k.is_zero();
}
template <class T>
bool go_zero(const std::optional<T>& v) {
  return !v.has_value();
}

template <class T>
void field(JsonWriter& w, std::string_view name, const T& v) {
  w.key(name);
  write_value(w, v);
}
template <class T>
void field_omitempty(JsonWriter& w, std::string_view name, const T& v) {
  if (go_empty(v)) return;
  w.key(name);
  write_value(w, v);
}
template <class T>
void field_omitzero(JsonWriter& w, std::string_view name, const T& v) {
  if (go_zero(v)) return;
  w.key(name);
  write_value(w, v);
}
// A []byte field: base64, null when nil.
inline void field_bytes(JsonWriter& w, std::string_view name, const std::optional<Bytes>& b) {
  w.key(name);
  write_bytes(w, b);
}
// A []byte field tagged omitempty (nil and empty both omitted).
inline void field_bytes_omitempty(JsonWriter& w, std::string_view name, const Bytes& b) {
  if (b.empty()) return;
  w.key(name);
  w.bytes_base64(b);
}

}  // namespace latchkey::tailcfg
