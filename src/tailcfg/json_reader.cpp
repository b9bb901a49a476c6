#include "tailcfg/json_reader.h"

#include <rapidjson/error/en.h>

#include <charconv>

#include "base/base64.h"
#include "tailcfg/json_writer.h"

namespace latchkey::tailcfg {
namespace {

// Go's utf8 validity rule at s[i]: length of the valid sequence or 0.
std::size_t valid_utf8_at(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const std::size_t left = s.size() - i;
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && (b(1) & 0xC0) == 0x80 ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3) return 0;
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    return b(1) >= lo && b(1) <= hi && (b(2) & 0xC0) == 0x80 ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4) return 0;
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return b(1) >= lo && b(1) <= hi && (b(2) & 0xC0) == 0x80 && (b(3) & 0xC0) == 0x80 ? 4 : 0;
  }
  return 0;
}

// Copies s into out, replacing each byte that does not start a valid UTF-8
// sequence with U+FFFD (Go's decoder does the same).
void assign_sanitized(std::string& out, std::string_view s) {
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) >= 0x80) break;
  }
  if (i == s.size()) {
    out.assign(s);
    return;
  }
  out.assign(s.substr(0, i));
  while (i < s.size()) {
    const std::size_t n = valid_utf8_at(s, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
}

void write_dom(std::string& out, const JsonValue& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      out.append("null");
      return;
    case rapidjson::kFalseType:
      out.append("false");
      return;
    case rapidjson::kTrueType:
      out.append("true");
      return;
    case rapidjson::kStringType: {
      std::string s;
      assign_sanitized(s, std::string_view(v.GetString(), v.GetStringLength()));
      append_go_json_string(out, s);
      return;
    }
    case rapidjson::kNumberType: {
      char buf[32];
      std::to_chars_result r{};
      if (v.IsInt64()) {
        r = std::to_chars(buf, buf + sizeof buf, v.GetInt64());
      } else if (v.IsUint64()) {
        r = std::to_chars(buf, buf + sizeof buf, v.GetUint64());
      } else {
        append_go_json_float(out, v.GetDouble());
        return;
      }
      out.append(buf, static_cast<std::size_t>(r.ptr - buf));
      return;
    }
    case rapidjson::kArrayType: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.GetArray()) {
        if (!first) out.push_back(',');
        first = false;
        write_dom(out, e);
      }
      out.push_back(']');
      return;
    }
    case rapidjson::kObjectType: {
      out.push_back('{');
      bool first = true;
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        if (!first) out.push_back(',');
        first = false;
        write_dom(out, it->name);
        out.push_back(':');
        write_dom(out, it->value);
      }
      out.push_back('}');
      return;
    }
  }
}

// Nesting depth of text (outside strings); stops counting once over limit.
bool depth_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\') {
        ++i;
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      if (++depth > max_depth) return false;
    } else if (ch == '}' || ch == ']') {
      --depth;
    }
  }
  return true;
}

}  // namespace

std::string DecodeContext::path() const {
  std::string p;
  for (const auto& s : segments_) {
    if (s.index >= 0) {
      p += '[';
      p += std::to_string(s.index);
      p += ']';
    } else {
      if (!p.empty()) p += '.';
      p.append(s.name);
    }
  }
  return p;
}

Error DecodeContext::type_error(std::string_view want, const JsonValue& got) const {
  return Error{"tailcfg: " + path() + ": cannot decode JSON " + json_type_name(got) + " (want " +
               std::string(want) + ")"};
}

Error DecodeContext::error(std::string_view what) const {
  return Error{"tailcfg: " + path() + ": " + std::string(what)};
}

const char* json_type_name(const JsonValue& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "bool";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return "number";
  }
  return "value";
}

namespace {

// Forwards every parse event to the document, except numbers: the reader
// hands them over as text and they are converted here. Integers as rapidjson
// would store them; everything else with std::from_chars, which rounds
// correctly as Go's strconv does. rapidjson's own full-precision strtod is not
// used: Debian's 1.1.0 evaluates __builtin_clzll(0) on a zero significand
// written with many digits ("0.000…0", undefined behaviour).
struct NumberConvertingHandler {
  rapidjson::Document& doc;
  std::string error;  // why a number was refused (the parse then stops)

