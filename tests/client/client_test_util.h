// What the client driver's tests share: a log sink that keeps the client's
// lines (they arrive on its thread), and a wait for a condition on its
// status while the test's own server keeps running on the test thread.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.h"
#include "transport/loopback.h"

namespace latchkey::client::testing {

struct Lines {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view l) {
      std::lock_guard<std::mutex> g(mu);
      lines.emplace_back(l);
    };
  }
  bool contains(std::string_view needle) {
    std::lock_guard<std::mutex> g(mu);
    for (const auto& l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

// Polls the client's status until `pred` holds; false after `limit`.
inline boost::asio::awaitable<bool> until(Client& c, std::function<bool(const ClientStatus&)> pred,
                                          std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred(c.status())) co_return true;
    co_await transport::testing::sleep_for(std::chrono::milliseconds(10));
  }
  co_return false;
}

}  // namespace latchkey::client::testing
