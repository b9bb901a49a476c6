// `latchkey serve` out of file descriptors, with real sockets: the real
// binary runs as a child whose open-file limit alone is lowered to 64, and
// the test holds more idle connections than that. With the connection cap
// set above the limit, accepts fail (EMFILE): the server pauses between
// attempts (5 ms doubling to 1 s), logs the failure at most once a second,
// stays nearly idle, and answers /health once the idle connections close.
// With the default cap, the cap is fitted below the limit and the excess is
// refused at once instead.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "server/server_fixture.h"

namespace latchkey::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// `latchkey serve` as a child process with RLIMIT_NOFILE lowered (soft and
// hard: serve raises the soft limit to the hard one); its output lines
// (stdout and stderr) are collected as they come.
class ServeChild {
 public:
  ServeChild(const std::string& config, rlim_t open_files) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close_range(3, ~0U, 0);  // nothing of the test's counts against the limit
      const rlimit files{open_files, open_files};
      if (::setrlimit(RLIMIT_NOFILE, &files) != 0) ::_exit(126);
      ::execl(LATCHKEY_BINARY, LATCHKEY_BINARY, "serve", "--config", config.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    reader_ = std::thread([this, fd = fds[0]] {
      std::string pending;
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) {
        pending.append(buf, static_cast<std::size_t>(n));
        std::lock_guard lock(mu_);
        for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
          lines_.push_back(pending.substr(0, nl));
          pending.erase(0, nl + 1);
        }
        cv_.notify_all();
      }
      ::close(fd);
      std::lock_guard lock(mu_);
      ended_ = true;
      cv_.notify_all();
    });
  }
  ~ServeChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable()) reader_.join();
  }
  pid_t pid() const { return pid_; }

  // Waits until a line contains `text`; that line, or "" after `limit`.
  std::string wait_for_line(std::string_view text, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mu_);
    std::string found;
    cv_.wait_for(lock, limit, [&] {
      for (const auto& l : lines_) {
        if (l.find(text) != std::string::npos) {
          found = l;
          return true;
        }
      }
      return ended_;
    });
    return found;
  }
  std::size_t count_lines(std::string_view text) {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& l : lines_) n += l.find(text) != std::string::npos ? 1 : 0;
    return n;
  }
  std::size_t line_count() {
    std::lock_guard lock(mu_);
    return lines_.size();
  }
  // The output so far, for failure messages (the first 40 lines).
  std::string all_lines() {
    std::lock_guard lock(mu_);
    std::string out;
    for (std::size_t i = 0; i < lines_.size() && i < 40; ++i) out += lines_[i] + "\n";
    if (lines_.size() > 40) out += "... (" + std::to_string(lines_.size() - 40) + " more lines)\n";
    return out;
  }

  // CPU time (user + system) the process has used so far.
  std::chrono::milliseconds cpu_time() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt (fields 3-13)
    long long utime = 0, stime = 0;
    fields >> utime >> stime;
    return std::chrono::milliseconds((utime + stime) * 1000 / ::sysconf(_SC_CLK_TCK));
  }

 private:
  pid_t pid_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool ended_ = false;
};

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  timeval tv{10, 0};  // a guard against a server that never answers
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

std::string read_to_end(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// GET /health on a new connection; the status line (or "" without answer).
std::string health(std::uint16_t port) {
  const int fd = connect_to(port);
  if (fd < 0) return "";
  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  const std::string answer = read_to_end(fd);
  ::close(fd);
  return answer.substr(0, answer.find("\r\n"));
}

std::string write_config(const testing::TempDir& dir, const std::string& extra) {
  const std::string path = (dir.path() / "config.yaml").string();
  std::ofstream(path) << "listen_addr: 127.0.0.1:0\nmetrics_listen_addr: \"\"\nlog_level: warn\n"
                      << "database: {type: sqlite, path: latchkey.db}\n"
                      << extra;
  return path;
}

std::uint16_t port_of(ServeChild& child) {
  const std::string line = child.wait_for_line("listening on 127.0.0.1:");
  const std::string marker = "listening on 127.0.0.1:";
  const auto p = line.find(marker);
  return p == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(line.substr(p + marker.size())));
}

constexpr int kIdleConnections = 80;
constexpr rlim_t kOpenFiles = 64;