  bool Null() { return doc.Null(); }
  bool Bool(bool b) { return doc.Bool(b); }
  bool Int(int i) { return doc.Int(i); }
  bool Uint(unsigned u) { return doc.Uint(u); }
  bool Int64(std::int64_t i) { return doc.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc.Uint64(u); }
  bool Double(double d) { return doc.Double(d); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc.String(s, n, copy); }
  bool StartObject() { return doc.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return doc.EndObject(n); }
  bool StartArray() { return doc.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return doc.EndArray(n); }

  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const char* end = s + n;
    const std::string_view text(s, n);
    if (text.find_first_of(".eE") == std::string_view::npos) {
      // An integer that fits stays one; a larger one becomes a double, as
      // rapidjson and Go's float64 decoding both do.
      if (text.front() == '-') {
        std::int64_t i = 0;
        if (auto r = std::from_chars(s, end, i); r.ec == std::errc{} && r.ptr == end) return doc.Int64(i);
      } else {
        std::uint64_t u = 0;
        if (auto r = std::from_chars(s, end, u); r.ec == std::errc{} && r.ptr == end) return doc.Uint64(u);
      }
    }
    double d = 0;
    const auto r = std::from_chars(s, end, d);
    if (r.ptr != end) {
      error = "malformed number " + std::string(text.substr(0, 40));
      return false;
    }
    if (r.ec == std::errc::result_out_of_range) {
      if (overflows(text)) {
        error = "number " + std::string(text.substr(0, 40)) + " is out of the range of a 64-bit float";
        return false;
      }
      d = text.front() == '-' ? -0.0 : 0.0;  // underflow: zero, as Go's strconv gives
    } else if (r.ec != std::errc{}) {
      error = "malformed number " + std::string(text.substr(0, 40));
      return false;
    }
    return doc.Double(d);
  }

  // Whether an out-of-range number is too large (rather than too small): its
  // first significant digit stands left of the decimal point once the
  // exponent is applied. The two limits (1e308, 1e-324) are far apart.
  static bool overflows(std::string_view t) {
    std::size_t i = t.front() == '-' ? 1 : 0;
    long long position = 0;  // decimal exponent of the first significant digit, plus one
    bool seen = false, fraction = false;
    for (; i < t.size() && t[i] != 'e' && t[i] != 'E'; ++i) {
      if (t[i] == '.') {
        fraction = true;
        continue;
      }
      if (!seen && t[i] == '0') {
        if (fraction) --position;
        continue;
      }
      if (!seen) seen = true;
      if (!fraction) ++position;
    }
    if (!seen) return false;
    long long exponent = 0;
    if (i < t.size()) {
      std::string_view e = t.substr(i + 1);
      if (!e.empty() && e.front() == '+') e.remove_prefix(1);
      if (std::from_chars(e.data(), e.data() + e.size(), exponent).ec == std::errc::result_out_of_range) {
        return e.front() != '-';
      }
    }
    return position + exponent > 0;
  }
};

}  // namespace

Status parse_json_document(std::string_view text, std::size_t max_bytes, int max_depth, rapidjson::Document& doc) {
  if (text.size() > max_bytes) {
    return Error{"JSON body of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                 std::to_string(max_bytes)};
  }
  // rapidjson skips a leading UTF-8 byte-order mark; Go's decoder does not.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
    return Error{"invalid JSON at offset 0: byte-order mark before the value"};
  }
  if (!depth_within(text, max_depth)) {
    return Error{"JSON nesting deeper than " + std::to_string(max_depth) + " levels"};
  }
  rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>> reader;
  rapidjson::ParseResult result;
  NumberConvertingHandler handler{doc, {}};
  auto generate = [&](rapidjson::Document&) {
    rapidjson::MemoryStream ms(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
    result = reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(is, handler);
    return !result.IsError();
  };
  doc.Populate(generate);
  if (result.IsError()) {
    const std::string why = result.Code() == rapidjson::kParseErrorTermination && !handler.error.empty()
                                ? handler.error
                                : rapidjson::GetParseError_En(result.Code());
    return Error{"invalid JSON at offset " + std::to_string(result.Offset()) + ": " + why};
  }
  return {};
}

Status read_empty_struct(const JsonValue& v, DecodeContext& c) {
  if (v.IsNull() || v.IsObject()) return {};
  return c.type_error("object", v);
}

bool ascii_equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

Status read_value(const JsonValue& v, std::string& out, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsString()) return c.type_error("string", v);
  assign_sanitized(out, std::string_view(v.GetString(), v.GetStringLength()));
  return {};
}

Status read_value(const JsonValue& v, bool& out, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsBool()) return c.type_error("bool", v);
  out = v.GetBool();
  return {};
}

