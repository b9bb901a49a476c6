#include "transport/http2_server.h"

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

#include "transport/http_date.h"
#include "transport/request_target.h"

namespace latchkey::transport {

namespace {

// Response chunks not yet framed, oldest first. Holds no memory while empty
// (a std::deque allocates ~600 bytes even then, and a map stream sits empty
// for most of its life).
class ChunkQueue {
 public:
  bool empty() const { return head_ == chunks_.size(); }
  Bytes& front() { return chunks_[head_]; }
  void push(ByteView chunk) { chunks_.emplace_back(chunk.begin(), chunk.end()); }
  void pop_front() {
    Bytes().swap(chunks_[head_]);
    if (++head_ == chunks_.size()) clear();
  }
  void clear() {
    std::vector<Bytes>().swap(chunks_);
    head_ = 0;
  }

 private:
  std::vector<Bytes> chunks_;
  std::size_t head_ = 0;
};

}  // namespace

struct Http2ServerStream {
  Http2ServerStream(Http2ServerSession* o, std::int32_t i, asio::any_io_executor ex)
      : owner(o), id(i), space(std::move(ex)) {}

  Http2ServerSession* owner;  // null once the stream or connection closed
  std::int32_t id;
  Http2Request request;
  std::size_t header_bytes = 0;
  std::size_t body_accounted = 0;  // bytes of request.body counted in the session
  bool headers_too_large = false;
  bool request_complete = false;
  bool rejected = false;            // answered early; the rest of the request is dropped
  bool rst_after_response = false;  // stop the client's upload once our answer is out
  bool closed = false;
  bool handler_running = false;
  // Response.
  bool started = false;
  bool finished = false;
  bool has_provider = false;
  bool deferred = false;
  bool waiting_space = false;
  ChunkQueue out;
  std::size_t out_offset = 0;  // consumed part of out.front()
  std::size_t out_bytes = 0;
  Notify space;
  asio::cancellation_signal cancel;
};

namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

nghttp2_nv make_nv(const std::string& name, const std::string& value) {
  nghttp2_nv nv;
  // nghttp2 copies the pairs (no NO_COPY flags); the casts only drop const.
  nv.name = const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(name.data()));
  nv.value = const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(value.data()));
  nv.namelen = name.size();
  nv.valuelen = value.size();
  nv.flags = NGHTTP2_NV_FLAG_NONE;
  return nv;
}

}  // namespace

std::string_view Http2Request::path_only() const { return target_path(path); }

std::string_view Http2Request::query() const { return target_query(path); }

// nghttp2's C callbacks, with access to the session's internals.
struct Http2ServerCallbacks {
  static Http2ServerSession& self(void* user_data) { return *static_cast<Http2ServerSession*>(user_data); }

  static Http2ServerStream* stream_of(nghttp2_session* session, std::int32_t id) {
    return static_cast<Http2ServerStream*>(nghttp2_session_get_stream_user_data(session, id));
  }

