#include "transport/http2_allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace latchkey::transport {

namespace {

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// Bytes mapped for one chunk: whole pages.
std::size_t mapped_size() {
  const std::size_t page = page_size();
  return (Http2Allocator::kFrameChunkSize + page - 1) / page * page;
}

Http2Allocator& self_of(void* self) { return *static_cast<Http2Allocator*>(self); }

}  // namespace

Http2Allocator::Http2Allocator() {
  mem_.mem_user_data = this;
  mem_.malloc = &Http2Allocator::do_malloc;
  mem_.free = &Http2Allocator::do_free;
  mem_.calloc = &Http2Allocator::do_calloc;
  mem_.realloc = &Http2Allocator::do_realloc;
}

Http2Allocator::~Http2Allocator() {
  // nghttp2_session_del has freed its chunks by now; unmap any left.
  while (!chunks_.empty()) unmap(chunks_.size() - 1);
}

std::size_t Http2Allocator::find(const void* ptr) const {
  std::size_t i = 0;
  while (i < chunks_.size() && chunks_[i] != ptr) ++i;
  return i;
}

void Http2Allocator::unmap(std::size_t index) noexcept {
  ::munmap(chunks_[index], mapped_size());
  chunks_[index] = chunks_.back();
  chunks_.pop_back();
}

void* Http2Allocator::do_malloc(std::size_t size, void*) { return std::malloc(size); }

void* Http2Allocator::do_calloc(std::size_t n, std::size_t size, void*) { return std::calloc(n, size); }

void Http2Allocator::do_free(void* ptr, void* self) {
  if (ptr == nullptr) return;
  auto& a = self_of(self);
  const std::size_t i = a.find(ptr);
  if (i < a.chunks_.size()) {
    a.unmap(i);
    return;
  }
  std::free(ptr);
}

void* Http2Allocator::do_realloc(void* ptr, std::size_t size, void* self) {
  auto& a = self_of(self);
  if (ptr == nullptr && size == kFrameChunkSize) {
    try {
      a.chunks_.reserve(a.chunks_.size() + 1);
    } catch (...) {
      return nullptr;
    }
    void* p = ::mmap(nullptr, mapped_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    // Out of mappings (vm.max_map_count): an ordinary heap block still works,
    // it just keeps its pages.
    if (p == MAP_FAILED) return std::malloc(size);
    a.chunks_.push_back(p);
    return p;
  }
  const std::size_t i = ptr == nullptr ? a.chunks_.size() : a.find(ptr);
  if (i == a.chunks_.size()) return std::realloc(ptr, size);
  // A chunk resized (nghttp2 1.52 never does this): move it to the heap.
  void* moved = std::malloc(size);
  if (moved == nullptr) return nullptr;
  std::memcpy(moved, ptr, size < kFrameChunkSize ? size : kFrameChunkSize);
  a.unmap(i);
  return moved;
}

void Http2Allocator::release_frame_pages() noexcept {
  for (void* p : chunks_) ::madvise(p, mapped_size(), MADV_DONTNEED);
}

std::size_t Http2Allocator::resident_frame_pages() const {
  const std::size_t pages = mapped_size() / page_size();
  std::vector<unsigned char> vec(pages);
  std::size_t resident = 0;
  for (void* p : chunks_) {
    if (::mincore(p, mapped_size(), vec.data()) != 0) continue;
    for (unsigned char v : vec) resident += (v & 1U);
  }
  return resident;
}

}  // namespace latchkey::transport
