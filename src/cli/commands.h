// Registration of the latchkey subcommands on a CLI11 app. Each command file
// adds its own subcommand; main() only wires them together.
#pragma once

#include <CLI/CLI.hpp>

namespace latchkey::cli {

// Adds `version` and `selfcheck`.
void add_version_commands(CLI::App& app);
// Adds `debug aum <hex>` (src/cli/debug_aum.cpp).
void add_debug_aum_command(CLI::App& app);
// Adds `serve [--config FILE]` (src/cli/serve.cpp).
void add_serve_command(CLI::App& app);

}  // namespace latchkey::cli
