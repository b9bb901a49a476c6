// HeapRelease: gives memory the server freed back to the system once a
// burst of large messages is over. Full maps of a big tailnet are megabytes
// each and a crowd of nodes coming online produces thousands of them, plus
// the transport's per-write buffers; glibc keeps such freed memory in its
// heaps (only the top of a heap shrinks on free), so an idle server would
// keep its peak footprint. After `quiet` without new map traffic (and at
// most every `max_interval` under constant traffic) this calls glibc's
// malloc_trim. A no-op on other C libraries. No upstream equivalent (Go's
// runtime returns memory by itself).
#pragma once

#include <chrono>
#include <cstdint>

namespace latchkey::server {

class HeapRelease {
 public:
  using Clock = std::chrono::steady_clock;
  explicit HeapRelease(std::chrono::milliseconds quiet = std::chrono::seconds(1),
                       std::chrono::milliseconds max_interval = std::chrono::seconds(30))
      : quiet_(quiet), max_interval_(max_interval) {}

  // Call periodically with the running total of map bytes sent. Returns
  // whether it released memory this time.
  bool tick(std::uint64_t map_bytes_total, Clock::time_point now);

 private:
  std::chrono::milliseconds quiet_;
  std::chrono::milliseconds max_interval_;
  std::uint64_t seen_bytes_ = 0;        // total at the last call
  std::uint64_t released_bytes_ = 0;    // total at the last release
  Clock::time_point last_traffic_{};
  Clock::time_point last_release_{};
};

}  // namespace latchkey::server
