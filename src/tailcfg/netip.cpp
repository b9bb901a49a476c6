#include "tailcfg/netip.h"

#include <charconv>

namespace latchkey::tailcfg {
namespace {

Error addr_error(std::string_view in, std::string_view msg) {
  return Error{"ParseAddr(\"" + std::string(in) + "\"): " + std::string(msg)};
}

// netip's parseIPv4Fields over s (the whole of s is the dotted quad).
Status parse_v4_fields(std::string_view in, std::string_view s, std::uint8_t* out) {
  int val = 0;
  int pos = 0;
  int digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      if (digits == 1 && val == 0) return addr_error(in, "IPv4 field has octet with leading zero");
      val = val * 10 + (c - '0');
      ++digits;
      if (val > 255) return addr_error(in, "IPv4 field has value >255");
    } else if (c == '.') {
      if (i == 0 || i == s.size() - 1 || s[i - 1] == '.') {
        return addr_error(in, "IPv4 field must have at least one digit");
      }
      if (pos == 3) return addr_error(in, "IPv4 address too long");
      out[pos++] = static_cast<std::uint8_t>(val);
      val = 0;
      digits = 0;
    } else {
      return addr_error(in, "unexpected character");
    }
  }
  if (pos < 3) return addr_error(in, "IPv4 address too short");
  out[3] = static_cast<std::uint8_t>(val);
  return {};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<IpAddr> parse_v6(std::string_view in) {
  std::string_view s = in;
  std::string zone;
  if (auto pct = s.find('%'); pct != std::string_view::npos) {
    zone = std::string(s.substr(pct + 1));
    s = s.substr(0, pct);
    if (zone.empty()) return addr_error(in, "zone must be a non-empty string");
  }
  std::array<std::uint8_t, 16> ip{};
  int ellipsis = -1;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s.remove_prefix(2);
    if (s.empty()) return IpAddr::v6(ip, zone);
  }
  int i = 0;
  while (i < 16) {
    std::size_t off = 0;
    std::uint32_t acc = 0;
    for (; off < s.size(); ++off) {
      const int h = hex_value(s[off]);
      if (h < 0) break;
      acc = (acc << 4) + static_cast<std::uint32_t>(h);
      if (off > 3) return addr_error(in, "each colon-separated field must have at most 4 hex digits");
    }
    if (off == 0) return addr_error(in, "each colon-separated field must have at least one digit");
    if (off < s.size() && s[off] == '.') {
      if (ellipsis < 0 && i != 12) {
        return addr_error(in, "embedded IPv4 address must replace the final 2 fields of the address");
      }
      if (i + 4 > 16) {
        return addr_error(in, "too many hex fields to fit an embedded IPv4 at the end of the address");
      }
      if (auto st = parse_v4_fields(in, s, ip.data() + i); !st) return st.error();
      s = {};
      i += 4;
      break;
    }
    ip[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(acc >> 8);
    ip[static_cast<std::size_t>(i) + 1] = static_cast<std::uint8_t>(acc);
    i += 2;
    s.remove_prefix(off);
    if (s.empty()) break;
    if (s[0] != ':') return addr_error(in, "unexpected character, want colon");
    if (s.size() == 1) return addr_error(in, "colon must be followed by more characters");
    s.remove_prefix(1);
    if (s[0] == ':') {
      if (ellipsis >= 0) return addr_error(in, "multiple :: in address");
      ellipsis = i;
      s.remove_prefix(1);
      if (s.empty()) break;
    }
  }
  if (!s.empty()) return addr_error(in, "trailing garbage after address");
  if (i < 16) {
    if (ellipsis < 0) return addr_error(in, "address string too short");
    const int n = 16 - i;
    for (int j = i - 1; j >= ellipsis; --j) ip[static_cast<std::size_t>(j + n)] = ip[static_cast<std::size_t>(j)];
    for (int j = ellipsis; j < ellipsis + n; ++j) ip[static_cast<std::size_t>(j)] = 0;
  } else if (ellipsis >= 0) {
    return addr_error(in, "the :: must expand to at least one field of zeros");
  }
  return IpAddr::v6(ip, zone);
}

void append_v4(std::string& out, const std::uint8_t* b) {
  char buf[16];
  char* p = buf;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *p++ = '.';
    p = std::to_chars(p, buf + sizeof buf, b[i]).ptr;
  }
  out.append(buf, static_cast<std::size_t>(p - buf));
}

