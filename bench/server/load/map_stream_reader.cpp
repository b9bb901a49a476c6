#include "map_stream_reader.h"

namespace latchkey::load {

boost::asio::awaitable<Result<std::optional<std::string>>> MapStreamReader::next() {
  while (true) {
    auto m = frames_.next();
    if (!m) co_return Error{"map frame: " + m.message()};
    if (m->has_value()) {
      ++messages_;
      co_return std::move(*m);
    }
    if (ended_) co_return std::optional<std::string>();
    auto chunk = co_await response_->read_chunk();
    if (!chunk || !chunk->has_value()) {
      ended_ = true;
      if (!chunk) end_error_ = chunk.message();
      // A partial frame left at the end is dropped, as upstream's reader
      // drops it with the connection.
      co_return std::optional<std::string>();
    }
    if (wire_bytes_ != nullptr) wire_bytes_->fetch_add((*chunk)->size(), std::memory_order_relaxed);
    frames_.feed(**chunk);
  }
}

}  // namespace latchkey::load
