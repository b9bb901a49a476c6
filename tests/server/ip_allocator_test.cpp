// IpAllocator: sequential and random allocation, reserved addresses,
// addresses in use, exhaustion.
#include <gtest/gtest.h>

#include <set>

#include "server/ip_allocator.h"

namespace latchkey::server {
namespace {

using tailcfg::IpAddr;
using tailcfg::IpPrefix;

IpAllocator make(std::string_view v4, std::string_view v6, AllocationStrategy s) {
  std::optional<IpPrefix> p4, p6;
  if (!v4.empty()) p4 = *IpPrefix::parse(v4);
  if (!v6.empty()) p6 = *IpPrefix::parse(v6);
  auto a = IpAllocator::create(p4, p6, s);
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.message());
  return std::move(*a);
}

TEST(IpAllocator, SequentialDefaultsSkipUsedAndStartAfterNetworkAddress) {
  auto a = make("100.64.0.0/10", "fd7a:115c:a1e0::/48", AllocationStrategy::Sequential);
  a.mark_used(*IpAddr::parse("100.64.0.2"));
  a.mark_used(*IpAddr::parse("10.0.0.1"));  // outside: ignored
  auto p1 = a.allocate();
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->v4->to_string(), "100.64.0.1");
  EXPECT_EQ(p1->v6->to_string(), "fd7a:115c:a1e0::1");
  auto p2 = a.allocate();
  EXPECT_EQ(p2->v4->to_string(), "100.64.0.3");
  EXPECT_EQ(p2->v6->to_string(), "fd7a:115c:a1e0::2");
  EXPECT_TRUE(a.in_use(*p2->v4));
  a.release(*p1->v4);
  EXPECT_FALSE(a.in_use(*p1->v4));
}

TEST(IpAllocator, NeverHandsOutReservedAddresses) {
  // 100.100.100.0/24 holds the service address 100.100.100.100.
  auto a = make("100.100.100.0/24", "", AllocationStrategy::Sequential);
  std::set<IpAddr> seen;
  for (int i = 0; i < 253; ++i) {
    auto p = a.allocate();
    ASSERT_TRUE(p.ok()) << i;
    EXPECT_FALSE(p->v6);
    EXPECT_NE(p->v4->to_string(), "100.100.100.100");
    EXPECT_NE(p->v4->to_string(), "100.100.100.0");
    EXPECT_NE(p->v4->to_string(), "100.100.100.255");
    EXPECT_TRUE(seen.insert(*p->v4).second);
  }
  auto full = a.allocate();
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.message().find("no free address"), std::string::npos);

  auto b = make("100.115.92.0/23", "", AllocationStrategy::Random);  // all ChromeOS: nothing usable
  EXPECT_FALSE(b.allocate().ok());
  auto c = make("", "fd7a:115c:a1e0::50/124", AllocationStrategy::Sequential);
  for (int i = 0; i < 14; ++i) {
    auto p = c.allocate();
    ASSERT_TRUE(p.ok());
    EXPECT_NE(p->v6->to_string(), "fd7a:115c:a1e0::53");
  }
  EXPECT_FALSE(c.allocate().ok());
}

TEST(IpAllocator, RandomIsUniqueAndInsideThePrefix) {
  auto a = make("100.64.0.0/26", "fd7a:115c:a1e0::/48", AllocationStrategy::Random);
  const auto p4 = *IpPrefix::parse("100.64.0.0/26");
  const auto p6 = *IpPrefix::parse("fd7a:115c:a1e0::/48");
  std::set<IpAddr> seen;
  for (int i = 0; i < 62; ++i) {  // every usable address, including the scan fallback
    auto p = a.allocate();
    ASSERT_TRUE(p.ok()) << i;
    EXPECT_TRUE(p4.contains(*p->v4));
    EXPECT_TRUE(p6.contains(*p->v6));
    EXPECT_TRUE(seen.insert(*p->v4).second);
    EXPECT_TRUE(seen.insert(*p->v6).second);
  }
  EXPECT_FALSE(a.allocate().ok());
}

TEST(IpAllocator, BadConfiguration) {
  EXPECT_FALSE(IpAllocator::create(std::nullopt, std::nullopt, AllocationStrategy::Sequential).ok());
  EXPECT_FALSE(IpAllocator::create(*IpPrefix::parse("fd7a::/48"), std::nullopt, AllocationStrategy::Sequential).ok());
  EXPECT_FALSE(IpAllocator::create(*IpPrefix::parse("100.64.0.1/32"), std::nullopt, AllocationStrategy::Sequential).ok());
  EXPECT_TRUE(parse_allocation_strategy("random").ok());
  EXPECT_FALSE(parse_allocation_strategy("chaotic").ok());
}

}  // namespace
}  // namespace latchkey::server
