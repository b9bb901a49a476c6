// Http2Allocator with real nghttp2 sessions, driven sans-IO (a client and a
// server session handing bytes to each other): the frame buffer is a mapped
// chunk whose pages become resident when full DATA frames are sent, go back
// to the kernel on release_frame_pages() once nghttp2_session_mem_send has
// returned 0, and the session keeps working across release and reuse.
#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <cstring>
#include <map>
#include <string>

#include "base/bytes.h"

#include "transport/http2_allocator.h"

namespace latchkey::transport {
namespace {

Bytes body_pattern(std::size_t n, unsigned seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 131 + seed) >> 3);
  return b;
}

// The server answers every request with a body of `body_size` bytes whose
// pattern depends on the stream id.
struct Server {
  explicit Server(std::size_t body) : body_size(body) {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &Server::on_frame_recv);
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    nghttp2_option_set_max_deflate_dynamic_table_size(opt, 0);
    EXPECT_EQ(nghttp2_session_server_new3(&session, cb, this, opt, allocator.mem()), 0);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~Server() { nghttp2_session_del(session); }

  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    auto& self = *static_cast<Server*>(user);
    if (frame->hd.type == NGHTTP2_HEADERS && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      auto& body = self.bodies[frame->hd.stream_id];
      body = body_pattern(self.body_size, static_cast<unsigned>(frame->hd.stream_id));
      static const std::string status_name = ":status", status = "200";
      nghttp2_nv nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(status_name.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(status.data())), status_name.size(),
                    status.size(), NGHTTP2_NV_FLAG_NONE};
      nghttp2_data_provider provider;
      provider.source.ptr = &body;
      provider.read_callback = &Server::read_body;
      self.sent[frame->hd.stream_id] = 0;
      nghttp2_submit_response(session, frame->hd.stream_id, &nv, 1, &provider);
    }
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source* source, void* user) {
    auto& self = *static_cast<Server*>(user);
    const Bytes& body = *static_cast<const Bytes*>(source->ptr);
    std::size_t& pos = self.sent[stream_id];
    const std::size_t n = std::min(length, body.size() - pos);
    std::memcpy(buf, body.data() + pos, n);
    pos += n;
    if (pos == body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  std::size_t body_size;
  Http2Allocator allocator;
  nghttp2_session* session = nullptr;
  std::map<std::int32_t, Bytes> bodies;
  std::map<std::int32_t, std::size_t> sent;
};

struct Client {
  Client() {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &Client::on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, &Client::on_close);
    EXPECT_EQ(nghttp2_session_client_new3(&session, cb, this, nullptr, allocator.mem()), 0);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~Client() { nghttp2_session_del(session); }

  static int on_data(nghttp2_session*, std::uint8_t, std::int32_t stream_id, const std::uint8_t* data,
                     std::size_t len, void* user) {
    auto& b = static_cast<Client*>(user)->received[stream_id];
    b.insert(b.end(), data, data + len);
    return 0;
  }
  static int on_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error, void* user) {
    static_cast<Client*>(user)->closed[stream_id] = error;
    return 0;
  }

  std::int32_t get(const std::string& path) {
    const std::string names[] = {":method", ":scheme", ":authority", ":path"};
    const std::string values[] = {"GET", "http", "test", path};
    nghttp2_nv nva[4];
    for (int i = 0; i < 4; ++i) {
      nva[i] = {reinterpret_cast<std::uint8_t*>(const_cast<char*>(names[i].data())),
                reinterpret_cast<std::uint8_t*>(const_cast<char*>(values[i].data())), names[i].size(),
                values[i].size(), NGHTTP2_NV_FLAG_NONE};
    }
    return nghttp2_submit_request(session, nullptr, nva, 4, nullptr, nullptr);
  }

  Http2Allocator allocator;
  nghttp2_session* session = nullptr;
  std::map<std::int32_t, Bytes> received;
  std::map<std::int32_t, std::uint32_t> closed;
};

// Moves bytes from `from` to `to` until `from` has nothing to send; returns
// the bytes moved. Ends right after nghttp2_session_mem_send returned 0.
std::size_t drain(nghttp2_session* from, nghttp2_session* to) {
  std::size_t moved = 0;
  while (true) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(from, &data);
    EXPECT_GE(n, 0);
    if (n <= 0) return moved;
    EXPECT_EQ(nghttp2_session_mem_recv(to, data, static_cast<std::size_t>(n)), n);
    moved += static_cast<std::size_t>(n);
  }
}

void exchange(Client& c, Server& s) {
  while (drain(c.session, s.session) + drain(s.session, c.session) > 0) {
  }
}

TEST(Http2Allocator, FrameBufferPagesAreReleasedAndReusable) {
  Server server(40000);  // more than two full DATA frames
  Client client;
  EXPECT_EQ(server.allocator.frame_chunks(), 1u);  // allocated with the session
  EXPECT_EQ(client.allocator.frame_chunks(), 1u);

  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    const std::int32_t id = client.get("/r" + std::to_string(round));
    ASSERT_GT(id, 0);
    exchange(client, server);
    ASSERT_EQ(client.closed.count(id), 1u);
    EXPECT_EQ(client.closed[id], 0u);
    EXPECT_EQ(client.received[id], body_pattern(40000, static_cast<unsigned>(id)));
    // Full 16 KiB DATA frames went through the frame buffer.
    EXPECT_GE(server.allocator.resident_frame_pages(), 4u);
    server.allocator.release_frame_pages();
    client.allocator.release_frame_pages();
    EXPECT_EQ(server.allocator.resident_frame_pages(), 0u);
    EXPECT_EQ(client.allocator.resident_frame_pages(), 0u);
    EXPECT_EQ(server.allocator.frame_chunks(), 1u);
  }

  // Two streams at once after a release: still intact, in any interleaving.
  const std::int32_t a = client.get("/a");
  const std::int32_t b = client.get("/b");
  exchange(client, server);
  EXPECT_EQ(client.received[a], body_pattern(40000, static_cast<unsigned>(a)));
  EXPECT_EQ(client.received[b], body_pattern(40000, static_cast<unsigned>(b)));
  EXPECT_EQ(nghttp2_session_want_write(server.session), 0);
}

TEST(Http2Allocator, SmallResponsesTouchOnlyTheFirstPage) {
  Server server(100);
  Client client;
  const std::int32_t id = client.get("/small");
  exchange(client, server);
  EXPECT_EQ(client.received[id], body_pattern(100, static_cast<unsigned>(id)));
  EXPECT_LE(server.allocator.resident_frame_pages(), 1u);
  server.allocator.release_frame_pages();
  EXPECT_EQ(server.allocator.resident_frame_pages(), 0u);
}

}  // namespace
}  // namespace latchkey::transport
