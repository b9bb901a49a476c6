#include "server/config_reload.h"

#include <set>

namespace latchkey::server {

ConfigReload plan_reload(const ServeConfig& running, const ServeConfig& reread) {
  ConfigReload r;
  r.log = reread.log;
  // The settings that apply on reload; every other one needs a restart.
  static const std::set<std::string> reloadable = {"log", "log_level"};
  std::set<std::string> keys;
  for (const auto& [k, v] : running.written) keys.insert(k);
  for (const auto& [k, v] : reread.written) keys.insert(k);
  for (const auto& k : keys) {
    if (reloadable.count(k)) continue;
    const auto a = running.written.find(k);
    const auto b = reread.written.find(k);
    const bool same = a != running.written.end() && b != reread.written.end() && a->second == b->second;
    if (!same) r.needs_restart.push_back(k);
  }
  return r;
}

}  // namespace latchkey::server
