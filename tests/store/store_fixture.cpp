#include "store/store_fixture.h"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace latchkey::store::testing {
namespace {

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

Result<int> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Error{"socket() failed"};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return Error{"cannot find a free port"};
  }
  ::close(fd);
  return static_cast<int>(ntohs(a.sin_port));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command, as run_as when not empty; returns its exit status.
int run(const std::string& run_as, const std::string& cmd) {
  std::string full = cmd;
  if (!run_as.empty()) full = "runuser -u " + run_as + " -- " + cmd;
  return std::system(full.c_str());
}

class ShutdownEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { PostgresServer::shutdown(); }
};

PostgresServer* g_server = nullptr;
bool g_tried = false;
std::string g_failure;

}  // namespace

Status PostgresServer::start() {
  if (::geteuid() == 0) {
    // PostgreSQL refuses to run as root: use the postgres account the
    // server package creates.
    if (::getpwnam("postgres") == nullptr) return Error{"running as root and there is no postgres user"};
    run_as_ = "postgres";
  }
  char tmpl[] = "/tmp/latchkey-pg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return Error{"mkdtemp failed"};
  dir_ = tmpl;
  data_ = dir_ + "/data";
  if (!run_as_.empty()) {
    if (run("", "chown " + run_as_ + " " + shell_quote(dir_)) != 0) return Error{"chown of " + dir_ + " failed"};
  }
  const std::string log = dir_ + "/initdb.log";
  const std::string initdb = std::string(kPgBin) + "/initdb -D " + shell_quote(data_) +
                             " -A trust -U latchkey -E UTF8 --no-locale --no-sync >" + shell_quote(log) + " 2>&1";
  if (run(run_as_, "sh -c " + shell_quote(initdb)) != 0) {
    return Error{"initdb failed: " + read_file(log)};
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto port = free_port();
    if (!port) return port.error();
    const std::string server_log = dir_ + "/server.log";
    // fsync off: the tests exercise the store's logic, not PostgreSQL's
    // durability (the crash test runs against SQLite).
    const std::string opts = "-h 127.0.0.1 -p " + std::to_string(*port) + " -k " + dir_ +
                             " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
    const std::string cmd = std::string(kPgBin) + "/pg_ctl -D " + shell_quote(data_) + " -o " + shell_quote(opts) +
                            " -l " + shell_quote(server_log) + " -w -t 60 start >/dev/null 2>&1";
    if (run(run_as_, "sh -c " + shell_quote(cmd)) == 0) {
      running_ = true;
      base_ = "host=127.0.0.1 port=" + std::to_string(*port) + " user=latchkey connect_timeout=10";
      return {};
    }
    const std::string text = read_file(server_log);
    if (text.find("Address already in use") == std::string::npos) {
      return Error{"pg_ctl start failed: " + text};
    }
  }
  return Error{"pg_ctl start failed: no free port"};
}

void PostgresServer::stop() {
  if (running_) {
    const std::string cmd =
        std::string(kPgBin) + "/pg_ctl -D " + shell_quote(data_) + " -m immediate -w stop >/dev/null 2>&1";
    (void)run(run_as_, "sh -c " + shell_quote(cmd));
    running_ = false;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

Result<PostgresServer*> PostgresServer::get() {
  if (g_server != nullptr) return g_server;
  if (g_tried) return Error{"PostgreSQL test server did not start: " + g_failure};
  g_tried = true;
  ::testing::AddGlobalTestEnvironment(new ShutdownEnvironment);
  auto* s = new PostgresServer;
  if (auto st = s->start(); !st) {
    s->stop();
    delete s;
    g_failure = st.message();
    return Error{"PostgreSQL test server did not start: " + g_failure};
  }
  g_server = s;
  return g_server;
}

void PostgresServer::shutdown() {
  if (g_server == nullptr) return;
  g_server->stop();
  delete g_server;
  g_server = nullptr;
}

Result<std::string> PostgresServer::create_database() {
  const std::string name = "t" + std::to_string(++next_db_);
  const std::string admin = base_ + " dbname=postgres";
  PGconn* c = PQconnectdb(admin.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    return Error{"cannot connect to the test server: " + msg};
  }
  PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string msg = ok ? "" : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (!ok) return Error{"CREATE DATABASE failed: " + msg};
  return base_ + " dbname=" + name;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/latchkey-store-XXXXXX";
  if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

Result<StoreConfig> fresh_config(Backend b, const TempDir& dir) {
  StoreConfig c;
  c.backend = b;
  if (b == Backend::Sqlite) {
    if (dir.path().empty()) return Error{"no temporary directory"};
    c.sqlite_path = dir.path() + "/latchkey.db";
    return c;
  }
  auto server = PostgresServer::get();
  if (!server) return server.error();
  auto conninfo = (*server)->create_database();
  if (!conninfo) return conninfo.error();
  c.postgres_conninfo = *conninfo;
  return c;
}

void StoreTest::SetUp() {
  auto c = fresh_config(GetParam(), dir_);
  ASSERT_TRUE(c.ok()) << c.message();
  config_ = *c;
  auto s = Store::open(config_);
  ASSERT_TRUE(s.ok()) << s.message();
  store_ = std::move(*s);
}

void StoreWithUserTest::SetUp() {
  StoreTest::SetUp();
  if (HasFatalFailure()) return;
  auto u = store_->create_user({"alice", "", "", ""}, now_);
  ASSERT_TRUE(u.ok()) << u.message();
  user_ = u->id;
}

std::unique_ptr<Store> StoreTest::reopen() {
  auto s = Store::open(config_);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s) return nullptr;
  return std::move(*s);
}

}  // namespace latchkey::store::testing
