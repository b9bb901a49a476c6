// `latchkey status`: the table a person reads, and the document fetched
// from a running `latchkey up` — here a UnixHttpListener serving a canned
// GET /status — printed as received with --json, plus the errors when
// nobody (or something else) answers.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "cli/commands.h"
#include "cli/status.h"
#include "client/state_dir.h"
#include "transport/unix_http_listener.h"

namespace latchkey::cli {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using client::ClientStatus;
using client::LockVerdict;

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

key::NodePublic node_key(std::uint8_t fill) {
  ByteArray<32> raw{};
  raw.fill(fill);
  return key::NodePublic::from_raw(raw);
}

ClientStatus sample() {
  ClientStatus st;
  st.backend_state = client::BackendState::Running;
  st.self.name = "a.example.ts.net.";
  st.self.node_id = 5;
  st.self.stable_id = "n5";
  st.self.node_key = node_key(1);
  st.self.addresses = {"100.64.0.5/32", "fd7a:115c:a1e0::5/128"};
  st.self.online = true;
  st.self.key_expiry = client::StatusTime(std::chrono::seconds(1767323045));  // 2026-01-02T03:04:05Z
  st.self.lock_verdict = LockVerdict::Authorized;
  client::PeerStatus far;
  far.name = "far.example.ts.net.";
  far.node_id = 12;
  far.node_key = node_key(2);
  far.addresses = {"100.64.0.12/32"};
  far.online = false;
  far.lock_verdict = LockVerdict::Unauthorized;
  far.lock_reason = "key: key not found";
  far.exposed = true;
  client::PeerStatus b;
  b.name = "b.example.ts.net.";
  b.node_id = 7;
  b.node_key = node_key(3);
  b.addresses = {"100.64.0.7/32"};
  b.online = true;
  b.lock_verdict = LockVerdict::Authorized;
  st.peers = {far, b};
  st.lock.state = client::LockView::State::Active;
  st.lock.head = "WYIVHDR7JUIXBWAJT5UPSCAILEXB7OMINDFEFEPOPNTUCNXMY2KA";
  st.lock.state_id = "1:2";
  st.lock.would_reject_total = 1;
  st.counters.lock_peers[static_cast<std::size_t>(LockVerdict::Authorized)] = 1;
  st.counters.lock_peers[static_cast<std::size_t>(LockVerdict::Unauthorized)] = 1;
  return st;
}

TEST(StatusTable, HeaderAndPeersSortedByNodeId) {
  EXPECT_EQ(status_text(sample()),
            "Backend: running\n"
            "Self: a.example.ts.net.  100.64.0.5/32,fd7a:115c:a1e0::5/128  lock: authorized\n"
            "Key expiry: 2026-01-02T03:04:05Z\n"
            "Tailnet lock: active, mode log, head WYIVHDR7JUIXBWAJT5UPSCAILEXB7OMINDFEFEPOPNTUCNXMY2KA\n"
            "Would reject: 1\n"
            "\n"
            "ID  NAME                 ADDRESSES       ONLINE  EXPOSED  LOCK          REASON\n"
            "7   b.example.ts.net.    100.64.0.7/32   yes     yes      authorized\n"
            "12  far.example.ts.net.  100.64.0.12/32  no      yes      unauthorized  key: key not found\n");
}

TEST(StatusTable, LoginEnforceSyncErrorAndNoPeers) {
  ClientStatus st;
  st.backend_state = client::BackendState::NeedsLogin;
  st.auth_url = "https://login.example/a/xyz";
  st.self.lock_verdict = LockVerdict::Unsigned;
  st.self.lock_reason = "no signature";
  st.lock.state = client::LockView::State::Pending;
  st.lock.mode = client::LockMode::Enforce;
  st.lock.rejected_total = 4;
  st.lock.would_reject_total = 0;
  st.lock.last_sync_error = "bootstrap: HTTP 500";
  st.lock.last_sync_at = client::StatusTime(std::chrono::seconds(1767323045)) + 250ms;
  EXPECT_EQ(status_text(st),
            "Backend: needs_login\n"
            "Log in at: https://login.example/a/xyz\n"
            "Self: -  -  lock: unsigned (no signature)\n"
            "Tailnet lock: pending, mode enforce\n"
            "Rejected: 4 (would reject in log mode: 0)\n"
            "Last sync error: bootstrap: HTTP 500 (2026-01-02T03:04:05Z)\n"
            "\n"
            "No peers.\n");
}

// A fake `latchkey up`: GET /status on <dir>/latchkey.sock answers `body`.
class StatusCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lk-status-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    socket_ = client::status_socket_path(dir_);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    listener_.reset();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    std::filesystem::remove_all(dir_);
  }

  void serve(unsigned status, std::string body) {
    auto l = transport::UnixHttpListener::open(
        io_, socket_, [status, body, this](const transport::UnixHttpRequest& r) {
          std::lock_guard lock(mu_);
          targets_.push_back(r.method + " " + r.target);
          return transport::UnixHttpResponse{status, "application/json", body};
        });
    ASSERT_TRUE(l.ok()) << l.message();
    listener_ = std::move(*l);
    listener_->start();
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread thread_;
  std::string dir_;
  std::string socket_;
  std::unique_ptr<transport::UnixHttpListener> listener_;
  std::mutex mu_;
  std::vector<std::string> targets_;  // the requests served, under mu_
};

