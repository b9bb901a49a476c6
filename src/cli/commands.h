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
// Adds `users create|list|delete` (src/cli/users.cpp).
void add_users_commands(CLI::App& app);
// Adds `keys create|list|expire` (src/cli/keys.cpp).
void add_keys_commands(CLI::App& app);
// Adds `nodes list|register|delete|expire|rename` (src/cli/nodes.cpp).
void add_nodes_commands(CLI::App& app);
// Adds `up` (src/cli/up.cpp).
void add_up_command(CLI::App& app);
// Adds `lock status|log|disable` (src/cli/lock.cpp).
void add_lock_commands(CLI::App& app);
// Adds `debug tka-replay FILE` (src/cli/debug_tka_replay.cpp).
void add_debug_tka_replay_command(CLI::App& app);
// Adds `debug noise-echo-server` (src/cli/debug_noise_echo_server.cpp).
void add_debug_noise_echo_server_command(CLI::App& app);
// Adds `debug noise-client` (src/cli/debug_noise_client.cpp).
void add_debug_noise_client_command(CLI::App& app);
// Adds `status [--json] [--state DIR]` (src/cli/status.cpp).
void add_status_command(CLI::App& app);
// Adds `logout [--state DIR]` (src/cli/logout.cpp).
void add_logout_command(CLI::App& app);

}  // namespace latchkey::cli
