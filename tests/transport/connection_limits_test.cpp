// ConnectionQuota and the default total cap: the total and per-source caps,
// sources as IPv4 addresses and IPv6 /64 prefixes, release, and the default
// fitted to the open-file limit.
#include <gtest/gtest.h>

#include "transport/connection_limits.h"

namespace latchkey::transport {
namespace {

boost::asio::ip::address addr(const char* text) { return boost::asio::ip::make_address(text); }

TEST(ConnectionQuota, PerAddressCapThenReleaseAdmitsAgain) {
  ConnectionQuota q(100, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q.admit(addr("192.0.2.1")), Admission::Admitted);
  EXPECT_EQ(q.admit(addr("192.0.2.1")), Admission::OverPerAddress);
  EXPECT_EQ(q.admit(addr("192.0.2.2")), Admission::Admitted);  // another address has its own count
  q.release(addr("192.0.2.1"));
  EXPECT_EQ(q.admit(addr("192.0.2.1")), Admission::Admitted);
  EXPECT_EQ(q.admit(addr("192.0.2.1")), Admission::OverPerAddress);
}

TEST(ConnectionQuota, TotalCapCountsEveryAddress) {
  ConnectionQuota q(2, 10);
  EXPECT_EQ(q.admit(addr("192.0.2.1")), Admission::Admitted);
  EXPECT_EQ(q.admit(addr("2001:db8::1")), Admission::Admitted);
  EXPECT_EQ(q.admit(addr("192.0.2.3")), Admission::OverTotal);
  q.release(addr("2001:db8::1"));
  EXPECT_EQ(q.admit(addr("192.0.2.3")), Admission::Admitted);
  EXPECT_EQ(q.admit(addr("192.0.2.4")), Admission::OverTotal);
}

TEST(ConnectionQuota, Ipv6CountsPerSlash64AndMappedIpv4AsIpv4) {
  ConnectionQuota q(100, 2);
  EXPECT_EQ(q.admit(addr("2001:db8:1:2::1")), Admission::Admitted);
  EXPECT_EQ(q.admit(addr("2001:db8:1:2:ffff::9")), Admission::Admitted);
  EXPECT_EQ(q.admit(addr("2001:db8:1:2:1234::7")), Admission::OverPerAddress);  // same /64
  EXPECT_EQ(q.admit(addr("2001:db8:1:3::1")), Admission::Admitted);             // the next /64
  EXPECT_EQ(q.admit(addr("198.51.100.7")), Admission::Admitted);
  EXPECT_EQ(q.admit(addr("::ffff:198.51.100.7")), Admission::Admitted);
  EXPECT_EQ(q.admit(addr("198.51.100.7")), Admission::OverPerAddress);
  // Other IPv4 addresses (same first 8 bytes of the mapped form) are not one /64.
  EXPECT_EQ(q.admit(addr("198.51.100.8")), Admission::Admitted);
}

TEST(ConnectionQuota, RefusalsLeaveNoCount) {
  ConnectionQuota q(1, 1);
  EXPECT_EQ(q.admit(addr("192.0.2.1")), Admission::Admitted);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(q.admit(addr("192.0.2.1")), Admission::OverTotal);
  q.release(addr("192.0.2.1"));
  EXPECT_EQ(q.admit(addr("192.0.2.2")), Admission::Admitted);
  ConnectionQuota per(10, 1);
  EXPECT_EQ(per.admit(addr("192.0.2.1")), Admission::Admitted);
  EXPECT_EQ(per.admit(addr("192.0.2.1")), Admission::OverPerAddress);
  per.release(addr("192.0.2.1"));
  EXPECT_EQ(per.admit(addr("192.0.2.1")), Admission::Admitted);
}

TEST(ConnectionLimits, DefaultTotalFitsTheOpenFileLimit) {
  EXPECT_EQ(resolve_max_connections(std::nullopt, 1 << 20), kDefaultMaxConnections);
  EXPECT_EQ(resolve_max_connections(std::nullopt, 1024), 1024 - kReservedDescriptors);
  EXPECT_EQ(resolve_max_connections(std::nullopt, kDefaultMaxConnections + kReservedDescriptors),
            kDefaultMaxConnections);
  EXPECT_EQ(resolve_max_connections(std::nullopt, 64), 32u);  // too small for the reserve: half
  EXPECT_EQ(resolve_max_connections(std::nullopt, 1), 1u);
  // A configured cap is taken as it is.
  EXPECT_EQ(resolve_max_connections(std::size_t{50000}, 1024), 50000u);
  EXPECT_GE(open_file_limit(), 1u);
}

}  // namespace
}  // namespace latchkey::transport
