#include "transport/connection_limits.h"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace latchkey::transport {

std::size_t resolve_max_connections(const std::optional<std::size_t>& configured, std::uint64_t open_file_limit) {
  if (configured) return *configured;
  // Half the limit when it is too small to keep the whole reserve.
  const std::uint64_t fits = open_file_limit > 2 * kReservedDescriptors ? open_file_limit - kReservedDescriptors
                                                                        : open_file_limit / 2;
  return static_cast<std::size_t>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(kDefaultMaxConnections, fits)));
}

std::uint64_t open_file_limit() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return files.rlim_cur;
}

ConnectionQuota::Source ConnectionQuota::source_of(const boost::asio::ip::address& address) {
  if (address.is_v4()) return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
  Source bytes = address.to_v6().to_bytes();
  if (address.to_v6().is_v4_mapped()) return bytes;
  std::fill(bytes.begin() + 8, bytes.end(), std::uint8_t{0});  // the /64
  return bytes;
}

Admission ConnectionQuota::admit(const boost::asio::ip::address& address) {
  if (open_ >= max_total_) return Admission::OverTotal;
  std::size_t& from = per_source_[source_of(address)];
  if (from >= max_per_address_) {
    if (from == 0) per_source_.erase(source_of(address));
    return Admission::OverPerAddress;
  }
  ++from;
  ++open_;
  return Admission::Admitted;
}

void ConnectionQuota::release(const boost::asio::ip::address& address) {
  auto it = per_source_.find(source_of(address));
  if (it == per_source_.end()) return;
  if (--it->second == 0) per_source_.erase(it);
  --open_;
}

}  // namespace latchkey::transport
