// The `latchkey debug` subcommand group that every low-level interop tool
// (debug aum, tka-replay, noise-echo-server, noise-client) hangs under.
#pragma once

#include <CLI/CLI.hpp>

namespace latchkey::cli {

// The `debug` subcommand of `app`, created on first use.
CLI::App* debug_group(CLI::App& app);

}  // namespace latchkey::cli
