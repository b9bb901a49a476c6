#include "server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace latchkey::load {

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended (status " + std::to_string(status) + ")";
}

}  // namespace

Result<ServerProcess> ServerProcess::start(const ServerProcessOptions& o) {
  const auto config = o.work_dir / "config.yaml";
  {
    std::ofstream c(config);
    c << "listen_addr: 127.0.0.1:0\n"
      << "metrics_listen_addr: \"\"\n"
      << "log_level: " << o.log_level << "\n"
      << "threads: " << o.threads << "\n"
      << "database: {type: sqlite, path: " << database_path(o.work_dir).filename().string() << "}\n";
    if (o.max_connections_per_address) {
      c << "limits: {max_connections_per_address: " << *o.max_connections_per_address << "}\n";
    }
    if (!c) return Error{"cannot write " + config.string(), ErrorKind::Unavailable};
  }
  const auto log = o.work_dir / "server.log";
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{"cannot create " + log.string(), ErrorKind::Unavailable};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    return Error{"fork failed", ErrorKind::Unavailable};
  }
  if (pid == 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(o.binary.c_str(), o.binary.c_str(), "serve", "--config", config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fd);
  ServerProcess p(pid, 0, log);
  const auto deadline = std::chrono::steady_clock::now() + o.start_timeout;
  const std::string marker = "listening on 127.0.0.1:";
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = read_file(log);
    if (auto at = text.find(marker); at != std::string::npos) {
      const auto digits = text.substr(at + marker.size(), 5);
      p.port_ = static_cast<std::uint16_t>(std::stoi(digits));
      return p;
    }
    if (!p.running()) return Error{"latchkey serve ended before listening: " + p.log_tail(), ErrorKind::Unavailable};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  p.stop();
  return Error{"latchkey serve did not report its port in time: " + p.log_tail(), ErrorKind::Unavailable};
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop();
}

bool ServerProcess::running() const {
  if (pid_ <= 0 || reaped_) return false;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

std::string ServerProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return "not running";
  const bool alive = running();
  const pid_t pid = pid_;
  pid_ = -1;
  if (!alive) return "had " + describe_status(status_);
  int status = 0;
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return describe_status(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return "did not stop on SIGTERM; " + describe_status(status);
}

std::string ServerProcess::log_tail(std::size_t max_bytes) const {
  std::string text = read_file(log_);
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

}  // namespace latchkey::load
