// The real `latchkey serve` process as an operator runs it: SIGHUP reloads
// the log settings and names what needs a restart (and a broken file
// changes nothing); SIGINT and SIGTERM stop it cleanly and remove the admin
// socket; --check-config validates without starting; invalid values are
// refused at start; the printed join commands work as printed; /metrics is
// on its own address; JSON logs are one object per line.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/subprocess.h"
#include "server/server_fixture.h"
#include "store/store_fixture.h"

namespace latchkey::cli {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;
namespace asio = boost::asio;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Run {
  int code = 0;
  std::string out;
  std::string err;
};

Run run_binary(std::vector<std::string> args) {
  testing::Subprocess p(std::move(args));
  Run r;
  r.code = p.wait();
  r.out = p.out();
  r.err = p.err();
  return r;
}

// A config in a fresh directory: loopback on a free port, no metrics
// listener unless `extra` sets one, SQLite next to it.
struct ServeDir {
  store::testing::TempDir dir;
  std::string config = dir.path() + "/latchkey.yaml";
  std::string socket = dir.path() + "/latchkey.sock";

  void write(const std::string& extra) const {
    std::ofstream(config) << "listen_addr: 127.0.0.1:0\ndatabase: {type: sqlite, path: state.db}\n" << extra;
  }
};

// Reads stdout lines until one contains `marker` (each read has a
// deadline); the lines read, or nullopt if the output ended first.
std::optional<std::vector<std::string>> lines_until(testing::Subprocess& p, const std::string& marker) {
  std::vector<std::string> lines;
  while (auto line = p.read_line()) {
    lines.push_back(*line);
    if (has(*line, marker)) return lines;
  }
  return std::nullopt;
}

// The next JSON log record whose msg contains `part`.
std::optional<json> record_with(testing::Subprocess& p, const std::string& part) {
  while (auto line = p.read_line()) {
    auto j = json::parse(*line, nullptr, false);
    if (j.is_object() && j.contains("msg") && has(j["msg"].get<std::string>(), part)) return j;
  }
  return std::nullopt;
}

TEST(ServeProcess, SighupReloadsLogSettingsAndNamesWhatNeedsARestart) {
  ServeDir d;
  d.write("metrics_listen_addr: \"\"\nlog_level: info\n");
  testing::Subprocess serve({LATCHKEY_BINARY, "serve", "--config", d.config});
  ASSERT_TRUE(lines_until(serve, "Admin socket: " + d.socket).has_value());

  // New log settings, and two changes only a restart can apply.
  std::ofstream(d.config) << "listen_addr: 127.0.0.1:1\ndatabase: {type: sqlite, path: state.db}\n"
                             "metrics_listen_addr: \"\"\nlog: {level: debug, format: json}\nthreads: 3\n";
  serve.kill(SIGHUP);
  auto reloaded = record_with(serve, "SIGHUP: reloaded");
  ASSERT_TRUE(reloaded.has_value()) << "no reload record; the server's stderr: " << serve.err();
  EXPECT_EQ((*reloaded)["level"], "info");
  EXPECT_EQ((*reloaded)["msg"], "SIGHUP: reloaded " + d.config + ": log level debug, log format json");
  auto restart = record_with(serve, "restart");
  ASSERT_TRUE(restart.has_value());
  EXPECT_EQ((*restart)["level"], "warn");
  EXPECT_EQ((*restart)["msg"], "SIGHUP: listen_addr, threads changed in " + d.config +
                                   "; restart latchkey serve for them to take effect");

  // Still serving.
  auto created = run_binary({LATCHKEY_BINARY, "users", "create", "alice", "--socket", d.socket});
  EXPECT_EQ(created.code, 0) << created.err;

  // A file with a mistake changes nothing and is reported.
  std::ofstream(d.config) << "listen_addr: 127.0.0.1:0\nlog_level: debgu\n";
  serve.kill(SIGHUP);
  auto refused = record_with(serve, "not reloaded");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ((*refused)["level"], "error");
  EXPECT_TRUE(has((*refused)["msg"], "\"debgu\" is not a log level")) << *refused;

  serve.kill(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
  EXPECT_FALSE(fs::exists(d.socket)) << "a clean stop removes the admin socket";
}

TEST(ServeProcess, SigintAndSigtermStopCleanlyAndRemoveTheSocket) {
  for (const int sig : {SIGINT, SIGTERM}) {
    ServeDir d;
    d.write("metrics_listen_addr: \"\"\n");
    testing::Subprocess serve({LATCHKEY_BINARY, "serve", "--config", d.config});
    ASSERT_TRUE(lines_until(serve, "Admin socket: ").has_value());
    ASSERT_TRUE(fs::exists(d.socket));
    serve.kill(sig);
    EXPECT_EQ(serve.wait(), 0) << "signal " << sig;
    EXPECT_TRUE(has(serve.out(), "signal " + std::to_string(sig) + ": stopping")) << serve.out();
    EXPECT_FALSE(fs::exists(d.socket)) << "signal " << sig;
  }
}

TEST(ServeProcess, CheckConfigValidatesWithoutStarting) {
  ServeDir d;
  d.write("metrics_listen_addr: 127.0.0.1:0\n");
  auto ok = run_binary({LATCHKEY_BINARY, "serve", "--check-config", "--config", d.config});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out.rfind("latchkey serve --check-config: " + d.config + " is valid", 0), 0u) << ok.out;
  // Nothing was started or created.
  EXPECT_FALSE(fs::exists(d.dir.path() + "/state.db"));
  EXPECT_FALSE(fs::exists(d.dir.path() + "/noise_private.key"));
  EXPECT_FALSE(fs::exists(d.socket));

  const std::pair<std::string, std::string> cases[] = {
      {"log_level: debgu\n",
       "log_level: \"debgu\" is not a log level (want trace, debug, info, warn, error, critical or off)"},
      {"log: {format: xml}\n", "log.format: \"xml\" is not a log format (want text or json)"},
      {"threads: 0\n", "threads: want a whole number from 1 to 64, got \"0\""},
      {"tls: {cert_path: cert.pem, key_path: key.pem}\n", "tls.cert_path: " + d.dir.path() + "/cert.pem"},
      {"noise_private_key_path: nowhere/noise.key\n", "the directory " + d.dir.path() + "/nowhere"},
  };
  for (const auto& [extra, want] : cases) {
    d.write(extra);
    auto bad = run_binary({LATCHKEY_BINARY, "serve", "--check-config", "--config", d.config});
    EXPECT_EQ(bad.code, 1) << extra;
    EXPECT_TRUE(has(bad.err, want)) << extra << " -> " << bad.err;
    EXPECT_TRUE(bad.out.empty()) << bad.out;
  }
  std::ofstream(d.config) << "database: {type: postgres, dsn: \"host=db dbname\"}\n";
  auto dsn = run_binary({LATCHKEY_BINARY, "serve", "--check-config", "--config", d.config});
  EXPECT_EQ(dsn.code, 1);
  EXPECT_TRUE(has(dsn.err, "database.dsn: not a libpq connection string")) << dsn.err;
  auto missing = run_binary({LATCHKEY_BINARY, "serve", "--check-config", "--config", d.dir.path() + "/none.yaml"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(has(missing.err, "none.yaml")) << missing.err;
}

TEST(ServeProcess, InvalidValuesAreRefusedAtStart) {
  ServeDir d;
  d.write("metrics_listen_addr: \"\"\nlog_level: debgu\n");
  testing::Subprocess serve({LATCHKEY_BINARY, "serve", "--config", d.config});
  auto started = lines_until(serve, "listening on");
  EXPECT_FALSE(started.has_value()) << "latchkey serve started with log_level: debgu";
  serve.kill(SIGTERM);
  EXPECT_EQ(serve.wait(), 2);
  EXPECT_TRUE(has(serve.err(), "log_level: \"debgu\" is not a log level")) << serve.err();
}

// Splits a printed command line into words (the test paths need no quoting).
std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) {
    if (w == "#") break;
    out.push_back(w == "NAME" ? "alice" : w);
  }
  return out;
}

TEST(ServeProcess, JoinInstructionsWorkAsPrintedAndMetricsHaveTheirOwnAddress) {
  ServeDir d;
  d.write("metrics_listen_addr: 127.0.0.1:0\n");
  testing::Subprocess serve({LATCHKEY_BINARY, "serve", "--config", d.config});
  auto banner = lines_until(serve, "Metrics: ");
  ASSERT_TRUE(banner.has_value());
  std::string users_line, keys_line, metrics_line, listening_line;
  for (const auto& l : *banner) {
    if (has(l, " users create ")) users_line = l;
    if (has(l, " keys create ")) keys_line = l;
    if (l.rfind("Metrics: ", 0) == 0) metrics_line = l;
    if (has(l, "listening on ")) listening_line = l;
  }
  ASSERT_FALSE(users_line.empty());
  ASSERT_FALSE(keys_line.empty());
  // The binary's absolute path and the admin socket: no PATH, any directory.
  const auto users = words(users_line);
  ASSERT_FALSE(users.empty());
  EXPECT_EQ(users[0], fs::canonical(LATCHKEY_BINARY).string());
  EXPECT_TRUE(has(users_line, "--socket " + d.socket)) << users_line;
  auto created = run_binary(users);
  EXPECT_EQ(created.code, 0) << users_line << ": " << created.err;
  EXPECT_EQ(created.out, "created user alice (id 1)\n");
  auto key = run_binary(words(keys_line));
  EXPECT_EQ(key.code, 0) << keys_line << ": " << key.err;
  EXPECT_EQ(key.out.rfind("tskey-auth-", 0), 0u) << key.out;

  const std::string marker = "Metrics: http://127.0.0.1:";
  ASSERT_EQ(metrics_line.rfind(marker, 0), 0u) << metrics_line;
  const auto metrics_port = static_cast<std::uint16_t>(std::stoi(metrics_line.substr(marker.size())));
  const std::string listen_marker = "listening on 127.0.0.1:";
  const auto control_port = static_cast<std::uint16_t>(
      std::stoi(listening_line.substr(listening_line.find(listen_marker) + listen_marker.size())));
  std::string metrics, on_control;
  transport::testing::run_loopback([&](asio::io_context&) -> asio::awaitable<void> {
    const auto loopback = asio::ip::make_address("127.0.0.1");
    metrics = co_await server::testing::http_get({loopback, metrics_port}, "/metrics", "latchkey_errors_total");
    on_control = co_await server::testing::http_get({loopback, control_port}, "/metrics", "not found");
  });
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200 OK", 0), 0u) << metrics;
  EXPECT_TRUE(has(metrics, "latchkey_pending_registrations 0\n")) << metrics;
  EXPECT_EQ(on_control.rfind("HTTP/1.1 404", 0), 0u) << on_control;

  serve.kill(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
}

TEST(ServeProcess, JsonLogsAreOneObjectPerLine) {
  ServeDir d;
  d.write("metrics_listen_addr: \"\"\nlog: {format: json}\n");
  testing::Subprocess serve({LATCHKEY_BINARY, "serve", "--config", d.config});
  auto started = lines_until(serve, "Admin socket: ");
  ASSERT_TRUE(started.has_value());
  serve.kill(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
  std::vector<std::string> lines = *started;
  std::istringstream rest(serve.out());
  for (std::string l; std::getline(rest, l);) lines.push_back(l);
  ASSERT_GE(lines.size(), 4u);
  bool saw_stop = false;
  for (const auto& l : lines) {
    auto j = json::parse(l, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not a JSON object: " << l;
    EXPECT_EQ(j.size(), 3u) << l;
    EXPECT_TRUE(j["time"].is_string() && j["level"].is_string() && j["msg"].is_string()) << l;
    saw_stop = saw_stop || j["msg"] == "signal 15: stopping";
  }
  EXPECT_TRUE(saw_stop);
}

}  // namespace
}  // namespace latchkey::cli
