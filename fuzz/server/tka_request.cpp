// Fuzzes the server's Tailnet Lock RPCs (server/tailnet_lock.h) as a node
// reaches them: the first byte picks the endpoint, the rest is the request
// body. Every input gets an answer (200 or a refusal with its text); the
// lock service runs over a real SQLite store in a scratch directory, and the
// caller is always a known, authorized node, so the request decoders and
// everything behind them are reached.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "server/metrics.h"
#include "server/tailnet_lock.h"
#include "store/store.h"

namespace {

using latchkey::server::TailnetLock;

struct Service {
  std::shared_ptr<latchkey::store::Store> store;
  latchkey::server::ServerMetrics metrics;
  std::unique_ptr<TailnetLock> lock;

  Service() {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("latchkey-fuzz-tka-" + std::to_string(static_cast<unsigned long>(::getpid())));
    std::filesystem::create_directories(dir);
    latchkey::store::StoreConfig config;
    config.sqlite_path = (dir / "latchkey.db").string();
    auto opened = latchkey::store::Store::open(config);
    if (!opened) __builtin_trap();
    store = std::shared_ptr<latchkey::store::Store>(std::move(*opened));
    auto loaded = TailnetLock::load(store, &metrics);
    if (!loaded) __builtin_trap();
    lock = std::move(*loaded);
    lock->set_caller_lookup([](const latchkey::key::NodePublic& node_key, const latchkey::key::MachinePublic&,
                               TailnetLock::Clock::time_point) {
      return std::optional<TailnetLock::Caller>(TailnetLock::Caller{1, node_key, true});
    });
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > (1u << 16)) return 0;
  static Service service;
  const auto& endpoints = TailnetLock::kEndpoints;
  const std::string_view endpoint = endpoints[data[0] % endpoints.size()];
  auto reply = service.lock->handle(endpoint, latchkey::ByteView(data + 1, size - 1), latchkey::key::MachinePublic{},
                                    TailnetLock::Clock::now());
  if (reply.status < 200 || reply.status > 599) __builtin_trap();
  return 0;
}
