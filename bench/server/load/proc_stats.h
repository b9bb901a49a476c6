// ProcStats: a process's CPU time (utime + stime from /proc/<pid>/stat) and
// memory (VmRSS, VmHWM from /proc/<pid>/status), so the load tool can charge
// the server process alone for what it used.
#pragma once

#include <sys/types.h>

#include "base/result.h"

namespace latchkey::load {

struct ProcStats {
  double cpu_seconds = 0;  // user + system
  long rss_kib = 0;
  long hwm_kib = 0;        // peak RSS
};

Result<ProcStats> read_proc_stats(pid_t pid);

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft
// limit.
long raise_open_file_limit();

}  // namespace latchkey::load
