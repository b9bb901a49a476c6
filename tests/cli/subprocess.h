// Running the latchkey binary from tests: a child process with its stdout
// and stderr captured, lines read with a deadline, and a clean kill.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace latchkey::cli::testing {

class Subprocess {
 public:
  explicit Subprocess(std::vector<std::string> args) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return;
    // argv is built before the fork: the child of a multi-threaded test may
    // only make async-signal-safe calls until exec (an allocation there can
    // wait forever on an allocator lock another thread held at the fork —
    // seen under ASan as a test that never returned).
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~Subprocess() {
    kill(SIGKILL);
    wait();
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
  }
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }

  // The next line of stdout (without the newline), or nullopt at EOF or
  // when `timeout` passes first.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = out_buf_.find('\n'); nl != std::string::npos) {
        std::string line = out_buf_.substr(0, nl);
        out_buf_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      out_buf_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // Waits for the exit (after reading all output); the exit status, or -1
  // when killed by a signal.
  int wait() {
    if (pid_ <= 0) return exit_code_;
    drain(out_, out_buf_);
    drain(err_, err_buf_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }
  void kill(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  // Output not yet consumed by read_line (complete after wait()).
  const std::string& out() const { return out_buf_; }
  const std::string& err() const { return err_buf_; }

 private:
  static void drain(int fd, std::string& into) {
    if (fd < 0) return;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) into.append(buf, static_cast<std::size_t>(n));
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  int exit_code_ = -1;
  std::string out_buf_;
  std::string err_buf_;
};

}  // namespace latchkey::cli::testing