  static int on_begin_headers(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto& s = self(user_data);
    ++s.requests_received_;
    auto stream = std::make_shared<Http2ServerStream>(&s, frame->hd.stream_id, s.executor());
    stream->request.stream_id = frame->hd.stream_id;
    stream->request.connection = s.info_;
    s.streams_[frame->hd.stream_id] = stream;
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, stream.get());
    return 0;
  }

  static int on_header(nghttp2_session* session, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t /*flags*/, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
      return 0;  // trailers are accepted and ignored
    }
    auto* st = stream_of(session, frame->hd.stream_id);
    if (!st || st->headers_too_large) return 0;
    st->header_bytes += namelen + valuelen + 32;  // RFC 9113 accounting
    if (st->header_bytes > self(user_data).limits_.max_header_list) {
      st->headers_too_large = true;
      st->request.headers.clear();
      return 0;
    }
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    auto& req = st->request;
    if (n == ":method") req.method = v;
    else if (n == ":path") req.path = v;
    else if (n == ":scheme") req.scheme = v;
    else if (n == ":authority") req.authority = v;
    else if (!n.empty() && n[0] != ':') req.headers.emplace_back(std::string(n), std::string(v));
    return 0;
  }

  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    auto& s = self(user_data);
    switch (frame->hd.type) {
      case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) s.got_settings_ = true;
        break;
      case NGHTTP2_HEADERS: {
        auto* st = stream_of(session, frame->hd.stream_id);
        if (!st) break;
        auto sp = s.streams_.at(st->id);
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
          if (st->headers_too_large) {
            s.reject(sp, 431, "request header fields too large");
          } else if (auto cl = find_header(st->request.headers, "content-length")) {
            std::uint64_t len = 0;
            auto [p, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), len);
            if (ec == std::errc() && p == cl->data() + cl->size() && len > s.limits_.max_request_body) {
              s.reject(sp, 413, "request body too large");
            }
          }
        }
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) complete(s, sp);
        break;
      }
      case NGHTTP2_DATA:
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
          if (auto* st = stream_of(session, frame->hd.stream_id)) complete(s, s.streams_.at(st->id));
        }
        break;
      default:
        break;
    }
    return 0;
  }

  static void complete(Http2ServerSession& s, const std::shared_ptr<Http2ServerStream>& st) {
    if (st->request_complete) return;
    st->request_complete = true;
    if (!st->rejected) s.dispatch(st);
  }

  static int on_data_chunk_recv(nghttp2_session* session, std::uint8_t /*flags*/, std::int32_t stream_id,
                                const std::uint8_t* data, std::size_t len, void* user_data) {
    auto& s = self(user_data);
    auto* st = stream_of(session, stream_id);
    if (!st || st->rejected) return 0;
    if (st->request.body.size() + len > s.limits_.max_request_body) {
      s.reject(s.streams_.at(stream_id), 413, "request body too large");
      return 0;
    }
    if (s.request_bytes_ + len > s.limits_.max_connection_request_bytes) {
      s.terminate(CloseReason::LimitExceeded, "request bodies held on the connection exceed the limit",
                  NGHTTP2_ENHANCE_YOUR_CALM);
      return 0;
    }
    st->request.body.insert(st->request.body.end(), data, data + len);
    st->body_accounted += len;
    s.request_bytes_ += len;
    return 0;
  }

  static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      self(user_data).on_goaway_sent(frame->goaway.error_code);
      return 0;
    }
    if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      auto* st = stream_of(session, frame->hd.stream_id);
      if (st && st->rst_after_response && !st->request_complete) {
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
      }
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session* session, std::int32_t stream_id, std::uint32_t /*error_code*/,
                             void* user_data) {
    auto& s = self(user_data);
    auto* st = stream_of(session, stream_id);
    if (!st) return 0;
    auto sp = s.streams_.at(stream_id);
    s.streams_.erase(stream_id);
    s.unsent_bytes_ -= std::min(s.unsent_bytes_, sp->out_bytes);
    sp->out.clear();
    sp->out_bytes = 0;
    s.request_bytes_ -= std::min(s.request_bytes_, sp->body_accounted);
    sp->body_accounted = 0;
    if (!sp->handler_running) {
      sp->request.body.clear();
      sp->request.body.shrink_to_fit();
    }
    if (sp->waiting_space) {
      sp->waiting_space = false;
      --s.space_waiters_;
    }
    sp->closed = true;
    sp->owner = nullptr;
    sp->space.notify();
    if (sp->handler_running && !sp->finished) sp->cancel.emit(asio::cancellation_type::terminal);
    s.notify_send_space();
    s.update_read_deadline();
    return 0;
  }

  static ssize_t read_data(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* data_flags, nghttp2_data_source* source, void* user_data) {
    auto& s = self(user_data);
    auto* st = static_cast<Http2ServerStream*>(source->ptr);
    std::size_t n = 0;
    while (n < length && !st->out.empty()) {
      Bytes& front = st->out.front();
      std::size_t take = std::min(length - n, front.size() - st->out_offset);
      std::memcpy(buf + n, front.data() + st->out_offset, take);
      n += take;
      st->out_offset += take;
      if (st->out_offset == front.size()) {
        st->out.pop_front();
        st->out_offset = 0;
      }
    }
    st->out_bytes -= n;
    s.unsent_bytes_ -= std::min(s.unsent_bytes_, n);
    if (n > 0 && s.space_waiters_ > 0) s.notify_send_space();
    if (st->out.empty()) {
      if (st->finished) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        return static_cast<ssize_t>(n);
      }
      if (n == 0) {
        st->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
      }
    }
    return static_cast<ssize_t>(n);
  }

  static int on_error(nghttp2_session*, int /*lib_error_code*/, const char* msg, std::size_t len,
                      void* user_data) {
    self(user_data).note_h2_error(std::string_view(msg, len));
    return 0;
  }
};

