// The C API (include/liblatchkey.h): options refused with a message, state
// rules, and the example program examples/c_status.c run as a real process
// against an in-process `latchkey serve` until it sees its peer.
#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "liblatchkey.h"
#include "server/lock_node.h"
#include "server/server_fixture.h"

extern char** environ;

namespace latchkey::client {
namespace {

using server::testing::LockNode;
using server::testing::ServerFixture;
using server::testing::TempDir;
using transport::testing::run_loopback;
namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string new_error(const char* options) {
  lk_client* c = nullptr;
  char* error = nullptr;
  const int rc = lk_client_new(options, &c, &error);
  EXPECT_NE(rc, LK_OK) << options;
  EXPECT_EQ(c, nullptr);
  std::string text = error ? error : "";
  lk_free(error);
  return text;
}

TEST(CApi, BadOptionsAreRefusedWithAMessage) {
  EXPECT_NE(new_error("not json").find("not a JSON object"), std::string::npos);
  EXPECT_NE(new_error("[]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(new_error(R"({"state_dir":"/tmp/x"})").find("login_server"), std::string::npos);
  EXPECT_NE(new_error(R"({"login_server":"http://127.0.0.1:1"})").find("state_dir"), std::string::npos);
  EXPECT_NE(new_error(R"({"login_server":"http://h","state_dir":"/tmp/x","colour":"red"})").find("unknown option \"colour\""),
            std::string::npos);
  EXPECT_NE(new_error(R"({"login_server":"http://h","state_dir":"/tmp/x","tka_enforce":"yes"})").find("tka_enforce"),
            std::string::npos);
  EXPECT_NE(new_error(R"({"login_server":"http://h","state_dir":"/tmp/x","capability_version":100000})")
                .find("capability_version"),
            std::string::npos);
  EXPECT_NE(new_error(R"({"login_server":"gopher://h","state_dir":"/tmp/x"})").find("login-server"), std::string::npos);
  EXPECT_EQ(lk_client_new(nullptr, nullptr, nullptr), LK_E_INVALID);
  EXPECT_EQ(lk_client_start(nullptr), LK_E_INVALID);
  EXPECT_EQ(lk_client_status_json(nullptr), nullptr);
  lk_client_free(nullptr);
}

TEST(CApi, StartTwiceOrAfterStopIsAStateErrorAndTheVersionIsTheProjects) {
  TempDir dir;
  const std::string options =
      R"({"login_server":"http://127.0.0.1:1","state_dir":")" + (dir.path() / "c").string() + R"("})";
  lk_client* c = nullptr;
  ASSERT_EQ(lk_client_new(options.c_str(), &c, nullptr), LK_OK);
  char* status = lk_client_status_json(c);
  ASSERT_NE(status, nullptr);
  EXPECT_NE(std::string(status).find(R"("backend_state":"starting")"), std::string::npos) << status;
  lk_free(status);
  char* error = nullptr;
  EXPECT_EQ(lk_client_logout(c, &error), LK_E_STATE);  // not running
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("not running"), std::string::npos) << error;
  lk_free(error);
  EXPECT_EQ(lk_client_logout(nullptr, nullptr), LK_E_INVALID);
  EXPECT_EQ(lk_client_start(c), LK_OK);
  EXPECT_EQ(lk_client_start(c), LK_E_STATE);
  // Never logged in (nothing listens on port 1): nothing to tell the
  // server; the login attempts end and the client stays logged out.
  EXPECT_EQ(lk_client_logout(c, nullptr), LK_OK);
  status = lk_client_status_json(c);
  ASSERT_NE(status, nullptr);
  EXPECT_NE(std::string(status).find(R"("backend_state":"needs_login")"), std::string::npos) << status;
  lk_free(status);
  EXPECT_EQ(lk_client_logout(c, nullptr), LK_E_STATE);  // done already
  EXPECT_EQ(lk_client_stop(c), LK_OK);
  EXPECT_EQ(lk_client_start(c), LK_E_STATE);
  lk_client_free(c);
  EXPECT_STREQ(lk_version(), LATCHKEY_PROJECT_VERSION);
}

TEST(CApi, TheCExampleJoinsSeesItsPeerAndPrintsEvents) {
  TempDir dir;
  const auto out_path = dir.path() / "c_status.out";
  int exit_code = -1;
  run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode peer;
    CO_ASSERT_TRUE(co_await peer.join(f, "peer"));
    const std::string url = "http://127.0.0.1:" + std::to_string(f.server->local_endpoint().port());
    const std::string key = f.auth_key();
    const std::string state = (dir.path() / "state").string();
    const std::string out = out_path.string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> args{LATCHKEY_C_STATUS, url, key, state, "1", "20"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    CO_ASSERT_TRUE(posix_spawn(&pid, LATCHKEY_C_STATUS, &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    // The server keeps serving on this thread while the example runs.
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      co_await transport::testing::sleep_for(20ms);
    }
    exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    peer.conn->close();
  }, 60s);
  std::ifstream in(out_path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(exit_code, 0) << text.str();
  EXPECT_NE(text.str().find(std::string("liblatchkey ") + LATCHKEY_PROJECT_VERSION), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(R"(event {"type":"state","state":"running"})"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(R"(event {"type":"peer","change":"added","peer":{"name":"peer.)"), std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find(R"(status {"schema":1,"backend_state":"running")"), std::string::npos) << text.str();
}

}  // namespace
}  // namespace latchkey::client