TEST(DescriptorExhaustion, AcceptBacksOffLogsRarelyStaysIdleAndRecovers) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan's vptr check probes memory through a pipe it opens; with no
  // descriptor left the probe fails, and the check aborts the server at its
  // first log line as if the object were corrupt.
  GTEST_SKIP() << "a server built with the sanitizers cannot run out of descriptors";
#endif
  testing::TempDir dir;
  ServeChild child(write_config(dir, "limits: {max_connections: 100000, max_connections_per_address: 100000}\n"),
                   kOpenFiles);
  ASSERT_GT(child.pid(), 0);
  const std::uint16_t port = port_of(child);
  ASSERT_NE(port, 0) << child.all_lines();
  EXPECT_EQ(health(port), "HTTP/1.1 200 OK");

  std::vector<int> idle;
  for (int i = 0; i < kIdleConnections; ++i) {
    const int fd = connect_to(port);  // completes in the kernel's backlog even when not accepted
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  const std::string first = child.wait_for_line("accept failed");
  ASSERT_NE(first, "") << "the server never ran out of descriptors:\n" << child.all_lines();
  EXPECT_NE(first.find("Too many open files"), std::string::npos) << first;
  const auto t0 = Clock::now();
  const auto cpu0 = child.cpu_time();
  // The window: until the next report of the same failure, which says how
  // many were left out; with the failure logged at most once a second it
  // comes a second or more later.
  // (Without one within 10 s, the window is those 10 s.)
  const std::string second = child.wait_for_line("more since the last report");
  const auto window = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  const auto cpu = child.cpu_time() - cpu0;
  std::cout << "out of descriptors: window " << window.count() << " ms, server CPU " << cpu.count() << " ms, "
            << child.count_lines("accept failed") << " failure lines\n";
  EXPECT_NE(second, "") << "no rate-limited report";
  EXPECT_GE(window, 900ms);
  // A spinning accept loop keeps a core busy (30% of it here even while
  // blocked on writing its log into the test's pipe); pausing, ~1%.
  EXPECT_LT(cpu, window / 10) << "CPU " << cpu.count() << " ms over " << window.count() << " ms";

  for (int fd : idle) ::close(fd);
  const auto closed_at = Clock::now();
  EXPECT_EQ(health(port), "HTTP/1.1 200 OK") << child.all_lines();
  const auto recovered = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - closed_at);
  std::cout << "/health answered " << recovered.count() << " ms after the idle connections closed\n";
  EXPECT_LT(recovered, 3s);  // at most one pause of 1 s, then a few accepts

  // At most one failure line per second since the first (and one more).
  const auto elapsed_s = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - t0).count();
  EXPECT_LE(child.count_lines("accept failed"), static_cast<std::size_t>(elapsed_s + 2)) << child.all_lines();
  EXPECT_LE(child.line_count(), 40u) << child.all_lines();
}

TEST(DescriptorExhaustion, DefaultCapFitsTheLimitAndRefusesTheRestAtOnce) {
  testing::TempDir dir;
  ServeChild child(write_config(dir, ""), kOpenFiles);
  ASSERT_GT(child.pid(), 0);
  const std::uint16_t port = port_of(child);
  ASSERT_NE(port, 0) << child.all_lines();

  std::vector<int> idle;
  for (int i = 0; i < kIdleConnections; ++i) {
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  // The last one is over the cap (half of 64: too few descriptors to keep
  // the whole reserve of 64 free): closed without a byte, at once.
  const auto start = Clock::now();
  EXPECT_EQ(read_to_end(idle.back()), "");
  EXPECT_LT(Clock::now() - start, 5s);
  const std::string refused = child.wait_for_line("connection refused");
  EXPECT_NE(refused.find("32 connections open (max_connections)"), std::string::npos) << child.all_lines();
  EXPECT_EQ(child.count_lines("accept failed"), 0u) << child.all_lines();
  EXPECT_LE(child.count_lines("connection refused"), 3u) << child.all_lines();  // rate-limited

  // The cap frees up as the server reads the closes (a slow, sanitized
  // server may not have yet when the first request comes): serving again
  // within seconds is what is asked.
  for (int fd : idle) ::close(fd);
  std::string status;
  for (const auto deadline = Clock::now() + 10s; Clock::now() < deadline;) {
    if ((status = health(port)) == "HTTP/1.1 200 OK") break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, "HTTP/1.1 200 OK") << child.all_lines();
}

}  // namespace
}  // namespace latchkey::server
