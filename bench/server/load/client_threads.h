// ClientThreads: where the load tools' simulated nodes run — T
// single-threaded io_contexts, each run by its own thread, so a node's
// coroutines and state stay on one thread (Ts2021Client wants one
// executor). finish() lets the work run out; if some coroutine is still
// stuck after a grace period the contexts are stopped and leaked rather
// than destroyed under live coroutine frames, and the caller must then
// leak what it bound to them too.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace latchkey::load {

class ClientThreads {
 public:
  explicit ClientThreads(int threads);
  ClientThreads(const ClientThreads&) = delete;
  ClientThreads& operator=(const ClientThreads&) = delete;
  ~ClientThreads();

  std::size_t size() const { return ios_.size(); }
  boost::asio::io_context& operator[](std::size_t i) { return *ios_[i]; }

  // Ends the threads once their work ran out (or stops them after `grace`);
  // returns whether the work ran out. Idempotent.
  bool finish(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> ios_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> threads_done_{0};
  bool drained_ = true;
};

}  // namespace latchkey::load
