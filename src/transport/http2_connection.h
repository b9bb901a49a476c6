// Http2Connection: the I/O shared by both HTTP/2 roles. nghttp2 is driven
// sans-IO (mem_recv / mem_send); this class runs the two coroutines that
// connect it to a ByteStream — a reader feeding received bytes to nghttp2 and
// a writer draining nghttp2's output — and enforces the connection's
// timeouts (idle, stalled read, stalled write). Upstream uses Go's
// golang.org/x/net/http2 over the Noise conn for the same job.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "transport/byte_stream.h"
#include "transport/http2_allocator.h"
#include "transport/counters.h"
#include "transport/deadline.h"
#include "transport/notify.h"
#include "transport/timeouts.h"
#include "transport/transport_error.h"

namespace latchkey::transport {

class Http2Connection {
 public:
  virtual ~Http2Connection();
  Http2Connection(const Http2Connection&) = delete;
  Http2Connection& operator=(const Http2Connection&) = delete;

  asio::any_io_executor executor() const { return executor_; }
  // Whether the connection is still running (not closing or closed).
  bool is_open() const { return running_ && !closing_; }
  // Why the connection ended (or is ending), once known.
  const std::optional<Failure>& failure() const { return failure_; }
  // Bytes read from the stream so far (over Noise: decrypted plaintext).
  std::uint64_t bytes_received() const { return bytes_received_; }

 protected:
  Http2Connection(std::unique_ptr<ByteStream> stream, const Timeouts& timeouts,
                  TransportCounters* counters, std::string log_name);

  // Runs both loops until the connection ends; returns why it ended. Bytes
  // in `initial_input` are fed to nghttp2 before anything read.
  asio::awaitable<CloseReason> run_io(Bytes initial_input);

  // Wakes the writer: nghttp2 may have output.
  void wake_writer() { writer_wake_.notify(); }
  // Ends the connection at once (no more I/O), recording why; with `reset`
  // the socket is reset rather than closed (ByteStream::reset).
  void fail(CloseReason reason, std::string message, bool reset = false);
  // Sends GOAWAY with `h2_error` and ends the connection once it is out.
  void terminate(CloseReason reason, std::string message, std::uint32_t h2_error);
  // Re-evaluates which read deadline applies (call when streams open/close).
  void update_read_deadline();

  // What both roles' nghttp2 callbacks do alike.
  // The error callback: keeps nghttp2's text (and logs it) for the GOAWAY
  // the library sends next.
  void note_h2_error(std::string_view text);
  // A GOAWAY went out: one with an error code ends the connection, unless it
  // already failed, as a protocol error under nghttp2's last error text.
  void on_goaway_sent(std::uint32_t h2_error);

  // Role hooks.
  // A request (server) whose headers or body are still arriving.
  virtual bool request_in_progress() const = 0;
  virtual bool has_open_streams() const = 0;
  // The connection is over: close every stream, wake every waiter.
  virtual void on_connection_closed() = 0;

  // The session's memory functions (pass allocator_.mem() to
  // nghttp2_session_*_new3): the writer gives the frame buffer's pages back
  // whenever it has sent everything.
  Http2Allocator allocator_;
  nghttp2_session* session_ = nullptr;
  TransportCounters* counters_;  // may be null
  std::string log_name_;
  Timeouts timeouts_;
  std::string last_h2_error_;  // nghttp2's last error text

 private:
  asio::awaitable<void> read_loop(Bytes initial_input);
  asio::awaitable<void> write_loop();
  void on_deadline(CloseReason reason);
  void feed(ByteView data);

  std::unique_ptr<ByteStream> stream_;
  asio::any_io_executor executor_;
  std::shared_ptr<Deadline> deadline_;
  Notify writer_wake_;
  Notify writer_done_;
  bool writer_running_ = false;
  bool running_ = false;
  bool closing_ = false;
  std::uint64_t bytes_received_ = 0;
  std::optional<Failure> failure_;
};

}  // namespace latchkey::transport
