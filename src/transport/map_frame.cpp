#include "transport/map_frame.h"

#include <memory>

#include <zstd.h>

namespace latchkey::transport {

namespace {

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_CCtx* thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> c(ZSTD_createCCtx());
  return c.get();
}
ZSTD_DCtx* thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> c(ZSTD_createDCtx());
  return c.get();
}

void put_le32(Bytes& out, std::size_t at, std::uint32_t v) {
  out[at] = static_cast<std::uint8_t>(v);
  out[at + 1] = static_cast<std::uint8_t>(v >> 8);
  out[at + 2] = static_cast<std::uint8_t>(v >> 16);
  out[at + 3] = static_cast<std::uint8_t>(v >> 24);
}

// Compresses into out starting at `at`; returns the compressed size.
std::size_t compress_into(Bytes& out, std::size_t at, std::string_view data) {
  const std::size_t bound = ZSTD_compressBound(data.size());
  out.resize(at + bound);
  const std::size_t n = ZSTD_compressCCtx(thread_cctx(), out.data() + at, bound, data.data(), data.size(), 1);
  // Compression into a buffer of ZSTD_compressBound bytes cannot fail
  // except on allocation failure inside zstd.
  if (ZSTD_isError(n)) throw std::bad_alloc();
  out.resize(at + n);
  return n;
}

}  // namespace

Bytes zstd_compress(std::string_view data) {
  Bytes out;
  compress_into(out, 0, data);
  return out;
}

Result<std::string> zstd_decompress(ByteView data, std::size_t max_size) {
  const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return Error{"map message is not a zstd frame"};
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > max_size) {
    return Error{"zstd map message declares " + std::to_string(declared) + " bytes, above the limit of " +
                 std::to_string(max_size)};
  }
  // Streaming decompression bounded by max_size (the declared size may be
  // absent or a lie).
  std::string out;
  ZSTD_DCtx* d = thread_dctx();
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::size_t ret = 1;
  while (true) {
    const std::size_t old = out.size();
    const std::size_t grow = std::min<std::size_t>(std::max<std::size_t>(old, 4096), max_size + 1 - old);
    out.resize(old + grow);
    ZSTD_outBuffer ob{out.data() + old, grow, 0};
    ret = ZSTD_decompressStream(d, &ob, &in);
    out.resize(old + ob.pos);
    if (ZSTD_isError(ret)) return Error{std::string("zstd map message: ") + ZSTD_getErrorName(ret)};
    if (out.size() > max_size) return Error{"zstd map message exceeds " + std::to_string(max_size) + " bytes"};
    if (ret == 0) break;
    if (in.pos == in.size && ob.pos < grow) return Error{"zstd map message is truncated"};
  }
  if (in.pos != in.size) return Error{"trailing bytes after the zstd frame of a map message"};
  return out;
}

void append_map_frame(Bytes& out, std::string_view json, bool zstd) {
  const std::size_t at = out.size();
  out.resize(at + 4);
  std::size_t n = 0;
  if (zstd) {
    n = compress_into(out, at + 4, json);
  } else {
    out.insert(out.end(), json.begin(), json.end());
    n = json.size();
  }
  put_le32(out, at, static_cast<std::uint32_t>(n));
}

Bytes map_frame(std::string_view json, bool zstd) {
  Bytes out;
  append_map_frame(out, json, zstd);
  return out;
}

Result<std::optional<std::string>> MapFrameReader::next() {
  if (buf_.size() < 4) return std::optional<std::string>{};
  const std::size_t n = std::size_t{buf_[0]} | std::size_t{buf_[1]} << 8 | std::size_t{buf_[2]} << 16 |
                        std::size_t{buf_[3]} << 24;
  if (n > max_) {
    return Error{"map message of " + std::to_string(n) + " bytes exceeds the limit of " + std::to_string(max_)};
  }
  if (buf_.size() < 4 + n) return std::optional<std::string>{};
  ByteView body(buf_.data() + 4, n);
  std::string json;
  if (zstd_) {
    auto d = zstd_decompress(body, max_);
    if (!d) return d.error();
    json = std::move(*d);
  } else {
    json.assign(body.begin(), body.end());
  }
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(4 + n));
  return std::optional<std::string>(std::move(json));
}

}  // namespace latchkey::transport
