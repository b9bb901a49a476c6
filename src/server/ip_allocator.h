// IpAllocator: hands out tailnet addresses from one IPv4 and one IPv6
// prefix (defaults 100.64.0.0/10 and fd7a:115c:a1e0::/48, as upstream's
// tsaddr CGNAT and ULA ranges), sequentially or at random, never an address
// in use and never one Tailscale reserves (the network and broadcast
// addresses, 100.100.100.100, the ChromeOS VM range 100.115.92.0/23,
// fd7a:115c:a1e0::53). Mirrors headscale's hscontrol/db/ip.go IPAllocator.
// Sans-IO; the caller marks addresses already held by stored nodes.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

#include "base/result.h"
#include "tailcfg/netip.h"

namespace latchkey::server {

enum class AllocationStrategy { Sequential, Random };
Result<AllocationStrategy> parse_allocation_strategy(std::string_view text);  // "sequential" | "random"

class IpAllocator {
 public:
  // Either prefix may be absent (no addresses of that family). Prefixes are
  // masked; at most 64 host bits of a prefix are used.
  static Result<IpAllocator> create(std::optional<tailcfg::IpPrefix> v4, std::optional<tailcfg::IpPrefix> v6,
                                    AllocationStrategy strategy);

  // Records an address as taken (from the database at start). Addresses
  // outside both prefixes are ignored.
  void mark_used(const tailcfg::IpAddr& a);
  void release(const tailcfg::IpAddr& a);
  bool in_use(const tailcfg::IpAddr& a) const;

  struct Pair {
    std::optional<tailcfg::IpAddr> v4;
    std::optional<tailcfg::IpAddr> v6;
  };
  // Takes one free address of each configured family; fails when a prefix
  // is exhausted (nothing is taken then).
  Result<Pair> allocate();

  const std::optional<tailcfg::IpPrefix>& v4_prefix() const { return v4_.prefix; }
  const std::optional<tailcfg::IpPrefix>& v6_prefix() const { return v6_.prefix; }

 private:
  struct Pool {
    std::optional<tailcfg::IpPrefix> prefix;
    std::uint64_t size = 0;    // host offsets 0..size-1 (capped at 2^64-1)
    std::uint64_t cursor = 1;  // next offset the sequential strategy tries
    std::set<tailcfg::IpAddr> used;
  };
  static Result<Pool> make_pool(std::optional<tailcfg::IpPrefix> p, int family_bits);
  static tailcfg::IpAddr at(const Pool& pool, std::uint64_t offset);
  static bool reserved(const Pool& pool, std::uint64_t offset, const tailcfg::IpAddr& a);
  Result<tailcfg::IpAddr> take(Pool& pool);

  Pool v4_;
  Pool v6_;
  AllocationStrategy strategy_ = AllocationStrategy::Sequential;
};

}  // namespace latchkey::server
