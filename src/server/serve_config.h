// The `latchkey serve` configuration file (YAML; documented example in
// docs/config.example.yaml) and what it resolves to: listen address, server
// URL, key files, TLS files, database, address prefixes, DNS, DERP map,
// ephemeral timeout, metrics address, log level and format. Every key has a
// default, so no file at all is a valid configuration (SQLite next to the
// working directory, 127.0.0.1:8080).
// Parsing is strict: unknown keys, wrong types and values outside what a
// setting allows are errors naming the key, the value and what is allowed.
// Relative paths are taken from the config file's directory.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "server/control_server.h"
#include "server/log_output.h"
#include "store/store.h"

namespace latchkey::server {

struct ServeConfig {
  std::string listen_addr = "127.0.0.1:8080";
  std::string server_url;  // default: http://<listen_addr>
  std::string noise_private_key_path = "noise_private.key";
  std::string legacy_private_key_path = "legacy_private.key";
  std::string tls_cert_path;  // both set: serve HTTPS
  std::string tls_key_path;
  store::StoreConfig database;
  // The local admin socket (server/admin_socket.h); default: latchkey.sock
  // next to the SQLite database file (default_admin_socket).
  std::string admin_socket;
  // Where /metrics is served (host:port); empty: not at all.
  std::string metrics_listen_addr = "127.0.0.1:9090";
  // `log: {level, format}`; the older top-level `log_level` sets the level.
  LogSettings log;
  int threads = 2;
  // Everything the server itself takes (keys are filled in from the files
  // by load_or_create_keys).
  ControlServerConfig server;
  // Each top-level setting as written in the file (YAML text), to tell
  // which settings a reload changed (server/config_reload.h).
  std::map<std::string, std::string> written;
};

// A built-in DERP map: Tailscale's public DERP regions, for a server
// that has no DERP configuration.
tailcfg::DerpMap default_derp_map();

// Parses a config document. `config_dir` anchors relative paths.
Result<ServeConfig> parse_serve_config(std::string_view yaml_text, const std::string& config_dir);
// Reads the file (empty path: defaults, relative to the working directory).
Result<ServeConfig> load_serve_config(const std::string& path);

// Reads a "privkey:<hex>" machine private key file, or creates one (mode
// 0600) with a new random key when it does not exist.
Result<key::MachinePrivate> load_or_create_private_key(const std::string& path, bool* created = nullptr);

// Where the admin socket is when the config does not say: latchkey.sock
// in the SQLite database's directory, or for PostgreSQL in the config
// file's directory (`config_dir`; empty: the working directory).
std::string default_admin_socket(const store::StoreConfig& database, const std::string& config_dir);

// Splits "host:port" ("[v6]:port"; an empty host is 0.0.0.0) into an
// endpoint. The error says what is wrong with `text` (not which setting).
Result<transport::Tcp::endpoint> parse_listen_addr(std::string_view text);

}  // namespace latchkey::server
