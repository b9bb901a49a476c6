// `latchkey debug noise-echo-server` and `latchkey debug noise-client`, run as
// processes over loopback as other implementations' harnesses run them: the
// server's start-up lines, echo of 1 B..64 KiB messages, the key file,
// a wrong control key, and an old client refused with an error frame.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/host_port.h"
#include "cli/subprocess.h"
#include "key/machine_key.h"
#include "noise/client_handshake.h"
#include "noise/keypair.h"

namespace latchkey::cli {
namespace {

using testing::Subprocess;

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("latchkey-probes-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

struct EchoServer {
  explicit EchoServer(const std::filesystem::path& key_file)
      : proc({LATCHKEY_BINARY, "debug", "noise-echo-server", "--listen", "127.0.0.1:0", "--key-file", key_file.string()}) {
    if (auto line = proc.read_line()) mkey = *line;
    if (auto line = proc.read_line()) listening = *line;
  }
  ~EchoServer() { proc.kill(SIGTERM); }
  std::string address() const { return listening.substr(std::string("listening ").size()); }

  Subprocess proc;
  std::string mkey;
  std::string listening;
};

struct ClientRun {
  int exit_code;
  std::string out;
  std::string err;
};

ClientRun run_client(const std::string& address, const std::string& mkey, int messages) {
  Subprocess client({LATCHKEY_BINARY, "debug", "noise-client", "--connect", address, "--control-key", mkey,
                     "--messages", std::to_string(messages), "--timeout", "60"});
  const int code = client.wait();
  return {code, client.out(), client.err()};
}

TEST(NoiseProbes, ClientEchoesThroughTheServer) {
  const auto dir = temp_dir();
  EchoServer server(dir / "control.key");
  ASSERT_EQ(server.mkey.rfind("mkey:", 0), 0u) << server.mkey;
  ASSERT_TRUE(key::MachinePublic::parse(server.mkey).ok()) << server.mkey;
  ASSERT_EQ(server.listening.rfind("listening 127.0.0.1:", 0), 0u) << server.listening;
  ASSERT_NE(server.address(), "127.0.0.1:0");

  for (int n : {1, 2, 17}) {
    const ClientRun r = run_client(server.address(), server.mkey, n);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "OK n=" + std::to_string(n) + "\n");
  }
  std::filesystem::remove_all(dir);
}

TEST(NoiseProbes, KeyFileIsCreatedThenReused) {
  const auto dir = temp_dir();
  const auto key_file = dir / "control.key";
  std::string first;
  {
    EchoServer server(key_file);
    first = server.mkey;
  }
  ASSERT_TRUE(std::filesystem::exists(key_file));
  EXPECT_EQ(std::filesystem::status(key_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ifstream in(key_file);
  std::string text;
  std::getline(in, text);
  auto priv = key::MachinePrivate::parse(text);
  ASSERT_TRUE(priv.ok()) << text;
  EXPECT_EQ(priv->public_key().to_string(), first);
  {
    EchoServer again(key_file);
    EXPECT_EQ(again.mkey, first);
  }

  // A file that is not a key is refused.
  const auto bad = dir / "bad.key";
  std::ofstream(bad) << "mkey:" << std::string(64, '1') << "\n";
  Subprocess refused({LATCHKEY_BINARY, "debug", "noise-echo-server", "--listen", "127.0.0.1:0", "--key-file",
                      bad.string()});
  EXPECT_EQ(refused.wait(), 1);
  EXPECT_NE(refused.err().find("privkey:"), std::string::npos) << refused.err();
  std::filesystem::remove_all(dir);
}

TEST(NoiseProbes, WrongControlKeyFails) {
  const auto dir = temp_dir();
  EchoServer server(dir / "control.key");
  const std::string other = key::MachinePrivate::generate().public_key().to_string();
  const ClientRun r = run_client(server.address(), other, 3);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("noise-client: "), std::string::npos);

  const ClientRun garbled = run_client(server.address(), "mkey:zz", 3);
  EXPECT_EQ(garbled.exit_code, 1);
  EXPECT_NE(garbled.err.find("--control-key"), std::string::npos) << garbled.err;

  // Nothing listens on port 1 of loopback.
  const ClientRun refused = run_client("127.0.0.1:1", server.mkey, 1);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_FALSE(refused.err.empty());
  std::filesystem::remove_all(dir);
}

TEST(NoiseProbes, OldClientIsRefusedWithAnErrorFrame) {
  const auto dir = temp_dir();
  EchoServer server(dir / "control.key");
  auto hp = parse_host_port(server.address());
  ASSERT_TRUE(hp.ok());
  auto control = key::MachinePublic::parse(server.mkey);
  ASSERT_TRUE(control.ok());

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(hp->port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
  auto hs = noise::ClientHandshake::start(noise::Keypair::generate(), control->raw(), 112);
  ASSERT_TRUE(hs.ok());
  ASSERT_EQ(::write(fd, hs->initiation().data(), hs->initiation().size()),
            static_cast<ssize_t>(hs->initiation().size()));
  Status verdict;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      verdict = hs->end_of_stream();
      break;
    }
    auto used = hs->read_response(ByteView(reinterpret_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(n)));
    if (!used.ok()) {
      verdict = Status(Error{used.message()});
      break;
    }
    ASSERT_FALSE(hs->established());
  }
  ::close(fd);
  ASSERT_FALSE(verdict.ok());
  EXPECT_NE(verdict.message().find("server error: \"unsupported client version 112 (minimum 113)\""),
            std::string::npos)
      << verdict.message();
  std::filesystem::remove_all(dir);
}

TEST(HostPort, ParsesAndRefuses) {
  auto a = parse_host_port("127.0.0.1:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  auto b = parse_host_port("[::1]:443");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 443);
  EXPECT_EQ(format_host_port("::1", 443), "[::1]:443");
  EXPECT_EQ(format_host_port("localhost", 80), "localhost:80");
  for (const char* bad : {"", "host", ":80", "h:", "h:65536", "h:8x", "::1:80", "[::1]80", "[::1"}) {
    EXPECT_FALSE(parse_host_port(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace latchkey::cli