Status read_value(const JsonValue& v, double& out, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsNumber()) return c.type_error("number", v);
  out = v.GetDouble();
  return {};
}

Status read_int(const JsonValue& v, std::int64_t& out, std::int64_t lo, std::int64_t hi, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsNumber()) return c.type_error("integer", v);
  if (!v.IsInt64()) return c.error("number is not an integer in range for this field");
  const std::int64_t x = v.GetInt64();
  if (x < lo || x > hi) return c.error("integer " + std::to_string(x) + " out of range for this field");
  out = x;
  return {};
}

Status read_uint(const JsonValue& v, std::uint64_t& out, std::uint64_t hi, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsNumber()) return c.type_error("integer", v);
  if (!v.IsUint64()) return c.error("number is not an unsigned integer in range for this field");
  const std::uint64_t x = v.GetUint64();
  if (x > hi) return c.error("integer " + std::to_string(x) + " out of range for this field");
  out = x;
  return {};
}

Status read_value(const JsonValue& v, OptBool& out, DecodeContext& c) {
  if (v.IsNull()) {
    out = OptBool::Unset;
    return {};
  }
  if (!v.IsBool()) return c.error(std::string("invalid opt.Bool value (a JSON ") + json_type_name(v) + ")");
  out = v.GetBool() ? OptBool::True : OptBool::False;
  return {};
}

Status read_value(const JsonValue& v, RawJson& out, DecodeContext&) {
  out.text.clear();
  write_dom(out.text, v);
  return {};
}

Status read_value(const JsonValue& v, GoTime& out, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsString()) return c.error("Time.UnmarshalJSON: input is not a JSON string");
  auto t = GoTime::parse_rfc3339(std::string_view(v.GetString(), v.GetStringLength()));
  if (!t) return c.error(t.message());
  out = *t;
  return {};
}

namespace {
template <class T>
Status read_text_value(const JsonValue& v, T& out, DecodeContext& c) {
  if (v.IsNull()) return {};
  if (!v.IsString()) return c.type_error("string", v);
  const std::string_view s(v.GetString(), v.GetStringLength());
  if (s.empty()) {
    out = T{};
    return {};
  }
  auto r = T::parse(s);
  if (!r) return c.error(r.message());
  out = std::move(*r);
  return {};
}
}  // namespace

Status read_value(const JsonValue& v, IpAddr& out, DecodeContext& c) { return read_text_value(v, out, c); }
Status read_value(const JsonValue& v, IpPrefix& out, DecodeContext& c) { return read_text_value(v, out, c); }
Status read_value(const JsonValue& v, AddrPort& out, DecodeContext& c) { return read_text_value(v, out, c); }

Status read_value(const JsonValue& v, EndpointType& out, DecodeContext& c) {
  std::int64_t x = static_cast<std::int64_t>(out);
  if (auto st = read_int(v, x, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), c);
      !st) {
    return st;
  }
  out = static_cast<EndpointType>(x);
  return {};
}

Status read_bytes(const JsonValue& v, std::optional<Bytes>& out, DecodeContext& c) {
  if (v.IsNull()) {
    out.reset();
    return {};
  }
  if (!v.IsString()) return c.type_error("string (base64)", v);
  std::string_view s(v.GetString(), v.GetStringLength());
  std::string stripped;
  if (s.find_first_of("\r\n") != std::string_view::npos) {
    for (char ch : s) {
      if (ch != '\r' && ch != '\n') stripped.push_back(ch);
    }
    s = stripped;
  }
  auto b = base64_decode(s, Base64Form::Std);
  if (!b) return c.error("illegal base64 data: " + b.message());
  out = std::move(*b);
  return {};
}

Status read_value(const JsonValue& v, Bytes& out, DecodeContext& c) {
  std::optional<Bytes> b;
  if (auto st = read_bytes(v, b, c); !st) return st;
  out = b ? std::move(*b) : Bytes{};
  return {};
}

Status parse_int_key(const JsonValue& name, std::int64_t& out, DecodeContext& c) {
  const std::string_view s(name.GetString(), name.GetStringLength());
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  // strconv.ParseInt accepts a leading '+' as well as '-'.
  if (!s.empty() && s[0] == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (s.empty() || begin == end || ec != std::errc() || ptr != end || (begin != s.data() && *begin == '-')) {
    return c.error("cannot unmarshal number " + std::string(s) + " into an integer map key");
  }
  return {};
}

}  // namespace latchkey::tailcfg
