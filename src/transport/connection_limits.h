// ConnectionLimits: how many connections a TS2021 server holds at once, in
// total and from one source address, and ConnectionQuota, the count of open
// connections that decides whether one more is admitted. A connection over
// either cap is closed right after accept, before any byte is read: holding
// idle connections (each waits up to the handshake timeout) is the cheapest
// way to exhaust a server's descriptors, and the per-address cap keeps one
// host from taking the whole total. No upstream equivalent (Go's net/http
// has none; headscale relies on a proxy in front).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include <boost/asio/ip/address.hpp>

namespace latchkey::transport {

// Defaults. Total: four times the largest tailnet measured on one server
// (5,000 nodes, each holding one long-lived control connection; see
// docs/performance.md), about 0.6 GiB at ~30 KiB per idle session; lowered
// to fit the process's open-file limit when that is smaller
// (resolve_max_connections). Per address: a site behind one NAT address (an
// office, carrier-grade NAT) holds one connection per device, plus short
// ones while devices log in; 1024 leaves room for such a site while one
// host can hold at most about 5% of the total.
inline constexpr std::size_t kDefaultMaxConnections = 20000;
inline constexpr std::size_t kDefaultMaxConnectionsPerAddress = 1024;
// Descriptors the default total leaves free for everything else the server
// opens: database files, the admin socket and its clients, listeners, the
// event loop.
inline constexpr std::size_t kReservedDescriptors = 64;

struct ConnectionLimits {
  // Unset: kDefaultMaxConnections, lowered to the open-file limit minus
  // kReservedDescriptors.
  std::optional<std::size_t> max_connections;
  std::size_t max_connections_per_address = kDefaultMaxConnectionsPerAddress;
};

// The total cap in effect: the configured one, or the default fitted to
// `open_file_limit` (the soft RLIMIT_NOFILE; at least 1).
std::size_t resolve_max_connections(const std::optional<std::size_t>& configured, std::uint64_t open_file_limit);
// The process's soft open-file limit (RLIMIT_NOFILE).
std::uint64_t open_file_limit();

enum class Admission { Admitted, OverTotal, OverPerAddress };

// Open connections, in total and per source. Sources are IPv4 addresses
// (IPv4-mapped IPv6 ones included) and IPv6 /64 prefixes: one IPv6 host is
// usually given a whole /64. Not thread-safe.
class ConnectionQuota {
 public:
  ConnectionQuota(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // Counts a connection from `address` as open, or says which cap it is over.
  Admission admit(const boost::asio::ip::address& address);
  // A connection admitted from `address` ended.
  void release(const boost::asio::ip::address& address);

 private:
  using Source = std::array<std::uint8_t, 16>;
  static Source source_of(const boost::asio::ip::address& address);

  std::size_t max_total_;
  std::size_t max_per_address_;
  std::size_t open_ = 0;
  std::map<Source, std::size_t> per_source_;
};

}  // namespace latchkey::transport
