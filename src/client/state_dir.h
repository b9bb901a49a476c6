// Where `latchkey up` keeps its state (identity, lock storage, the status
// socket) when --state does not say, and where in it the status socket is;
// shared with `latchkey status`, which has to find that socket. Follows the
// XDG base directory rules: $XDG_STATE_HOME/latchkey when XDG_STATE_HOME is
// an absolute path (a relative one is ignored, as the spec says), else
// ~/.local/state/latchkey.
#pragma once

#include <string>

#include "base/result.h"

namespace latchkey::client {

// From the process environment.
Result<std::string> default_state_dir();
// From the given values of XDG_STATE_HOME and HOME (null: unset).
Result<std::string> default_state_dir(const char* xdg_state_home, const char* home);

// "<state_dir>/latchkey.sock": the socket `latchkey up` serves GET /status
// and GET /metrics on.
std::string status_socket_path(const std::string& state_dir);

}  // namespace latchkey::client