Http2ServerSession::Http2ServerSession(std::unique_ptr<ByteStream> stream,
                                       std::shared_ptr<const Http2Router> router,
                                       std::shared_ptr<const ConnectionInfo> info,
                                       const Http2ServerLimits& limits, const Timeouts& timeouts,
                                       TransportCounters* counters)
    : Http2Connection(std::move(stream), timeouts, counters,
                      "h2 server " + (info ? info->remote_address : std::string("?"))),
      router_(std::move(router)),
      info_(std::move(info)),
      limits_(limits) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, &Http2ServerCallbacks::on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, &Http2ServerCallbacks::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &Http2ServerCallbacks::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &Http2ServerCallbacks::on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, &Http2ServerCallbacks::on_frame_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, &Http2ServerCallbacks::on_stream_close);
  nghttp2_session_callbacks_set_error_callback2(cb, &Http2ServerCallbacks::on_error);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_max_send_header_block_length(opt, 64 * 1024);
  // No HPACK dynamic table for what we send: a control connection carries a
  // handful of responses, and a table would keep up to 4 KiB of header
  // fields (and distinct date values) per idle connection. The table the
  // client's encoder uses stays at the protocol default: clients built with
  // older Go http2 ignore SETTINGS_HEADER_TABLE_SIZE.
  nghttp2_option_set_max_deflate_dynamic_table_size(opt, 0);
  nghttp2_session_server_new3(&session_, cb, this, opt, allocator_.mem());
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);

  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits_.max_concurrent_streams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(limits_.max_header_list)},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, limits_.initial_window},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  // Open the connection window as far as a stream's, as upstream's server does.
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        static_cast<std::int32_t>(limits_.initial_window));
}

Http2ServerSession::~Http2ServerSession() {
  for (auto& [id, st] : streams_) {
    st->owner = nullptr;
    st->closed = true;
  }
}

std::shared_ptr<Http2ServerSession> Http2ServerSession::create(std::unique_ptr<ByteStream> stream,
                                                               std::shared_ptr<const Http2Router> router,
                                                               std::shared_ptr<const ConnectionInfo> info,
                                                               const Http2ServerLimits& limits,
                                                               const Timeouts& timeouts,
                                                               TransportCounters* counters) {
  return std::make_shared<Http2ServerSession>(std::move(stream), std::move(router), std::move(info), limits,
                                              timeouts, counters);
}

asio::awaitable<CloseReason> Http2ServerSession::run(Bytes initial_input) {
  auto keep_alive = shared_from_this();
  co_return co_await run_io(std::move(initial_input));
}

void Http2ServerSession::shutdown() {
  terminate(CloseReason::ServerShutdown, "server shutting down", NGHTTP2_NO_ERROR);
}

bool Http2ServerSession::request_in_progress() const {
  if (!got_settings_) return true;
  for (const auto& [id, st] : streams_) {
    if (!st->request_complete && !st->rejected) return true;
  }
  return false;
}

void Http2ServerSession::on_connection_closed() {
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, st] : streams) {
    st->closed = true;
    st->owner = nullptr;
    st->out.clear();
    st->space.notify();
    if (st->handler_running && !st->finished) st->cancel.emit(asio::cancellation_type::terminal);
  }
  request_bytes_ = 0;
  unsent_bytes_ = 0;
}

