// kill -9 of `latchkey serve` in the middle of registrations: every node
// whose registration was answered as authorised is in the database after
// the crash (the store commits before the server answers).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <boost/asio/detached.hpp>
#include <fstream>

#include "server/server_fixture.h"

namespace latchkey::server {
namespace {

using transport::testing::run_loopback;
namespace asio = boost::asio;

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Child spawn_serve(const std::string& config) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(LATCHKEY_BINARY, LATCHKEY_BINARY, "serve", "--config", config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, ::fdopen(fds[0], "r")};
}

TEST(ServeCrash, KillNineMidRegistrationsLosesNoAnsweredNode) {
  testing::TempDir dir;
  const std::string db_path = (dir.path() / "latchkey.db").string();
  std::string key_text;
  {
    store::StoreConfig sc;
    sc.sqlite_path = db_path;
    auto st = store::Store::open(sc);
    ASSERT_TRUE(st.ok()) << st.message();
    auto u = (*st)->create_user({"crash", "", "", ""}, std::chrono::system_clock::now());
    ASSERT_TRUE(u.ok());
    store::NewPreAuthKey k;
    k.user_id = u->id;
    k.reusable = true;
    auto c = (*st)->create_pre_auth_key(k, std::chrono::system_clock::now());
    ASSERT_TRUE(c.ok());
    key_text = c->text;
  }
  const std::string config = (dir.path() / "config.yaml").string();
  std::ofstream(config) << "listen_addr: 127.0.0.1:0\nmetrics_listen_addr: \"\"\nlog_level: warn\n"
                           "database: {type: sqlite, path: latchkey.db}\n";
  Child child = spawn_serve(config);
  ASSERT_GT(child.pid, 0);
  ASSERT_NE(child.out, nullptr);
  std::uint16_t port = 0;
  char line[512];
  while (port == 0 && std::fgets(line, sizeof line, child.out) != nullptr) {
    std::string s(line);
    const std::string marker = "listening on 127.0.0.1:";
    if (auto p = s.find(marker); p != std::string::npos) port = static_cast<std::uint16_t>(std::stoi(s.substr(p + marker.size())));
  }
  ASSERT_NE(port, 0) << "latchkey serve did not report its port";

  std::vector<key::NodePublic> answered;
  bool killed = false;
  run_loopback(
      [&](asio::io_context& io) -> asio::awaitable<void> {
        const transport::DialTarget target{"127.0.0.1", port, false, ""};
        auto keys = co_await transport::fetch_server_keys(target, 145);
        CO_ASSERT_TRUE(keys.ok());
        const auto control = keys->noise;
        int running = 4;
        auto worker = [&]() -> asio::awaitable<void> {
          while (!killed) {
            transport::ClientConfig c;
            c.target = target;
            c.machine_key = key::MachinePrivate::generate();
            c.control_key = control;
            auto conn = co_await transport::Ts2021Client::connect(c);
            if (!conn.ok()) break;
            const auto node = key::NodePrivate::generate();
            tailcfg::RegisterRequest r;
            r.version = 145;
            r.node_key = node.public_key();
            r.auth = tailcfg::RegisterResponseAuth{std::nullopt, key_text};
            tailcfg::Hostinfo hi;
            hi.hostname = "crash";
            r.hostinfo = hi;
            transport::Http2ClientRequest req;
            req.method = "POST";
            req.path = "/machine/register";
            const std::string body = tailcfg::encode_json(r);
            req.body.assign(body.begin(), body.end());
            auto res = co_await (*conn)->request(std::move(req));
            if (!res.ok()) break;
            auto b = co_await (*res)->read_body(1 << 20);
            if (!b.ok()) break;
            auto d = tailcfg::decode_json<tailcfg::RegisterResponse>(std::string(b->begin(), b->end()));
            if (d.ok() && d->machine_authorized) answered.push_back(node.public_key());
            (*conn)->close();
            if (answered.size() >= 40 && !killed) {
              killed = true;
              ::kill(child.pid, SIGKILL);
            }
          }
          --running;
        };
        for (int i = 0; i < 4; ++i) asio::co_spawn(io, worker(), asio::detached);
        while (running > 0) co_await transport::testing::sleep_for(std::chrono::milliseconds(20));
      },
      std::chrono::seconds(60));
  if (!killed) ::kill(child.pid, SIGKILL);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  std::fclose(child.out);
  ASSERT_TRUE(killed);
  EXPECT_TRUE(WIFSIGNALED(status));

  store::StoreConfig sc;
  sc.sqlite_path = db_path;
  auto st = store::Store::open(sc);
  ASSERT_TRUE(st.ok()) << st.message();
  for (const auto& k : answered) {
    EXPECT_TRUE((*st)->find_node_by_node_key(k).ok()) << k.to_string() << " was answered but is not stored";
  }
  auto all = (*st)->list_nodes();
  ASSERT_TRUE(all.ok());
  EXPECT_GE(all->size(), answered.size());
}

}  // namespace
}  // namespace latchkey::server
