#include "transport/http2_client.h"

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include <boost/asio/co_spawn.hpp>

namespace latchkey::transport {

struct Http2ClientStream {
  Http2ClientStream(Http2ClientSession* o, asio::any_io_executor ex) : owner(o), notify(std::move(ex)) {}

  Http2ClientSession* owner;  // null once the connection is over
  std::int32_t id = -1;
  Bytes body;                 // request body
  std::size_t body_sent = 0;
  unsigned status = 0;
  HeaderList headers;
  std::size_t header_bytes = 0;
  bool headers_too_large = false;
  bool head_done = false;
  bool end_stream = false;
  bool closed = false;
  std::string error;
  std::deque<Bytes> chunks;
  std::size_t buffered = 0;
  Notify notify;
};

namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

struct Http2ClientCallbacks {
  static Http2ClientSession& self(void* user_data) { return *static_cast<Http2ClientSession*>(user_data); }
  static Http2ClientStream* stream_of(nghttp2_session* session, std::int32_t id) {
    return static_cast<Http2ClientStream*>(nghttp2_session_get_stream_user_data(session, id));
  }

  static int on_header(nghttp2_session* session, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t /*flags*/, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto* st = stream_of(session, frame->hd.stream_id);
    if (!st || st->head_done || st->headers_too_large) return 0;  // trailers are ignored
    st->header_bytes += namelen + valuelen + 32;
    if (st->header_bytes > self(user_data).limits_.max_header_list) {
      st->headers_too_large = true;
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // RST_STREAM
    }
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") {
      unsigned status = 0;
      std::from_chars(v.data(), v.data() + v.size(), status);
      st->status = status;
      st->headers.clear();  // a final response after 1xx starts afresh
    } else if (!n.empty() && n[0] != ':') {
      st->headers.emplace_back(std::string(n), std::string(v));
    }
    return 0;
  }

  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* /*user_data*/) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    auto* st = stream_of(session, frame->hd.stream_id);
    if (!st) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && !st->head_done && st->status >= 200) {
      st->head_done = true;
      st->notify.notify();
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
      st->end_stream = true;
      st->notify.notify();
    }
    return 0;
  }

  static int on_data_chunk_recv(nghttp2_session* session, std::uint8_t /*flags*/, std::int32_t stream_id,
                                const std::uint8_t* data, std::size_t len, void* user_data) {
    auto* st = stream_of(session, stream_id);
    if (!st) {
      nghttp2_session_consume_connection(session, len);
      return 0;
    }
    (void)user_data;
    st->chunks.emplace_back(data, data + len);
    st->buffered += len;
    st->notify.notify();
    return 0;
  }

  static int on_stream_close(nghttp2_session* session, std::int32_t stream_id, std::uint32_t error_code,
                             void* user_data) {
    auto& s = self(user_data);
    auto* st = stream_of(session, stream_id);
    if (!st) return 0;
    st->closed = true;
    if (!st->end_stream && st->error.empty()) {
      st->error = st->headers_too_large ? "response header fields too large"
                                        : "stream reset by the server (HTTP/2 error " +
                                              std::to_string(error_code) + ")";
    }
    st->notify.notify();
    s.streams_.erase(stream_id);
    s.update_read_deadline();
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* data_flags, nghttp2_data_source* source, void*) {
    auto* st = static_cast<Http2ClientStream*>(source->ptr);
    std::size_t n = std::min(length, st->body.size() - st->body_sent);
    std::memcpy(buf, st->body.data() + st->body_sent, n);
    st->body_sent += n;
    if (st->body_sent == st->body.size()) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      st->body.clear();
      st->body.shrink_to_fit();
      st->body_sent = 0;
    }
    return static_cast<ssize_t>(n);
  }

  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type == NGHTTP2_GOAWAY) self(user_data).on_goaway_sent(frame->goaway.error_code);
    return 0;
  }

  static int on_error(nghttp2_session*, int, const char* msg, std::size_t len, void* user_data) {
    self(user_data).note_h2_error(std::string_view(msg, len));
    return 0;
  }
};