void append_hex16(std::string& out, unsigned v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned d = (v >> shift) & 0xf;
    if (d != 0 || started || shift == 0) {
      out.push_back(kDigits[d]);
      started = true;
    }
  }
}

bool is_4in6(const std::array<std::uint8_t, 16>& b) {
  for (int i = 0; i < 10; ++i) {
    if (b[static_cast<std::size_t>(i)] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

IpAddr IpAddr::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddr r;
  r.family_ = Family::V4;
  r.b_[0] = a;
  r.b_[1] = b;
  r.b_[2] = c;
  r.b_[3] = d;
  return r;
}

IpAddr IpAddr::v4(std::uint32_t host_order) {
  return v4(static_cast<std::uint8_t>(host_order >> 24), static_cast<std::uint8_t>(host_order >> 16),
            static_cast<std::uint8_t>(host_order >> 8), static_cast<std::uint8_t>(host_order));
}

IpAddr IpAddr::v6(const std::array<std::uint8_t, 16>& bytes, std::string zone) {
  IpAddr r;
  r.family_ = Family::V6;
  r.b_ = bytes;
  r.zone_ = std::move(zone);
  return r;
}

std::uint32_t IpAddr::v4_host_order() const {
  return (std::uint32_t{b_[0]} << 24) | (std::uint32_t{b_[1]} << 16) | (std::uint32_t{b_[2]} << 8) | b_[3];
}

Result<IpAddr> IpAddr::parse(std::string_view text) {
  for (char c : text) {
    if (c == '.') {
      IpAddr r;
      r.family_ = Family::V4;
      if (auto st = parse_v4_fields(text, text, r.b_.data()); !st) return st.error();
      return r;
    }
    if (c == ':') return parse_v6(text);
    if (c == '%') return addr_error(text, "missing IPv6 address");
  }
  return addr_error(text, "unable to parse IP");
}

void IpAddr::append_to(std::string& out) const {
  switch (family_) {
    case Family::None:
      return;
    case Family::V4:
      append_v4(out, b_.data());
      return;
    case Family::V6:
      break;
  }
  if (is_4in6(b_)) {
    out.append("::ffff:");
    append_v4(out, b_.data() + 12);
  } else {
    auto group = [&](int i) {
      return (unsigned{b_[static_cast<std::size_t>(2 * i)]} << 8) | b_[static_cast<std::size_t>(2 * i + 1)];
    };
    int zero_start = -1;
    int zero_end = -1;
    for (int i = 0; i < 8; ++i) {
      int j = i;
      while (j < 8 && group(j) == 0) ++j;
      if (const int len = j - i; len >= 2 && len > zero_end - zero_start) {
        zero_start = i;
        zero_end = j;
      }
    }
    for (int i = 0; i < 8; ++i) {
      if (i == zero_start) {
        out.append("::");
        i = zero_end;
        if (i >= 8) break;
      } else if (i > 0) {
        out.push_back(':');
      }
      append_hex16(out, group(i));
    }
  }
  if (!zone_.empty()) {
    out.push_back('%');
    out.append(zone_);
  }
}

std::string IpAddr::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

Result<IpPrefix> IpPrefix::make(IpAddr addr, int bits) {
  if (!addr.is_valid()) return Error{"prefix address is not valid"};
  if (!addr.zone().empty()) return Error{"IPv6 zones cannot be present in a prefix"};
  if (bits < 0 || bits > addr.bit_len()) return Error{"prefix length out of range"};
  IpPrefix p;
  p.addr_ = std::move(addr);
  p.bits_ = bits;
  return p;
}

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto fail = [&](std::string_view msg) {
    return Error{"netip.ParsePrefix(\"" + std::string(text) + "\"): " + std::string(msg)};
  };
  const auto slash = text.rfind('/');
  if (slash == std::string_view::npos) return fail("no '/'");
  auto addr = IpAddr::parse(text.substr(0, slash));
  if (!addr) return fail(addr.message());
  if (addr->is_v6() && !addr->zone().empty()) return fail("IPv6 zones cannot be present in a prefix");
  const std::string_view bits_text = text.substr(slash + 1);
  if (bits_text.size() > 1 && (bits_text[0] < '1' || bits_text[0] > '9')) {
    return fail("bad bits after slash: \"" + std::string(bits_text) + "\"");
  }
  int bits = 0;
  const char* end = bits_text.data() + bits_text.size();
  auto [ptr, ec] = std::from_chars(bits_text.data(), end, bits);
  if (bits_text.empty() || ec != std::errc() || ptr != end) {
    return fail("bad bits after slash: \"" + std::string(bits_text) + "\"");
  }
  if (bits < 0 || bits > addr->bit_len()) return fail("prefix length out of range");
  IpPrefix p;
  p.addr_ = std::move(*addr);
  p.bits_ = bits;
  return p;
}

IpPrefix IpPrefix::masked() const {
  IpPrefix p = *this;
  const int total = addr_.bit_len();
  auto bytes = addr_.bytes();
  for (int bit = bits_; bit < total; ++bit) {
    bytes[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  p.addr_ = addr_.is_v4() ? IpAddr::v4(bytes[0], bytes[1], bytes[2], bytes[3]) : IpAddr::v6(bytes);
  return p;
}

bool IpPrefix::contains(const IpAddr& a) const {
  if (!is_valid() || a.family() != addr_.family() || !a.zone().empty()) return false;
  const auto& x = a.bytes();
  const auto& y = addr_.bytes();
  for (int bit = 0; bit < bits_; ++bit) {
    const auto byte = static_cast<std::size_t>(bit / 8);
    const unsigned m = 0x80u >> (bit % 8);
    if ((x[byte] & m) != (y[byte] & m)) return false;
  }
  return true;
}

void IpPrefix::append_to(std::string& out) const {
  if (!is_valid()) return;
  addr_.append_to(out);
  out.push_back('/');
  char buf[4];
  auto r = std::to_chars(buf, buf + sizeof buf, bits_);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

std::string IpPrefix::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

Result<AddrPort> AddrPort::parse(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return Error{"not an ip:port"};
  std::string_view ip = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (ip.empty()) return Error{"no IP"};
  if (port.empty()) return Error{"no port"};
  bool bracketed = false;
  if (ip[0] == '[') {
    if (ip.size() < 2 || ip.back() != ']') return Error{"missing ]"};
    ip = ip.substr(1, ip.size() - 2);
    bracketed = true;
  }
  std::uint64_t port_value = 0;
  const char* end = port.data() + port.size();
  auto [ptr, ec] = std::from_chars(port.data(), end, port_value);
  if (ec != std::errc() || ptr != end || port_value > 65535) {
    return Error{"invalid port \"" + std::string(port) + "\" parsing \"" + std::string(text) + "\""};
  }
  auto addr = IpAddr::parse(ip);
  if (!addr) return addr.error();
  if (bracketed && addr->is_v4()) {
    return Error{"invalid ip:port \"" + std::string(text) +
                 "\", square brackets can only be used with IPv6 addresses"};
  }
  if (!bracketed && addr->is_v6()) {
    return Error{"invalid ip:port \"" + std::string(text) + "\", IPv6 addresses must be surrounded by square brackets"};
  }
  return AddrPort(std::move(*addr), static_cast<std::uint16_t>(port_value));
}

void AddrPort::append_to(std::string& out) const {
  if (!is_valid()) return;
  if (addr_.is_v4()) {
    addr_.append_to(out);
  } else {
    out.push_back('[');
    addr_.append_to(out);
    out.push_back(']');
  }
  out.push_back(':');
  char buf[6];
  auto r = std::to_chars(buf, buf + sizeof buf, port_);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

std::string AddrPort::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

}  // namespace latchkey::tailcfg