void Http2ServerSession::notify_send_space() {
  if (unsent_bytes_ > limits_.connection_send_buffer) return;
  for (auto& [id, st] : streams_) {
    if (st->waiting_space && st->out_bytes <= limits_.stream_send_buffer) st->space.notify();
  }
}

void Http2ServerSession::release_request_body(Http2ServerStream& s) {
  request_bytes_ -= std::min(request_bytes_, s.body_accounted);
  s.body_accounted = 0;
  s.request.body.clear();
  s.request.body.shrink_to_fit();
}

void Http2ServerSession::resume(Http2ServerStream& s) {
  if (s.deferred && s.has_provider) {
    s.deferred = false;
    nghttp2_session_resume_data(session_, s.id);
  }
  wake_writer();
}

void Http2ServerSession::submit_headers(Http2ServerStream& s, unsigned status, HeaderList headers,
                                        bool end_stream) {
  std::vector<std::string> storage;
  storage.reserve(2 * headers.size() + 4);
  std::vector<nghttp2_nv> nva;
  nva.reserve(headers.size() + 2);
  storage.push_back(":status");
  storage.push_back(std::to_string(status));
  bool has_date = false;
  for (auto& [name, value] : headers) {
    storage.push_back(lower_ascii(name));
    if (storage.back() == "date") has_date = true;
    storage.push_back(std::move(value));
  }
  if (!has_date) {
    storage.push_back("date");
    storage.push_back(http_date_now());
  }
  for (std::size_t i = 0; i + 1 < storage.size(); i += 2) nva.push_back(make_nv(storage[i], storage[i + 1]));
  if (counters_) counters_->http2_responses.count(status);

  nghttp2_data_provider provider;
  provider.source.ptr = &s;
  provider.read_callback = &Http2ServerCallbacks::read_data;
  int rv = nghttp2_submit_response(session_, s.id, nva.data(), nva.size(), end_stream ? nullptr : &provider);
  if (rv != 0) {
    spdlog::warn("{}: stream {}: cannot submit response: {}", log_name_, s.id, nghttp2_strerror(rv));
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s.id, NGHTTP2_INTERNAL_ERROR);
  }
  s.started = true;
  s.has_provider = !end_stream;
  if (end_stream) s.finished = true;
  wake_writer();
}

void Http2ServerSession::reject(const std::shared_ptr<Http2ServerStream>& s, unsigned status,
                                std::string_view message) {
  if (s->rejected || s->started) return;
  s->rejected = true;
  if (counters_) counters_->http2_streams_refused.fetch_add(1, std::memory_order_relaxed);
  if (!s->handler_running) release_request_body(*s);
  spdlog::info("{}: stream {} {} {}: {} ({})", log_name_, s->id, s->request.method, s->request.path, status,
               message);
  std::string body = std::string(message) + "\n";
  s->out.push(as_bytes(body));
  s->out_bytes += body.size();
  unsent_bytes_ += body.size();
  s->finished = true;
  s->rst_after_response = !s->request_complete;
  submit_headers(*s, status,
                 {{"content-type", "text/plain; charset=utf-8"},
                  {"x-content-type-options", "nosniff"},
                  {"content-length", std::to_string(body.size())}},
                 false);
  update_read_deadline();
}

namespace {

asio::awaitable<void> run_handler(std::shared_ptr<Http2ServerStream> s, Http2Handler handler) {
  Http2Response response(s);
  co_await handler(s->request, response);
}

}  // namespace