Http2ClientSession::Http2ClientSession(std::unique_ptr<ByteStream> stream, std::string authority,
                                       const Http2ClientLimits& limits, const Timeouts& timeouts,
                                       TransportCounters* counters)
    : Http2Connection(std::move(stream), timeouts, counters, "h2 client"),
      authority_(std::move(authority)),
      limits_(limits),
      ended_notify_(executor()) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_header_callback(cb, &Http2ClientCallbacks::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &Http2ClientCallbacks::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &Http2ClientCallbacks::on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, &Http2ClientCallbacks::on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, &Http2ClientCallbacks::on_frame_send);
  nghttp2_session_callbacks_set_error_callback2(cb, &Http2ClientCallbacks::on_error);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_session_client_new3(&session_, cb, this, opt, allocator_.mem());
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);

  // The settings upstream's Go client sends, in its order.
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, limits_.stream_window},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 16384},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(limits_.max_header_list)},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        static_cast<std::int32_t>(limits_.connection_window));
}

Http2ClientSession::~Http2ClientSession() {
  for (auto& [id, st] : streams_) st->owner = nullptr;
}

std::shared_ptr<Http2ClientSession> Http2ClientSession::create(std::unique_ptr<ByteStream> stream,
                                                               std::string authority,
                                                               const Http2ClientLimits& limits,
                                                               const Timeouts& timeouts,
                                                               TransportCounters* counters) {
  return std::make_shared<Http2ClientSession>(std::move(stream), std::move(authority), limits, timeouts,
                                              counters);
}

void Http2ClientSession::start(Bytes initial_input) {
  if (started_) return;
  started_ = true;
  asio::co_spawn(
      executor(),
      [self = shared_from_this(), input = std::move(initial_input)]() mutable -> asio::awaitable<void> {
        CloseReason reason = co_await self->run_io(std::move(input));
        self->end_reason_ = reason;
        self->ended_ = true;
        const auto& f = self->failure();
        if (reason == CloseReason::Completed) {
          spdlog::debug("{}: closed: {}", self->log_name_, f ? f->message : "");
        } else {
          spdlog::info("{}: closed: {}: {}", self->log_name_, to_string(reason), f ? f->message : "");
        }
        self->ended_notify_.notify();
      },
      [](std::exception_ptr) {});
}

void Http2ClientSession::on_connection_closed() {
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, st] : streams) {
    st->closed = true;
    st->owner = nullptr;
    if (!st->end_stream && st->error.empty()) {
      const auto& f = failure();
      st->error = "connection closed" + (f ? ": " + f->message : std::string());
    }
    st->notify.notify();
  }
}

void Http2ClientSession::close() {
  if (!is_open()) return;
  terminate(CloseReason::Completed, "closed by the client", NGHTTP2_NO_ERROR);
}

void Http2ClientSession::abort(bool reset) {
  if (!is_open()) return;
  fail(CloseReason::Completed, reset ? "reset by the client" : "aborted by the client", reset);
}

asio::awaitable<CloseReason> Http2ClientSession::wait_closed() {
  while (!ended_) co_await ended_notify_.wait();
  co_return end_reason_;
}

void Http2ClientSession::consume(Http2ClientStream& s, std::size_t n) {
  (void)s;
  if (n == 0 || !is_open()) return;
  nghttp2_session_consume(session_, s.id, n);
  wake_writer();
}

