// A fresh directory under the system temp dir (mkdtemp), removed with all it
// holds when the object goes: one helper for the suites that need a real
// directory instead of each writing its own.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace latchkey::test_util {

class TempDir {
 public:
  // The directory is named "<prefix>-XXXXXX".
  explicit TempDir(std::string_view prefix = "latchkey") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty when mkdtemp failed (tests assert on it).
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace latchkey::test_util
