// ServerProcess: `latchkey serve` run as a child process for the load tool —
// a config file in a work directory (127.0.0.1, port chosen by the kernel,
// SQLite next to it), output to server.log there, the bound port read back
// from the banner, SIGTERM to stop. Running the server apart keeps the
// simulated clients' CPU and memory out of the server's /proc figures.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"

namespace latchkey::load {

struct ServerProcessOptions {
  std::string binary;             // the latchkey executable
  std::filesystem::path work_dir;  // config.yaml, latchkey.db, keys, server.log
  int threads = 2;
  std::string log_level = "warn";
  std::chrono::seconds start_timeout{30};
  // limits.max_connections_per_address, when set: every simulated node
  // connects from 127.0.0.1. Unset, the config leaves the key out (binaries
  // before the key existed refuse it).
  std::optional<std::size_t> max_connections_per_address;
};

class ServerProcess {
 public:
  // The database file the config names (write users and keys there first).
  static std::filesystem::path database_path(const std::filesystem::path& work_dir) {
    return work_dir / "latchkey.db";
  }

  static Result<ServerProcess> start(const ServerProcessOptions& options);
  ServerProcess(ServerProcess&& o) noexcept
      : pid_(o.pid_), port_(o.port_), log_(std::move(o.log_)), reaped_(o.reaped_), status_(o.status_) {
    o.pid_ = -1;
  }
  ServerProcess& operator=(ServerProcess&&) = delete;
  ServerProcess(const ServerProcess&) = delete;
  ~ServerProcess();

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  bool running() const;
  // SIGTERM, then SIGKILL after `grace`. Returns a description of how it ended.
  std::string stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // The last lines of server.log (for failure reports).
  std::string log_tail(std::size_t max_bytes = 2000) const;

 private:
  ServerProcess(pid_t pid, std::uint16_t port, std::filesystem::path log) : pid_(pid), port_(port), log_(std::move(log)) {}
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::filesystem::path log_;
  mutable bool reaped_ = false;  // waitpid already collected the exit status
  mutable int status_ = 0;
};

}  // namespace latchkey::load
