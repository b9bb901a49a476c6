// netip text forms: the formatting and parsing rules of Go's net/netip
// (RFC 5952 IPv6, 4-in-6, zones, strict IPv4, unmasked prefixes, bracketed
// AddrPort) as upstream's netip tests state them.
#include <gtest/gtest.h>

#include "tailcfg/netip.h"

namespace latchkey::tailcfg {
namespace {

std::string addr_roundtrip(std::string_view in) {
  auto a = IpAddr::parse(in);
  return a.ok() ? a->to_string() : "error: " + a.message();
}

TEST(Netip, Ipv4) {
  EXPECT_EQ(addr_roundtrip("100.64.0.1"), "100.64.0.1");
  EXPECT_EQ(addr_roundtrip("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(addr_roundtrip("255.255.255.255"), "255.255.255.255");
  for (const char* bad : {"1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4%eth0",
                          "1.2.3.a", "", "abc"}) {
    EXPECT_FALSE(IpAddr::parse(bad).ok()) << bad;
  }
  auto a = IpAddr::parse("10.1.2.3");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->v4_host_order(), 0x0A010203u);
}

TEST(Netip, Ipv6Rfc5952) {
  EXPECT_EQ(addr_roundtrip("2001:db8::10"), "2001:db8::10");
  EXPECT_EQ(addr_roundtrip("2001:0DB8:0000:0000:0000:0000:0000:0010"), "2001:db8::10");
  EXPECT_EQ(addr_roundtrip("::"), "::");
  EXPECT_EQ(addr_roundtrip("::1"), "::1");
  EXPECT_EQ(addr_roundtrip("1::"), "1::");
  // A single zero group is not compressed; the first of equal runs is.
  EXPECT_EQ(addr_roundtrip("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
  EXPECT_EQ(addr_roundtrip("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
  EXPECT_EQ(addr_roundtrip("1:0:0:2:0:0:0:4"), "1:0:0:2::4");
  EXPECT_EQ(addr_roundtrip("fd7a:115c:a1e0:ab12:4843:cd96:6240:1"), "fd7a:115c:a1e0:ab12:4843:cd96:6240:1");
  // 4-in-6 keeps the dotted form; other embedded IPv4 does not.
  EXPECT_EQ(addr_roundtrip("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
  EXPECT_EQ(addr_roundtrip("::ffff:0102:0304"), "::ffff:1.2.3.4");
  EXPECT_EQ(addr_roundtrip("::1.2.3.4"), "::102:304");
  EXPECT_EQ(addr_roundtrip("fe80::1%eth0"), "fe80::1%eth0");
  for (const char* bad : {"1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "fe80::1%", "1:2:3:4:5:6:7:8::",
                          "::ffff:1.2.3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "1:2:3:4:5:6:1.2.3.4:5", "g::"}) {
    EXPECT_FALSE(IpAddr::parse(bad).ok()) << bad;
  }
}

TEST(Netip, Prefix) {
  auto p = IpPrefix::parse("100.64.0.1/32");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->to_string(), "100.64.0.1/32");
  // Host bits are kept, as netip.ParsePrefix keeps them.
  auto q = IpPrefix::parse("10.1.2.3/8");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->to_string(), "10.1.2.3/8");
  EXPECT_EQ(q->masked().to_string(), "10.0.0.0/8");
  EXPECT_TRUE(q->contains(*IpAddr::parse("10.200.0.1")));
  EXPECT_FALSE(q->contains(*IpAddr::parse("11.0.0.1")));
  EXPECT_EQ(IpPrefix::parse("::/0")->to_string(), "::/0");
  EXPECT_EQ(IpPrefix::parse("fd7a:115c:a1e0::/48")->masked().to_string(), "fd7a:115c:a1e0::/48");
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/", "::/129",
                          "fe80::1%eth0/64", "10.0.0.0/+8", "10.0.0.0/a"}) {
    EXPECT_FALSE(IpPrefix::parse(bad).ok()) << bad;
  }
  EXPECT_EQ(IpPrefix{}.to_string(), "");
}

TEST(Netip, AddrPort) {
  EXPECT_EQ(AddrPort::parse("192.0.2.10:41641")->to_string(), "192.0.2.10:41641");
  EXPECT_EQ(AddrPort::parse("[2001:db8::10]:41641")->to_string(), "[2001:db8::10]:41641");
  EXPECT_EQ(AddrPort::parse("[fe80::1%eth0]:80")->to_string(), "[fe80::1%eth0]:80");
  EXPECT_EQ(AddrPort::parse("[::ffff:1.2.3.4]:80")->to_string(), "[::ffff:1.2.3.4]:80");
  EXPECT_EQ(AddrPort::parse("1.2.3.4:080")->port(), 80);
  for (const char* bad : {"1.2.3.4", "1.2.3.4:", ":80", "[1.2.3.4]:80", "2001:db8::1:80", "[::1:80", "1.2.3.4:65536",
                          "1.2.3.4:-1", "1.2.3.4:+1"}) {
    EXPECT_FALSE(AddrPort::parse(bad).ok()) << bad;
  }
  EXPECT_EQ(AddrPort{}.to_string(), "");
}

}  // namespace
}  // namespace latchkey::tailcfg
