// wait_until: how the load tools' driving thread waits for the simulated
// nodes (which run on their own threads) and for the server process: poll a
// condition (every 2 ms unless told) until it holds or a deadline passes,
// reporting progress every 5 s meanwhile. Polling keeps the nodes' code
// free of notifications back to the driver.
#pragma once

#include <chrono>
#include <thread>

namespace latchkey::load {

template <class Done, class Progress>
bool wait_until(Done done, std::chrono::steady_clock::time_point deadline, Progress progress,
                std::chrono::milliseconds interval = std::chrono::milliseconds(2)) {
  using Clock = std::chrono::steady_clock;
  auto next_report = Clock::now() + std::chrono::seconds(5);
  while (!done()) {
    const auto now = Clock::now();
    if (now >= deadline) return false;
    if (now >= next_report) {
      progress();
      next_report = now + std::chrono::seconds(5);
    }
    std::this_thread::sleep_for(interval);
  }
  return true;
}

template <class Done>
bool wait_until(Done done, std::chrono::steady_clock::time_point deadline) {
  return wait_until(done, deadline, [] {});
}

}  // namespace latchkey::load
