#include "server/heap_release.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace latchkey::server {

bool HeapRelease::tick(std::uint64_t map_bytes_total, Clock::time_point now) {
  if (map_bytes_total != seen_bytes_) {
    seen_bytes_ = map_bytes_total;
    last_traffic_ = now;
    if (last_release_ == Clock::time_point{}) last_release_ = now;
  }
  if (seen_bytes_ == released_bytes_) return false;
  const bool quiet = now - last_traffic_ >= quiet_;
  const bool overdue = now - last_release_ >= max_interval_;
  if (!quiet && !overdue) return false;
  released_bytes_ = seen_bytes_;
  last_release_ = now;
#if defined(__GLIBC__)
  (void)::malloc_trim(0);
  return true;
#else
  return false;
#endif
}

}  // namespace latchkey::server
