// Http2Allocator: the memory functions (nghttp2_mem) of one nghttp2 session,
// so that an idle HTTP/2 connection does not keep nghttp2's outbound frame
// buffer resident. nghttp2 (1.52) allocates that buffer — room for one
// maximal frame, 16,394 bytes — when the session is created and keeps it for
// the session's life; once a session has sent a full DATA frame its pages
// stay touched. This allocator maps each frame-buffer chunk as its own
// anonymous pages, and release_frame_pages() hands those pages back to the
// kernel (MADV_DONTNEED: they read as zeros and cost no memory until written
// again). Every other allocation goes to malloc.
//
// A frame-buffer chunk is recognised by how nghttp2 obtains it: realloc of a
// null pointer to exactly kFrameChunkSize bytes (lib/nghttp2_buf.c,
// buf_chain_new; no other realloc in nghttp2 asks for that size: its priority
// queues grow in powers of two of pointers).
//
// release_frame_pages() is safe only when nghttp2 holds nothing unsent in the
// frame buffer: right after nghttp2_session_mem_send returned 0 (the last
// frame's bytes were copied out and the active outbound item was reset), and
// before anything asks nghttp2 for output again.
#pragma once

#include <cstddef>
#include <vector>

#include <nghttp2/nghttp2.h>

namespace latchkey::transport {

class Http2Allocator {
 public:
  // nghttp2's frame buffer chunk: frame header (9) + pad length (1) + the
  // largest payload nghttp2 sends (16,384).
  static constexpr std::size_t kFrameChunkSize = 9 + 1 + 16384;

  Http2Allocator();
  ~Http2Allocator();
  Http2Allocator(const Http2Allocator&) = delete;
  Http2Allocator& operator=(const Http2Allocator&) = delete;

  // For nghttp2_session_{server,client}_new3. The allocator must outlive the
  // session (nghttp2_session_del uses it).
  nghttp2_mem* mem() { return &mem_; }

  // Returns the pages of every frame-buffer chunk to the kernel; see the
  // header comment for when this is allowed.
  void release_frame_pages() noexcept;

  // Frame-buffer chunks currently allocated (mapped).
  std::size_t frame_chunks() const { return chunks_.size(); }
  // Pages of the frame-buffer chunks that are resident now (mincore).
  std::size_t resident_frame_pages() const;

 private:
  static void* do_malloc(std::size_t size, void* self);
  static void do_free(void* ptr, void* self);
  static void* do_calloc(std::size_t n, std::size_t size, void* self);
  static void* do_realloc(void* ptr, std::size_t size, void* self);

  // Index of the chunk starting at ptr in chunks_, or chunks_.size().
  std::size_t find(const void* ptr) const;
  void unmap(std::size_t index) noexcept;

  nghttp2_mem mem_;
  std::vector<void*> chunks_;  // mapped frame-buffer chunks (usually one)
};

}  // namespace latchkey::transport
