#include "server/config_check.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "key/machine_key.h"

namespace latchkey::server {

namespace {

namespace fs = std::filesystem;

std::string directory_of(const std::string& path) {
  const auto parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// A directory that exists and that this process may create files in.
Status writable_directory(const std::string& dir, const std::string& setting, const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error{setting + ": the directory " + dir + " (for " + what + ") does not exist", ErrorKind::NotFound};
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Error{setting + ": cannot create files in " + dir + " (for " + what + "): " + std::strerror(errno),
                 ErrorKind::Unavailable};
  }
  return {};
}

// An existing key file must parse; a missing one is created at start.
Status private_key_file(const std::string& path, const std::string& setting) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return writable_directory(directory_of(path), setting, "the new key file " + path);
  std::ifstream f(path);
  if (!f) return Error{setting + ": cannot read " + path + ": " + std::strerror(errno), ErrorKind::Unavailable};
  std::string text;
  std::getline(f, text);
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (auto k = key::MachinePrivate::parse(text); !k) return Error{setting + ": " + path + ": " + k.message()};
  return {};
}

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> load_tls_context(const std::string& cert_path,
                                                                    const std::string& key_path) {
  namespace ssl = boost::asio::ssl;
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  tls->use_certificate_chain_file(cert_path, ec);
  if (ec) return Error{"tls.cert_path: " + cert_path + ": " + ec.message(), ErrorKind::Unavailable};
  tls->use_private_key_file(key_path, ssl::context::pem, ec);
  if (ec) return Error{"tls.key_path: " + key_path + ": " + ec.message(), ErrorKind::Unavailable};
  return tls;
}

Status check_serve_files(const ServeConfig& c) {
  if (auto st = private_key_file(c.noise_private_key_path, "noise_private_key_path"); !st) return st;
  if (auto st = private_key_file(c.legacy_private_key_path, "legacy_private_key_path"); !st) return st;
  if (!c.tls_cert_path.empty()) {
    if (auto tls = load_tls_context(c.tls_cert_path, c.tls_key_path); !tls) return tls.error();
  }
  if (c.database.backend == store::Backend::Sqlite) {
    const std::string& db = c.database.sqlite_path;
    std::error_code ec;
    if (fs::exists(db, ec)) {
      if (::access(db.c_str(), R_OK | W_OK) != 0) {
        return Error{"database.path: cannot read and write " + db + ": " + std::strerror(errno),
                     ErrorKind::Unavailable};
      }
    }
    // SQLite creates its -wal and -shm files next to the database.
    if (auto st = writable_directory(directory_of(db), "database.path", "the database " + db); !st) return st;
  }
  std::error_code ec;
  const std::string socket_dir = directory_of(c.admin_socket);
  if (!fs::is_directory(socket_dir, ec)) {
    return Error{"admin_socket: the directory " + socket_dir + " does not exist", ErrorKind::NotFound};
  }
  return {};
}

}  // namespace latchkey::server
