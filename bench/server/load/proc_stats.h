// ProcStats: a process's CPU time (utime + stime from /proc/<pid>/stat) and
// memory (VmRSS, VmHWM from /proc/<pid>/status), so the load tools can charge
// the server process alone for what it used; and its open file descriptors
// (/proc/<pid>/fd) and their limit (/proc/<pid>/limits).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>

#include "base/result.h"

namespace latchkey::load {

struct ProcStats {
  double cpu_seconds = 0;  // user + system
  long rss_kib = 0;
  long hwm_kib = 0;        // peak RSS
};

Result<ProcStats> read_proc_stats(pid_t pid);

// How many file descriptors the process has open.
Result<std::size_t> count_open_fds(pid_t pid);
// Its open descriptors by what they refer to ("socket:[123]" is counted as
// "socket", "anon_inode:[eventfd]" as it is, files by path), for reports.
Result<std::map<std::string, std::size_t>> open_fd_kinds(pid_t pid);
// The soft limit on open files of a process ("Max open files").
Result<long> open_file_limit(pid_t pid);

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft
// limit.
long raise_open_file_limit();

}  // namespace latchkey::load
