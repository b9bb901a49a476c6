// Map response framing as upstream's control client reads it
// (controlclient/direct.go, the /machine/map long-poll): each MapResponse is
// a 4-byte little-endian length followed by the JSON body, zstd-compressed
// (one zstd frame) when the MapRequest asked for Compress "zstd". Also the
// inverse, which the server writes and tests use. Sans-IO.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey::transport {

// Our reader's bound on one message (upstream's client reads whatever
// length the server announces; a reader of untrusted input must not).
inline constexpr std::size_t kMaxMapMessage = 32u << 20;

// The body of a keepalive message, as upstream servers send it.
inline constexpr std::string_view kKeepAliveJson = R"({"KeepAlive":true})";

// Appends one framed message.
void append_map_frame(Bytes& out, std::string_view json, bool zstd);
Bytes map_frame(std::string_view json, bool zstd);

// zstd-compresses one frame at a fast level (upstream uses zstd's fastest).
Bytes zstd_compress(std::string_view data);
// Decompresses one zstd frame of at most max_size bytes of output.
Result<std::string> zstd_decompress(ByteView data, std::size_t max_size = kMaxMapMessage);

// Splits a byte stream into map messages: feed bytes, take complete
// messages (decompressed when zstd).
class MapFrameReader {
 public:
  explicit MapFrameReader(bool zstd, std::size_t max_message = kMaxMapMessage) : zstd_(zstd), max_(max_message) {}
  void feed(ByteView data) { buf_.insert(buf_.end(), data.begin(), data.end()); }
  // The next complete message's JSON, nullopt if more bytes are needed, an
  // error for an oversized or undecodable message.
  Result<std::optional<std::string>> next();

 private:
  bool zstd_;
  std::size_t max_;
  Bytes buf_;
};

}  // namespace latchkey::transport
