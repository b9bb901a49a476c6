#include "proc_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
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

namespace {

// Calls f(name) for every entry of /proc/<pid>/fd but . and ..
template <class F>
Status for_each_fd(pid_t pid, F f) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Error{"cannot read " + dir, ErrorKind::Unavailable};
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    f(dir, e->d_name);
  }
  ::closedir(d);
  return {};
}

}  // namespace

Result<std::size_t> count_open_fds(pid_t pid) {
  std::size_t n = 0;
  auto st = for_each_fd(pid, [&](const std::string&, const char*) { ++n; });
  if (!st) return st.error();
  return n;
}

Result<std::map<std::string, std::size_t>> open_fd_kinds(pid_t pid) {
  std::map<std::string, std::size_t> kinds;
  auto st = for_each_fd(pid, [&](const std::string& dir, const char* name) {
    std::array<char, 512> target{};
    const auto path = dir + "/" + name;
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size() - 1);
    if (n <= 0) return;  // closed meanwhile
    std::string what(target.data(), static_cast<std::size_t>(n));
    if (what.rfind("socket:", 0) == 0) what = "socket";
    ++kinds[what];
  });
  if (!st) return st.error();
  return kinds;
}

Result<long> open_file_limit(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/limits";
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream fields(line.substr(14));
    std::string soft;
    fields >> soft;
    if (soft == "unlimited") return -1L;
    try {
      return std::stol(soft);
    } catch (const std::exception&) {
      break;
    }
  }
  return Error{"no open file limit in " + path, ErrorKind::Unavailable};
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
