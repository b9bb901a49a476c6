// IP addresses, prefixes and address:port pairs with the text forms of Go's
// net/netip, which is what tailcfg puts on the wire (netip.Addr,
// netip.Prefix, netip.AddrPort all marshal as their String form, and the
// zero value as ""). Formatting follows netip exactly: IPv6 in RFC 5952 form
// (lowercase, the first longest run of two or more zero groups compressed),
// IPv4-mapped IPv6 as "::ffff:a.b.c.d", zones after '%'. Parsing is as
// strict as netip's: no leading zeros in IPv4 octets, prefixes keep their
// host bits (no masking), bracketed IPv6 in AddrPort.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace latchkey::tailcfg {

class IpAddr {
 public:
  enum class Family : std::uint8_t { None, V4, V6 };

  IpAddr() = default;  // the zero (invalid) address; text form ""
  static IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
  static IpAddr v4(std::uint32_t host_order);
  static IpAddr v6(const std::array<std::uint8_t, 16>& bytes, std::string zone = {});
  // netip.ParseAddr.
  static Result<IpAddr> parse(std::string_view text);

  bool is_valid() const { return family_ != Family::None; }
  bool is_v4() const { return family_ == Family::V4; }
  bool is_v6() const { return family_ == Family::V6; }
  Family family() const { return family_; }
  // 4 bytes for IPv4 (the first four of bytes()), 16 for IPv6.
  const std::array<std::uint8_t, 16>& bytes() const { return b_; }
  std::uint32_t v4_host_order() const;
  int bit_len() const { return is_v4() ? 32 : is_v6() ? 128 : 0; }
  const std::string& zone() const { return zone_; }

  // netip.Addr.String for valid addresses, "" for the zero address (what
  // MarshalText produces).
  std::string to_string() const;
  void append_to(std::string& out) const;

  friend bool operator==(const IpAddr&, const IpAddr&) = default;
  friend auto operator<=>(const IpAddr&, const IpAddr&) = default;

 private:
  Family family_ = Family::None;
  std::array<std::uint8_t, 16> b_{};
  std::string zone_;
};

class IpPrefix {
 public:
  IpPrefix() = default;  // the zero prefix; text form ""
  // bits must be within 0..addr.bit_len() and addr must have no zone.
  static Result<IpPrefix> make(IpAddr addr, int bits);
  // netip.ParsePrefix: "addr/bits", no zone, host bits kept as given.
  static Result<IpPrefix> parse(std::string_view text);

  bool is_valid() const { return addr_.is_valid(); }
  const IpAddr& addr() const { return addr_; }
  int bits() const { return bits_; }
  // The prefix with its host bits cleared.
  IpPrefix masked() const;
  bool contains(const IpAddr& a) const;

  std::string to_string() const;
  void append_to(std::string& out) const;

  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
  friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;

 private:
  IpAddr addr_;
  int bits_ = 0;
};

class AddrPort {
 public:
  AddrPort() = default;  // the zero value; text form ""
  AddrPort(IpAddr addr, std::uint16_t port) : addr_(std::move(addr)), port_(port) {}
  // netip.ParseAddrPort: "1.2.3.4:80" or "[v6addr%zone]:80".
  static Result<AddrPort> parse(std::string_view text);

  bool is_valid() const { return addr_.is_valid(); }
  const IpAddr& addr() const { return addr_; }
  std::uint16_t port() const { return port_; }

  std::string to_string() const;
  void append_to(std::string& out) const;

  friend bool operator==(const AddrPort&, const AddrPort&) = default;
  friend auto operator<=>(const AddrPort&, const AddrPort&) = default;

 private:
  IpAddr addr_;
  std::uint16_t port_ = 0;
};

}  // namespace latchkey::tailcfg
