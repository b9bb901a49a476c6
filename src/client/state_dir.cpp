#include "client/state_dir.h"

#include <cstdlib>

namespace latchkey::client {

Result<std::string> default_state_dir() {
  return default_state_dir(std::getenv("XDG_STATE_HOME"), std::getenv("HOME"));
}

Result<std::string> default_state_dir(const char* xdg_state_home, const char* home) {
  if (xdg_state_home != nullptr && xdg_state_home[0] == '/') return std::string(xdg_state_home) + "/latchkey";
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.local/state/latchkey";
  return Error{"no state directory: neither XDG_STATE_HOME nor HOME is set to an absolute path (give --state DIR)"};
}

std::string status_socket_path(const std::string& state_dir) {
  if (!state_dir.empty() && state_dir.back() == '/') return state_dir + "latchkey.sock";
  return state_dir + "/latchkey.sock";
}

}  // namespace latchkey::client
