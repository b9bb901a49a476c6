// The shared `latchkey debug` group (see debug_group.h).
#include "cli/debug_group.h"

namespace latchkey::cli {

CLI::App* debug_group(CLI::App& app) {
  auto found = app.get_subcommands([](const CLI::App* sub) { return sub->get_name() == "debug"; });
  if (!found.empty()) return found.front();
  auto* debug = app.add_subcommand("debug", "low-level tools for interop checks");
  debug->require_subcommand(1);
  return debug;
}

}  // namespace latchkey::cli
