#include "tailcfg/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>

#include "base/base64.h"

namespace latchkey::tailcfg {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// 0: copy as is; 1: needs an escape (ASCII); 2: start of a multi-byte or
// invalid UTF-8 sequence.
constexpr std::array<std::uint8_t, 256> make_class_table() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if (c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&') {
      t[static_cast<std::size_t>(c)] = 1;
    } else if (c >= 0x80) {
      t[static_cast<std::size_t>(c)] = 2;
    }
  }
  return t;
}
constexpr auto kClass = make_class_table();

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (Go's
// utf8.DecodeRune returning RuneError with width 1). Sets *rune.
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t* rune) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const std::size_t left = s.size() - i;
  auto cont = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (left < 2 || (cont(1) & 0xC0) != 0x80) return 0;
    *rune = ((b0 & 0x1Fu) << 6) | (cont(1) & 0x3Fu);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3) return 0;
    const unsigned char b1 = cont(1);
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (b1 < lo || b1 > hi || (cont(2) & 0xC0) != 0x80) return 0;
    *rune = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (cont(2) & 0x3Fu);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4) return 0;
    const unsigned char b1 = cont(1);
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (b1 < lo || b1 > hi || (cont(2) & 0xC0) != 0x80 || (cont(3) & 0xC0) != 0x80) return 0;
    *rune = ((b0 & 0x07u) << 18) | ((b1 & 0x3Fu) << 12) | ((cont(2) & 0x3Fu) << 6) | (cont(3) & 0x3Fu);
    return 4;
  }
  return 0;
}

}  // namespace

void append_go_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::uint8_t cls = kClass[c];
    if (cls == 0) {
      ++i;
      continue;
    }
    if (cls == 1) {
      out.append(s.data() + start, i - start);
      out.push_back('\\');
      switch (c) {
        case '\\':
        case '"':
          out.push_back(static_cast<char>(c));
          break;
        case '\b':
          out.push_back('b');
          break;
        case '\f':
          out.push_back('f');
          break;
        case '\n':
          out.push_back('n');
          break;
        case '\r':
          out.push_back('r');
          break;
        case '\t':
          out.push_back('t');
          break;
        default:
          out.append("u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
      }
      start = ++i;
      continue;
    }
    std::uint32_t rune = 0;
    const std::size_t n = utf8_sequence(s, i, &rune);
    if (n == 0) {
      out.append(s.data() + start, i - start);
      out.append("\\ufffd");
      start = ++i;
      continue;
    }
    if (rune == 0x2028 || rune == 0x2029) {
      out.append(s.data() + start, i - start);
      out.append(rune == 0x2028 ? "\\u2028" : "\\u2029");
      i += n;
      start = i;
      continue;
    }
    i += n;
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

void append_go_json_float(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out.push_back('0');
    return;
  }
  const double a = std::fabs(v);
  char buf[64];
  std::to_chars_result r{};
  const bool exp_form = a != 0 && (a < 1e-6 || a >= 1e21);
  if (exp_form) {
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  }
  std::size_t n = static_cast<std::size_t>(r.ptr - buf);
  if (exp_form && n >= 4 && buf[n - 4] == 'e' && buf[n - 3] == '-' && buf[n - 2] == '0') {
    buf[n - 2] = buf[n - 1];
    --n;
  }
  out.append(buf, n);
}

void append_go_json_compact(std::string& out, std::string_view json) {
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto c = static_cast<unsigned char>(json[i]);
    if (c == '<' || c == '>' || c == '&') {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
      continue;
    }
    if (c == 0xE2 && i + 2 < json.size() && static_cast<unsigned char>(json[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(json[i + 2]) & ~1u) == 0xA8) {
      out.append("\\u202");
      out.push_back(kHex[static_cast<unsigned char>(json[i + 2]) & 0xF]);
      i += 2;
      continue;
    }
    if (in_string) {
      out.push_back(static_cast<char>(c));
      if (c == '\\' && i + 1 < json.size()) {
        out.push_back(json[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '"') in_string = true;
    out.push_back(static_cast<char>(c));
  }
}

void JsonWriter::separator() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (first_.back() != 0) {
      first_.back() = 0;
    } else {
      out_.push_back(',');
    }
  }
}

void JsonWriter::begin_object() {
  separator();
  out_.push_back('{');
  first_.push_back(1);
}

void JsonWriter::end_object() {
  out_.push_back('}');
  first_.pop_back();
}

void JsonWriter::begin_array() {
  separator();
  out_.push_back('[');
  first_.push_back(1);
}

void JsonWriter::end_array() {
  out_.push_back(']');
  first_.pop_back();
}

void JsonWriter::key(std::string_view name) {
  separator();
  out_.push_back('"');
  out_.append(name);
  out_.append("\":");
  after_key_ = true;
}

void JsonWriter::key_escaped(std::string_view name) {
  separator();
  append_go_json_string(out_, name);
  out_.push_back(':');
  after_key_ = true;
}

void JsonWriter::null() {
  separator();
  out_.append("null");
}

void JsonWriter::boolean(bool v) {
  separator();
  out_.append(v ? "true" : "false");
}

void JsonWriter::int64(std::int64_t v) {
  separator();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void JsonWriter::uint64(std::uint64_t v) {
  separator();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void JsonWriter::float64(double v) {
  separator();
  append_go_json_float(out_, v);
}

void JsonWriter::string(std::string_view s) {
  separator();
  append_go_json_string(out_, s);
}

void JsonWriter::bytes_base64(ByteView b) {
  separator();
  out_.push_back('"');
  out_.append(base64_encode(b));
  out_.push_back('"');
}

void JsonWriter::raw(std::string_view json) {
  separator();
  out_.append(json);
}

}  // namespace latchkey::tailcfg
