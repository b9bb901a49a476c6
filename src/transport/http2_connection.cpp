#include "transport/http2_connection.h"

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>

namespace latchkey::transport {

namespace {
constexpr std::size_t kReadChunk = 32 * 1024;
constexpr std::size_t kWriteBatch = 64 * 1024;
}  // namespace

Http2Connection::Http2Connection(std::unique_ptr<ByteStream> stream, const Timeouts& timeouts,
                                 TransportCounters* counters, std::string log_name)
    : counters_(counters),
      log_name_(std::move(log_name)),
      timeouts_(timeouts),
      stream_(std::move(stream)),
      executor_(stream_->executor()),
      writer_wake_(executor_),
      writer_done_(executor_) {}

Http2Connection::~Http2Connection() {
  if (deadline_) deadline_->stop();
  if (session_) nghttp2_session_del(session_);
}

void Http2Connection::fail(CloseReason reason, std::string message, bool reset) {
  if (!failure_) failure_ = Failure{reason, std::move(message)};
  closing_ = true;
  if (reset) {
    stream_->reset();
  } else {
    stream_->close();
  }
  writer_wake_.notify();
}

void Http2Connection::terminate(CloseReason reason, std::string message, std::uint32_t h2_error) {
  if (!failure_) failure_ = Failure{reason, std::move(message)};
  if (session_) nghttp2_session_terminate_session(session_, h2_error);
  writer_wake_.notify();
}

void Http2Connection::note_h2_error(std::string_view text) {
  last_h2_error_.assign(text);
  spdlog::debug("{}: nghttp2: {}", log_name_, last_h2_error_);
}

void Http2Connection::on_goaway_sent(std::uint32_t h2_error) {
  if (h2_error == NGHTTP2_NO_ERROR || failure_) return;
  terminate(CloseReason::ProtocolError, last_h2_error_.empty() ? std::string("HTTP/2 protocol error") : last_h2_error_,
            h2_error);
}

void Http2Connection::update_read_deadline() {
  if (!deadline_ || closing_) return;
  if (stream_->mid_message() || request_in_progress()) {
    deadline_->arm(Deadline::Slot::Read, timeouts_.read, CloseReason::ReadTimeout);
  } else if (!has_open_streams()) {
    deadline_->arm(Deadline::Slot::Read, timeouts_.idle, CloseReason::IdleTimeout);
  } else {
    deadline_->disarm(Deadline::Slot::Read);
  }
}

void Http2Connection::on_deadline(CloseReason reason) {
  if (reason == CloseReason::IdleTimeout) {
    terminate(reason, "no streams and no traffic for the idle timeout", NGHTTP2_NO_ERROR);
  } else {
    fail(reason, std::string(to_string(reason)));
  }
}

void Http2Connection::feed(ByteView data) {
  if (closing_) return;
  auto rv = nghttp2_session_mem_recv(session_, data.data(), data.size());
  if (rv < 0) {
    fail(CloseReason::ProtocolError, std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(rv)));
  }
}

asio::awaitable<void> Http2Connection::read_loop(Bytes initial_input) {
  if (!initial_input.empty()) {
    bytes_received_ += initial_input.size();
    feed(initial_input);
    wake_writer();
  }
  // The read buffer exists only while bytes are coming in: an idle
  // connection waits for readability without one.
  Bytes buf;
  while (!closing_) {
    update_read_deadline();
    std::size_t n = 0;
    try {
      co_await stream_->wait_readable();
      if (closing_) co_return;
      if (buf.empty()) buf.resize(kReadChunk);
      n = co_await stream_->read_some(buf);
    } catch (...) {
      if (!closing_) {
        auto f = classify_failure(std::current_exception());
        fail(f.reason, std::move(f.message));
      }
      co_return;
    }
    if (n == 0) {
      if (!closing_ && !failure_) {
        bool mid = has_open_streams() || request_in_progress() || stream_->mid_message();
        failure_ = Failure{mid ? CloseReason::PeerClosed : CloseReason::Completed,
                           "peer closed the connection"};
      }
      co_return;
    }
    bytes_received_ += n;
    feed(ByteView(buf.data(), n));
    if (n < buf.size()) Bytes().swap(buf);  // drained for now
    wake_writer();
  }
}

asio::awaitable<void> Http2Connection::write_loop() {
  Bytes out;  // holds memory only while there is something to write
  bool frame_pages_used = false;  // frames went out since the last release
  while (!closing_) {
    out.clear();
    while (out.size() < kWriteBatch) {
      const std::uint8_t* data = nullptr;
      auto n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) {
        fail(CloseReason::ProtocolError, std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(n)));
        co_return;
      }
      if (n == 0) break;
      if (out.capacity() == 0) out.reserve(kWriteBatch);
      out.insert(out.end(), data, data + n);
    }
    if (!out.empty()) {
      deadline_->arm(Deadline::Slot::Write, timeouts_.write, CloseReason::WriteTimeout);
      try {
        co_await stream_->write_all(out);
      } catch (...) {
        if (!closing_) {
          auto f = classify_failure(std::current_exception());
          fail(f.reason, std::move(f.message));
        }
        co_return;
      }
      deadline_->disarm(Deadline::Slot::Write);
      frame_pages_used = true;
      continue;
    }
    if (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0) {
      // GOAWAY exchanged and no stream left: the session is over.
      closing_ = true;
      stream_->close();
      co_return;
    }
    Bytes().swap(out);
    if (frame_pages_used) {
      // nghttp2_session_mem_send just returned 0: nothing unsent is left in
      // its frame buffer, so an idle connection need not keep its pages.
      allocator_.release_frame_pages();
      frame_pages_used = false;
    }
    co_await writer_wake_.wait();
  }
}

asio::awaitable<CloseReason> Http2Connection::run_io(Bytes initial_input) {
  running_ = true;
  deadline_ = Deadline::start(executor_, [this](CloseReason r) { on_deadline(r); });
  writer_running_ = true;
  asio::co_spawn(executor_, write_loop(), [this](std::exception_ptr) {
    writer_running_ = false;
    writer_done_.notify();
  });
  co_await read_loop(std::move(initial_input));
  closing_ = true;
  stream_->close();
  writer_wake_.notify();
  while (writer_running_) co_await writer_done_.wait();
  deadline_->stop();
  on_connection_closed();
  running_ = false;
  if (!failure_) failure_ = Failure{CloseReason::Completed, "connection closed"};
  co_return failure_->reason;
}

}  // namespace latchkey::transport
