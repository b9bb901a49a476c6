#include "client_threads.h"

#include "poll_wait.h"

namespace latchkey::load {

ClientThreads::ClientThreads(int threads) {
  for (int t = 0; t < threads; ++t) {
    ios_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.push_back(boost::asio::make_work_guard(*ios_.back()));
  }
  for (auto& io : ios_) {
    threads_.emplace_back([this, ctx = io.get()] {
      ctx->run();
      threads_done_.fetch_add(1);
    });
  }
}

ClientThreads::~ClientThreads() {
  finish();
  if (!drained_) {
    for (auto& io : ios_) (void)io.release();
  }
}

bool ClientThreads::finish(std::chrono::milliseconds grace) {
  if (threads_.empty()) return drained_;
  for (auto& g : guards_) g.reset();
  drained_ = wait_until([&] { return threads_done_.load() == threads_.size(); },
                        std::chrono::steady_clock::now() + grace);
  if (!drained_) {
    for (auto& io : ios_) io->stop();
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
  return drained_;
}

}  // namespace latchkey::load
