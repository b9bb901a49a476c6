#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"latchkey: self-hostable Tailscale control plane with Tailnet Lock"};
  app.require_subcommand(1);
  latchkey::cli::add_version_commands(app);
  latchkey::cli::add_debug_aum_command(app);
  latchkey::cli::add_serve_command(app);
  latchkey::cli::add_users_commands(app);
  latchkey::cli::add_keys_commands(app);
  latchkey::cli::add_nodes_commands(app);
  latchkey::cli::add_lock_commands(app);
  latchkey::cli::add_up_command(app);
  latchkey::cli::add_status_command(app);
  latchkey::cli::add_logout_command(app);
  latchkey::cli::add_debug_tka_replay_command(app);
  latchkey::cli::add_debug_noise_echo_server_command(app);
  latchkey::cli::add_debug_noise_client_command(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
