// JsonWriter: appends JSON text exactly as Go's encoding/json (json.Marshal)
// writes it, so encoded tailcfg values are byte-identical to upstream's:
// strings with HTML-safe escaping (<, >, & as \u003c, \u003e, \u0026),
// U+2028/U+2029 escaped, invalid UTF-8 replaced by \ufffd, \b \f \n \r \t
// short escapes and other control bytes as \u00xx; float64 in Go's
// shortest-round-trip form ('f' notation, 'e' outside [1e-6, 1e21) with
// "e-07" trimmed to "e-7"); []byte as padded standard base64.
//
// This is hand-written on purpose: no JSON library reproduces Go's escaping
// and number forms, and appending straight into one std::string is the
// fastest way to produce a 5,000-peer netmap (see docs/performance.md).
// The caller writes commas through begin/field helpers; the writer keeps a
// small stack of "first element" flags.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace latchkey::tailcfg {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // Writes the (already Go-escaped, ASCII) name of the next object member.
  void key(std::string_view name);
  // Writes an arbitrary string as an object key, escaped.
  void key_escaped(std::string_view name);

  void null();
  void boolean(bool v);
  void int64(std::int64_t v);
  void uint64(std::uint64_t v);
  void float64(double v);
  void string(std::string_view s);
  void bytes_base64(ByteView b);
  // Appends text that is already valid, compact, Go-escaped JSON.
  void raw(std::string_view json);

  std::string& buffer() { return out_; }

 private:
  void separator();

  std::string& out_;
  // One entry per open container: 1 until its first element is written.
  std::vector<std::uint8_t> first_;
  bool after_key_ = false;
};

// Appends s as a Go-escaped JSON string (with quotes).
void append_go_json_string(std::string& out, std::string_view s);
// Appends v as Go's encoding/json writes a float64 (finite values; NaN and
// infinities, which Go refuses to encode, are written as 0).
void append_go_json_float(std::string& out, double v);
// Go's json.Compact with HTML escaping, as encoding/json applies it to the
// output of a MarshalJSON method (tailcfg.RawMessage): insignificant
// whitespace dropped, <, >, &, U+2028, U+2029 escaped inside strings.
// The input must be valid JSON.
void append_go_json_compact(std::string& out, std::string_view json);

}  // namespace latchkey::tailcfg
