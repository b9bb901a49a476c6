#include "server/ip_allocator.h"

#include <array>
#include <limits>

#include "crypto/random.h"

namespace latchkey::server {

using tailcfg::IpAddr;
using tailcfg::IpPrefix;

Result<AllocationStrategy> parse_allocation_strategy(std::string_view text) {
  if (text == "sequential" || text.empty()) return AllocationStrategy::Sequential;
  if (text == "random") return AllocationStrategy::Random;
  return Error{"allocation strategy must be \"sequential\" or \"random\", got \"" + std::string(text) + "\""};
}

Result<IpAllocator::Pool> IpAllocator::make_pool(std::optional<IpPrefix> p, int family_bits) {
  Pool pool;
  if (!p) return pool;
  if (!p->is_valid() || p->addr().bit_len() != family_bits) {
    return Error{"prefix " + p->to_string() + " is not an IPv" + (family_bits == 32 ? "4" : "6") + " prefix"};
  }
  const int host_bits = family_bits - p->bits();
  if (host_bits < 2) return Error{"prefix " + p->to_string() + " is too small to allocate from"};
  pool.prefix = p->masked();
  pool.size = host_bits >= 64 ? std::numeric_limits<std::uint64_t>::max() : (std::uint64_t{1} << host_bits);
  return pool;
}

Result<IpAllocator> IpAllocator::create(std::optional<IpPrefix> v4, std::optional<IpPrefix> v6,
                                        AllocationStrategy strategy) {
  if (!v4 && !v6) return Error{"at least one of the IPv4 and IPv6 prefixes must be configured"};
  IpAllocator a;
  auto p4 = make_pool(std::move(v4), 32);
  if (!p4) return p4.error();
  auto p6 = make_pool(std::move(v6), 128);
  if (!p6) return p6.error();
  a.v4_ = std::move(*p4);
  a.v6_ = std::move(*p6);
  a.strategy_ = strategy;
  return a;
}

IpAddr IpAllocator::at(const Pool& pool, std::uint64_t offset) {
  const IpAddr& base = pool.prefix->addr();
  if (base.is_v4()) return IpAddr::v4(static_cast<std::uint32_t>(base.v4_host_order() + offset));
  std::array<std::uint8_t, 16> b = base.bytes();
  // Host bits of a masked base are zero, and offset < 2^host_bits, so adding
  // into the low 8 bytes never carries into the network part.
  for (int i = 15; i >= 8; --i) {
    b[static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>(b[static_cast<std::size_t>(i)] | ((offset >> (8 * (15 - i))) & 0xff));
  }
  return IpAddr::v6(b);
}

bool IpAllocator::reserved(const Pool& pool, std::uint64_t offset, const IpAddr& a) {
  if (offset == 0) return true;  // the network address
  if (a.is_v4()) {
    if (offset == pool.size - 1) return true;  // broadcast
    const std::uint32_t h = a.v4_host_order();
    if (h == 0x64646464u) return true;                   // 100.100.100.100, the service IP
    if ((h & 0xfffffe00u) == 0x64735c00u) return true;   // 100.115.92.0/23, ChromeOS VMs
    return false;
  }
  static const IpAddr kServiceV6 = *IpAddr::parse("fd7a:115c:a1e0::53");
  return a == kServiceV6;
}

void IpAllocator::mark_used(const IpAddr& a) {
  for (Pool* p : {&v4_, &v6_}) {
    if (p->prefix && p->prefix->contains(a)) p->used.insert(a);
  }
}

void IpAllocator::release(const IpAddr& a) {
  v4_.used.erase(a);
  v6_.used.erase(a);
}

bool IpAllocator::in_use(const IpAddr& a) const { return v4_.used.count(a) > 0 || v6_.used.count(a) > 0; }

Result<IpAddr> IpAllocator::take(Pool& pool) {
  if (strategy_ == AllocationStrategy::Random) {
    for (int attempt = 0; attempt < 64; ++attempt) {
      std::uint64_t r = 0;
      crypto::random_bytes({reinterpret_cast<std::uint8_t*>(&r), sizeof r});
      const std::uint64_t offset = pool.size == std::numeric_limits<std::uint64_t>::max() ? r : r % pool.size;
      IpAddr a = at(pool, offset);
      if (!reserved(pool, offset, a) && pool.used.count(a) == 0) {
        pool.used.insert(a);
        return a;
      }
    }
    // A nearly full pool: fall through to a scan.
  }
  // Sequential: from the cursor onwards, wrapping once.
  const std::uint64_t limit = pool.size - 1;
  std::uint64_t offset = pool.cursor;
  for (std::uint64_t tried = 0; tried < limit; ++tried) {
    if (offset >= limit + 1 || offset == 0) offset = 1;
    IpAddr a = at(pool, offset);
    if (!reserved(pool, offset, a) && pool.used.count(a) == 0) {
      pool.used.insert(a);
      pool.cursor = offset + 1;
      return a;
    }
    ++offset;
  }
  return Error{"no free address left in " + pool.prefix->to_string()};
}

Result<IpAllocator::Pair> IpAllocator::allocate() {
  Pair out;
  if (v4_.prefix) {
    auto a = take(v4_);
    if (!a) return a.error();
    out.v4 = *a;
  }
  if (v6_.prefix) {
    auto a = take(v6_);
    if (!a) {
      if (out.v4) v4_.used.erase(*out.v4);
      return a.error();
    }
    out.v6 = *a;
  }
  return out;
}

}  // namespace latchkey::server
