// Loading or creating a control key file (see control_key_file.h).
#include "cli/control_key_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace latchkey::cli {
namespace {

// Longer than any key line; a bigger file is not a key file.
constexpr std::size_t kMaxKeyFileBytes = 4096;

Result<key::MachinePrivate> read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"key file " + path + ": cannot open: " + std::strerror(errno)};
  std::string text(kMaxKeyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxKeyFileBytes) return Error{"key file " + path + ": too large for a key"};
  std::string_view t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  auto k = key::MachinePrivate::parse(t);
  if (!k) return Error{"key file " + path + ": want privkey:<hex>: " + k.message()};
  if (k->is_zero()) return Error{"key file " + path + ": the zero key is not a key"};
  return std::move(*k);
}

}  // namespace

Result<key::MachinePrivate> load_or_create_control_key(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_key_file(path);
    return Error{"key file " + path + ": cannot create: " + std::strerror(errno)};
  }
  const key::MachinePrivate fresh = key::MachinePrivate::generate();
  const std::string line = fresh.to_string() + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(path.c_str());
      return Error{"key file " + path + ": write failed: " + why};
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const std::string why = synced ? std::string() : std::strerror(errno);
  if (::close(fd) != 0 || !synced) return Error{"key file " + path + ": cannot sync: " + why};
  return fresh;
}

}  // namespace latchkey::cli