asio::awaitable<Result<std::unique_ptr<Http2ClientResponse>>> Http2ClientSession::request(
    Http2ClientRequest req) {
  if (!started_ || !is_open()) co_return Error{"HTTP/2 connection is closed"};
  auto st = std::make_shared<Http2ClientStream>(this, executor());
  std::vector<std::string> storage;
  storage.reserve(8 + 2 * req.headers.size());
  storage.insert(storage.end(), {":method", req.method, ":scheme", "https", ":authority", authority_,
                                 ":path", req.path});
  bool has_length = false;
  for (auto& [name, value] : req.headers) {
    storage.push_back(lower_ascii(name));
    if (storage.back() == "content-length") has_length = true;
    storage.push_back(std::move(value));
  }
  if (!req.body.empty() && !has_length && req.send_content_length) {
    storage.push_back("content-length");
    storage.push_back(std::to_string(req.body.size()));
  }
  std::vector<nghttp2_nv> nva;
  for (std::size_t i = 0; i + 1 < storage.size(); i += 2) {
    nghttp2_nv nv;
    nv.name = reinterpret_cast<std::uint8_t*>(storage[i].data());
    nv.value = reinterpret_cast<std::uint8_t*>(storage[i + 1].data());
    nv.namelen = storage[i].size();
    nv.valuelen = storage[i + 1].size();
    nv.flags = NGHTTP2_NV_FLAG_NONE;
    nva.push_back(nv);
  }
  st->body = std::move(req.body);
  nghttp2_data_provider provider;
  provider.source.ptr = st.get();
  provider.read_callback = &Http2ClientCallbacks::read_body;
  std::int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                           st->body.empty() ? nullptr : &provider, st.get());
  if (id < 0) co_return Error{std::string("cannot submit HTTP/2 request: ") + nghttp2_strerror(id)};
  st->id = id;
  streams_[id] = st;
  wake_writer();
  update_read_deadline();
  while (!st->head_done && !st->closed) co_await st->notify.wait();
  if (!st->head_done) co_return Error{st->error.empty() ? std::string("no response") : st->error};
  co_return std::make_unique<Http2ClientResponse>(st);
}

// --- Http2ClientResponse -----------------------------------------------------

Http2ClientResponse::~Http2ClientResponse() { cancel(); }

unsigned Http2ClientResponse::status() const { return s_->status; }
const HeaderList& Http2ClientResponse::headers() const { return s_->headers; }
std::optional<std::string_view> Http2ClientResponse::header(std::string_view name) const {
  return find_header(s_->headers, name);
}

asio::awaitable<Result<std::optional<Bytes>>> Http2ClientResponse::read_chunk() {
  while (s_->chunks.empty() && !s_->end_stream && !s_->closed) co_await s_->notify.wait();
  if (!s_->chunks.empty()) {
    Bytes chunk = std::move(s_->chunks.front());
    s_->chunks.pop_front();
    s_->buffered -= chunk.size();
    if (s_->owner) s_->owner->consume(*s_, chunk.size());
    co_return std::optional<Bytes>(std::move(chunk));
  }
  if (s_->end_stream) co_return std::optional<Bytes>();
  co_return Error{s_->error};
}

asio::awaitable<Result<Bytes>> Http2ClientResponse::read_body(std::size_t max_bytes) {
  Bytes body;
  while (true) {
    auto chunk = co_await read_chunk();
    if (!chunk.ok()) co_return chunk.error();
    if (!chunk->has_value()) co_return body;
    if (body.size() + (*chunk)->size() > max_bytes) {
      cancel();
      co_return Error{"response body exceeds " + std::to_string(max_bytes) + " bytes"};
    }
    body.insert(body.end(), (*chunk)->begin(), (*chunk)->end());
  }
}

void Http2ClientResponse::cancel() {
  if (!s_) return;
  auto* owner = s_->owner;
  if (owner && !s_->closed && !s_->end_stream) {
    nghttp2_submit_rst_stream(owner->session_, NGHTTP2_FLAG_NONE, s_->id, NGHTTP2_CANCEL);
  }
  if (owner && s_->buffered > 0) owner->consume(*s_, s_->buffered);
  s_->chunks.clear();
  s_->buffered = 0;
  if (owner) owner->wake_writer();
}

}  // namespace latchkey::transport
