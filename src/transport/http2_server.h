// The HTTP/2 server role over one established connection (h2c with prior
// knowledge inside Noise, as upstream's control servers run
// golang.org/x/net/http2 ServeConn on the controlbase.Conn). Complete
// requests (headers and body, any method — upstream clients send Tailnet
// Lock RPCs as GET with a JSON body) are dispatched to Http2Router handlers;
// a handler answers through Http2Response, at once or streamed over time
// (the map long-poll). Request and response sizes are bounded per stream and
// per connection; see Http2ServerLimits.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include "transport/http2_connection.h"
#include "transport/http2_message.h"
#include "transport/http2_router.h"

namespace latchkey::transport {

struct Http2Request {
  std::int32_t stream_id = 0;
  std::string method;     // :method
  std::string path;       // :path, with the query
  std::string scheme;     // :scheme
  std::string authority;  // :authority
  HeaderList headers;     // regular fields, lower-case names, wire order
  Bytes body;
  std::shared_ptr<const ConnectionInfo> connection;

  std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
  std::string_view path_only() const;  // :path before '?'
  std::string_view query() const;      // after '?', or empty
};

class Http2ServerSession;
struct Http2ServerStream;

// The response side of one stream. Cheap to copy (a handle).
class Http2Response {
 public:
  explicit Http2Response(std::shared_ptr<Http2ServerStream> stream) : s_(std::move(stream)) {}

  // Sends the status and header fields (lower-case names; a date field is
  // added unless given). At most once; write() and finish() send 200 first
  // if it was not called.
  void start(unsigned status, HeaderList headers = {});
  // Queues one body chunk (sent as DATA frames as flow control allows).
  // Waits while the stream's or the connection's unsent bytes exceed their
  // buffer limits. Returns false, sending nothing, once the stream is gone
  // (reset by the client, or the connection ended).
  boost::asio::awaitable<bool> write(ByteView chunk);
  // Ends the response (END_STREAM). Idempotent.
  void finish();
  // A whole response: status, content-type, content-length and body.
  boost::asio::awaitable<bool> send(unsigned status, std::string_view content_type, ByteView body);
  // Abandons the stream with RST_STREAM (INTERNAL_ERROR).
  void reset();

  bool is_open() const;
  bool started() const;
  bool finished() const;

 private:
  std::shared_ptr<Http2ServerStream> s_;
};

class Http2ServerSession final : public Http2Connection,
                                 public std::enable_shared_from_this<Http2ServerSession> {
 public:
  static std::shared_ptr<Http2ServerSession> create(std::unique_ptr<ByteStream> stream,
                                                    std::shared_ptr<const Http2Router> router,
                                                    std::shared_ptr<const ConnectionInfo> info,
                                                    const Http2ServerLimits& limits,
                                                    const Timeouts& timeouts,
                                                    TransportCounters* counters);
  ~Http2ServerSession() override;

  // Serves requests until the connection ends; returns why it ended.
  // `initial_input`: bytes already read from the stream.
  boost::asio::awaitable<CloseReason> run(Bytes initial_input = {});

  // Sends GOAWAY and ends the connection (e.g. server shutdown). Call on
  // executor().
  void shutdown();

  // Requests the client began (request HEADERS received), answered or not.
  std::uint64_t requests_received() const { return requests_received_; }

  // Use create().
  Http2ServerSession(std::unique_ptr<ByteStream> stream, std::shared_ptr<const Http2Router> router,
                     std::shared_ptr<const ConnectionInfo> info, const Http2ServerLimits& limits,
                     const Timeouts& timeouts, TransportCounters* counters);

 private:
  friend class Http2Response;
  friend struct Http2ServerCallbacks;

  bool request_in_progress() const override;
  bool has_open_streams() const override { return !streams_.empty(); }
  void on_connection_closed() override;

  void dispatch(const std::shared_ptr<Http2ServerStream>& s);
  void reject(const std::shared_ptr<Http2ServerStream>& s, unsigned status, std::string_view message);
  void submit_headers(Http2ServerStream& s, unsigned status, HeaderList headers, bool end_stream);
  void resume(Http2ServerStream& s);
  void release_request_body(Http2ServerStream& s);
  void notify_send_space();

  std::shared_ptr<const Http2Router> router_;
  std::shared_ptr<const ConnectionInfo> info_;
  Http2ServerLimits limits_;
  std::map<std::int32_t, std::shared_ptr<Http2ServerStream>> streams_;
  std::size_t request_bytes_ = 0;  // request body bytes held for open streams
  std::size_t unsent_bytes_ = 0;   // response bytes queued, not yet framed
  std::size_t space_waiters_ = 0;  // handlers waiting in write() for buffer space
  bool got_settings_ = false;      // the client preface and SETTINGS arrived
  std::uint64_t requests_received_ = 0;
};

}  // namespace latchkey::transport
