#include "proc_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace latchkey::load {

Result<ProcStats> read_proc_stats(pid_t pid) {
  ProcStats s;
  const std::string base = "/proc/" + std::to_string(pid);
  std::ifstream stat(base + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return Error{"cannot read " + base + "/stat", ErrorKind::Unavailable};
  // The command name (field 2) is in parentheses and may hold spaces; the
  // fields after the last ')' start at field 3 (state).
  const auto close = line.rfind(')');
  if (close == std::string::npos) return Error{"unexpected format of " + base + "/stat"};
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  const long ticks = ::sysconf(_SC_CLK_TCK);
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks > 0 ? ticks : 100);

  std::ifstream status(base + "/status");
  while (std::getline(status, line)) {
    auto value = [&] { return std::stol(line.substr(line.find(':') + 1)); };
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = value();
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kib = value();
  }
  return s;
}

long raise_open_file_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return -1;
  if (r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &r);
    (void)::getrlimit(RLIMIT_NOFILE, &r);
  }
  return static_cast<long>(r.rlim_cur);
}

}  // namespace latchkey::load
