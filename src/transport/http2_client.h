// The HTTP/2 client role over one established connection (h2c with prior
// knowledge inside Noise, as upstream's ts2021.Client runs Go's HTTP/2
// transport over the controlbase.Conn). Requests carry a body on any method
// (upstream sends the Tailnet Lock RPCs as GET with a JSON body); responses
// are read chunk by chunk as they arrive, so a streamed body (the map
// long-poll) is consumed while the server is still writing it. Received
// bytes are bounded by flow control: a stream's window only reopens as the
// application reads.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "base/result.h"
#include "transport/http2_connection.h"
#include "transport/http2_message.h"

namespace latchkey::transport {

struct Http2ClientRequest {
  std::string method = "GET";
  std::string path;      // with the query
  HeaderList headers;    // lower-case names; content-length is added for a body
  Bytes body;            // sent with any method when non-empty
  // Announce the body's length (as Go does for a known-length body); off
  // sends the body without content-length.
  bool send_content_length = true;
};

struct Http2ClientStream;
class Http2ClientSession;

class Http2ClientResponse {
 public:
  explicit Http2ClientResponse(std::shared_ptr<Http2ClientStream> stream) : s_(std::move(stream)) {}
  ~Http2ClientResponse();
  Http2ClientResponse(const Http2ClientResponse&) = delete;
  Http2ClientResponse& operator=(const Http2ClientResponse&) = delete;

  unsigned status() const;
  const HeaderList& headers() const;
  std::optional<std::string_view> header(std::string_view name) const;

  // The next chunk of the body as it arrived; nullopt at the end of the body.
  // Fails if the stream was reset or the connection ended first.
  boost::asio::awaitable<Result<std::optional<Bytes>>> read_chunk();
  // The rest of the body; fails if it exceeds max_bytes (the stream is then
  // cancelled).
  boost::asio::awaitable<Result<Bytes>> read_body(std::size_t max_bytes);
  // Abandons the response: RST_STREAM(CANCEL) if the stream is still open.
  void cancel();

 private:
  std::shared_ptr<Http2ClientStream> s_;
};

class Http2ClientSession final : public Http2Connection,
                                 public std::enable_shared_from_this<Http2ClientSession> {
 public:
  // `authority` goes into :authority (upstream: the control host, with the
  // port when the URL has one). `initial_input`: bytes already read from the
  // stream (e.g. after looking for an early payload).
  static std::shared_ptr<Http2ClientSession> create(std::unique_ptr<ByteStream> stream, std::string authority,
                                                    const Http2ClientLimits& limits, const Timeouts& timeouts,
                                                    TransportCounters* counters = nullptr);
  ~Http2ClientSession() override;

  // Starts the connection's I/O in the background (on executor()).
  void start(Bytes initial_input = {});

  // Sends a request and waits for the response head. Call from a coroutine
  // running on executor().
  boost::asio::awaitable<Result<std::unique_ptr<Http2ClientResponse>>> request(Http2ClientRequest request);

  // Sends GOAWAY and closes once it is out.
  void close();
  // Ends the connection at once without GOAWAY, as a client that dies does:
  // the socket is closed (FIN), or reset (RST) with `reset`. Requests in
  // flight fail.
  void abort(bool reset = false);
  // Waits until the connection has ended; returns why.
  boost::asio::awaitable<CloseReason> wait_closed();

  // Use create().
  Http2ClientSession(std::unique_ptr<ByteStream> stream, std::string authority, const Http2ClientLimits& limits,
                     const Timeouts& timeouts, TransportCounters* counters);

 private:
  friend class Http2ClientResponse;
  friend struct Http2ClientCallbacks;

  bool request_in_progress() const override { return false; }
  bool has_open_streams() const override { return !streams_.empty(); }
  void on_connection_closed() override;
  void consume(Http2ClientStream& s, std::size_t n);

  std::string authority_;
  Http2ClientLimits limits_;
  std::map<std::int32_t, std::shared_ptr<Http2ClientStream>> streams_;
  bool started_ = false;
  bool ended_ = false;
  CloseReason end_reason_ = CloseReason::Completed;
  Notify ended_notify_;
};

}  // namespace latchkey::transport