void Http2ServerSession::dispatch(const std::shared_ptr<Http2ServerStream>& s) {
  if (counters_) counters_->http2_streams.fetch_add(1, std::memory_order_relaxed);
  auto match = router_ ? router_->find(s->request.method, s->request.path_only()) : Http2Router::Match{};
  if (!match.handler) {
    reject(s, match.status, match.status == 405 ? "method not allowed" : "404 page not found");
    return;
  }
  s->handler_running = true;
  auto log_name = log_name_;
  asio::co_spawn(
      executor(), run_handler(s, *match.handler),
      asio::bind_cancellation_slot(s->cancel.slot(), [s, log_name](std::exception_ptr error) {
        s->handler_running = false;
        auto* owner = s->owner;
        if (error) {
          auto f = classify_failure(error);
          if (owner && !s->closed) {
            spdlog::warn("{}: stream {} {} {}: handler failed: {}", log_name, s->id, s->request.method,
                         s->request.path, f.message);
          }
        }
        if (!owner || s->closed) {
          s->request.body.clear();
          s->request.body.shrink_to_fit();
          return;
        }
        if (error) {
          if (!s->started) {
            Http2Response(s).start(500, {{"content-type", "text/plain; charset=utf-8"}});
            Http2Response(s).finish();
          } else if (!s->finished) {
            Http2Response(s).reset();
          }
        } else if (!s->finished) {
          Http2Response(s).finish();
        }
        owner->release_request_body(*s);
        owner->wake_writer();
      }));
}

// --- Http2Response ---------------------------------------------------------

bool Http2Response::is_open() const { return s_ && s_->owner && !s_->closed && !s_->finished; }
bool Http2Response::started() const { return s_ && s_->started; }
bool Http2Response::finished() const { return s_ && s_->finished; }

void Http2Response::start(unsigned status, HeaderList headers) {
  if (!is_open() || s_->started) return;
  s_->owner->submit_headers(*s_, status, std::move(headers), false);
}

asio::awaitable<bool> Http2Response::write(ByteView chunk) {
  if (!is_open()) co_return false;
  if (!s_->started) start(200);
  if (!is_open()) co_return false;
  if (!chunk.empty()) {
    s_->out.push(chunk);
    s_->out_bytes += chunk.size();
    s_->owner->unsent_bytes_ += chunk.size();
    s_->owner->resume(*s_);
  }
  while (s_->owner && !s_->closed &&
         (s_->out_bytes > s_->owner->limits_.stream_send_buffer ||
          s_->owner->unsent_bytes_ > s_->owner->limits_.connection_send_buffer)) {
    s_->waiting_space = true;
    ++s_->owner->space_waiters_;
    co_await s_->space.wait();
    if (s_->waiting_space) {
      s_->waiting_space = false;
      if (s_->owner) --s_->owner->space_waiters_;
    }
  }
  co_return s_->owner && !s_->closed;
}

void Http2Response::finish() {
  if (!is_open()) return;
  if (!s_->started && s_->out.empty()) {
    s_->owner->submit_headers(*s_, 200, {}, true);
    return;
  }
  if (!s_->started) start(200);
  s_->finished = true;
  if (s_->owner) s_->owner->resume(*s_);
}

asio::awaitable<bool> Http2Response::send(unsigned status, std::string_view content_type, ByteView body) {
  if (!is_open()) co_return false;
  if (s_->started) {
    bool ok = co_await write(body);
    finish();
    co_return ok;
  }
  HeaderList headers;
  if (!content_type.empty()) headers.emplace_back("content-type", std::string(content_type));
  headers.emplace_back("content-length", std::to_string(body.size()));
  if (body.empty()) {
    s_->owner->submit_headers(*s_, status, std::move(headers), true);
    co_return true;
  }
  s_->out.push(body);
  s_->out_bytes += body.size();
  s_->owner->unsent_bytes_ += body.size();
  s_->finished = true;
  s_->owner->submit_headers(*s_, status, std::move(headers), false);
  co_return true;
}

void Http2Response::reset() {
  if (!s_ || !s_->owner || s_->closed) return;
  nghttp2_submit_rst_stream(s_->owner->session_, NGHTTP2_FLAG_NONE, s_->id, NGHTTP2_INTERNAL_ERROR);
  s_->finished = true;
  s_->owner->wake_writer();
}

}  // namespace latchkey::transport