TEST_F(StatusCommandTest, JsonIsPrintedAsReceived) {
  const std::string doc = client::status_to_json(sample());
  serve(200, doc);
  std::ostringstream out;
  auto done = run_status({dir_, true}, out);
  ASSERT_TRUE(done.ok()) << done.message();
  EXPECT_EQ(out.str(), doc + "\n");
  std::lock_guard lock(mu_);
  EXPECT_EQ(targets_, std::vector<std::string>{"GET /status"});
}

TEST_F(StatusCommandTest, FetchedDocumentRoundTrips) {
  const std::string doc = client::status_to_json(sample());
  serve(200, doc + "\n");
  auto got = fetch_status(dir_, socket_);
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(got->text, doc + "\n");
  ClientStatus want = sample();
  std::swap(want.peers[0], want.peers[1]);  // sorted by node_id on the wire
  EXPECT_EQ(got->status, want);
  EXPECT_EQ(client::status_to_json(got->status), doc);
}

TEST_F(StatusCommandTest, WithoutJsonPrintsTheTable) {
  serve(200, client::status_to_json(sample()));
  std::ostringstream out;
  auto done = run_status({dir_, false}, out);
  ASSERT_TRUE(done.ok()) << done.message();
  EXPECT_EQ(out.str(), status_text(sample()));
}

TEST_F(StatusCommandTest, NoSocketMeansNoLatchkeyUp) {
  std::ostringstream out;
  auto done = run_status({dir_, false}, out);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.message(),
            "no latchkey up is running with state directory " + dir_ + " (no socket at " + socket_ + ")");
  EXPECT_TRUE(out.str().empty());
}

TEST_F(StatusCommandTest, CommandFailsWithExitStatus1AndTheMessage) {
  CLI::App app;
  add_status_command(app);
  ::testing::internal::CaptureStderr();
  try {
    app.parse(std::vector<std::string>{dir_, "--state", "status"});  // CLI11 takes them reversed
    ADD_FAILURE() << "the command succeeded without a latchkey up";
  } catch (const CLI::RuntimeError& e) {
    EXPECT_EQ(e.get_exit_code(), 1);
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "latchkey status: no latchkey up is running with state directory " + dir_ + " (no socket at " +
                socket_ + ")\n");
}

TEST_F(StatusCommandTest, StaleSocketIsUnreachable) {
  {
    asio::local::stream_protocol::acceptor stale(io_);
    stale.open();
    stale.bind(asio::local::stream_protocol::endpoint(socket_));
  }
  auto got = fetch_status(dir_, socket_);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.kind(), ErrorKind::Unavailable);
  EXPECT_EQ(got.message().rfind("cannot reach latchkey up at " + socket_ + ": ", 0), 0u) << got.message();
  EXPECT_TRUE(has(got.message(), "(is `latchkey up --state " + dir_ + "` running?)")) << got.message();
}

TEST_F(StatusCommandTest, ErrorAnswerOrUnreadableDocumentIsRefused) {
  serve(503, "{\"error\":\"starting\"}");
  auto refused = fetch_status(dir_, socket_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.message(), "latchkey up at " + socket_ + " answered GET /status with HTTP 503");
}

TEST_F(StatusCommandTest, OtherSchemaIsRefused) {
  serve(200, "{\"schema\":2}");
  std::ostringstream out;
  auto done = run_status({dir_, true}, out);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.message(), "latchkey up at " + socket_ +
                                " sent a status this latchkey cannot read: status: schema 2 is not supported (this "
                                "latchkey reads schema 1; is the running latchkey up a different version?)");
  EXPECT_TRUE(out.str().empty()) << "--json prints nothing it could not read";
}

TEST_F(StatusCommandTest, NotJsonIsRefused) {
  serve(200, "<html>");
  auto got = fetch_status(dir_, socket_);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.message(), "cannot read: status: not a JSON document")) << got.message();
}

TEST(StatusCommand, DefaultStateDirComesFromTheEnvironment) {
  const char* old = std::getenv("XDG_STATE_HOME");
  const std::string saved = old ? old : "";
  ::setenv("XDG_STATE_HOME", "/nonexistent-lk-test", 1);
  std::ostringstream out;
  auto done = run_status({"", false}, out);
  if (old) {
    ::setenv("XDG_STATE_HOME", saved.c_str(), 1);
  } else {
    ::unsetenv("XDG_STATE_HOME");
  }
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.message(), "no latchkey up is running with state directory /nonexistent-lk-test/latchkey (no socket "
                            "at /nonexistent-lk-test/latchkey/latchkey.sock)");
}

}  // namespace
}  // namespace latchkey::cli
