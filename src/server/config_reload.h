// What SIGHUP does to a running `latchkey serve`: the config file is read
// again; the log level and format take effect at once, and every other
// setting that changed is named as needing a restart (the listeners,
// database, keys and tailnet settings are fixed while the server runs).
// A file that no longer parses changes nothing.
#pragma once

#include <string>
#include <vector>

#include "server/serve_config.h"

namespace latchkey::server {

struct ConfigReload {
  LogSettings log;                          // to apply now
  std::vector<std::string> needs_restart;   // top-level settings, sorted
};

// Compares the running configuration with the file as read again.
ConfigReload plan_reload(const ServeConfig& running, const ServeConfig& reread);

}  // namespace latchkey::server
