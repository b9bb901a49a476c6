// HttpRequestHead: the request line and header fields of one HTTP/1.1
// request, in wire order, independent of the parser that produced them.
// parse_http_request_head reads one from raw bytes (Beast's strict parser);
// the server fills one from the head it read off a socket. Request lines
// may end in CRLF or a bare LF, as Go's net/http server reads them
// (net/textproto); Beast alone would want CRLF.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey::transport {

struct HttpRequestHead {
  std::string method;   // as sent, e.g. "POST"
  std::string target;   // request target, e.g. "/key?v=145"
  unsigned version = 11;  // 10 or 11
  std::vector<std::pair<std::string, std::string>> fields;  // name, value
  // Body framing announced by the head: Content-Length (if any) and whether
  // Transfer-Encoding: chunked was given.
  std::optional<std::uint64_t> content_length;
  bool chunked = false;

  // First value of a field, matched case-insensitively (Go's Header.Get).
  std::optional<std::string_view> field(std::string_view name) const;
  // All values of a field, in order.
  std::vector<std::string_view> fields_named(std::string_view name) const;
  // The target's path (before '?') and raw query (after '?', or empty).
  std::string_view path() const;
  std::string_view raw_query() const;
};

// The largest request head (request line plus fields) the server reads.
inline constexpr std::size_t kMaxRequestHeadBytes = 16 * 1024;

// Where the request head in `text` ends: the size of the head up to and
// including its first empty line, each line ending in CRLF or a bare LF.
// `from` skips text already searched (the search resumes 2 bytes before it,
// so a line ending split over two reads is found). nullopt: not complete.
std::optional<std::size_t> find_request_head_end(std::string_view text, std::size_t from = 0);

// Parses one complete request head from `bytes`. Fails if the head is
// malformed, incomplete or larger than kMaxRequestHeadBytes. Bytes after the
// head (a body, or pipelined data) are not examined; their count is returned
// in `head_size` = the number of bytes the head occupied. A bare CR (not
// before LF) stays an error, as in Go.
struct ParsedHead {
  HttpRequestHead head;
  std::size_t head_size = 0;
};
Result<ParsedHead> parse_http_request_head(ByteView bytes);

// The status line and header fields of one HTTP/1.1 response (what a client
// reads back from /key or the /ts2021 upgrade).
struct HttpResponseHead {
  unsigned status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  std::size_t head_size = 0;

  std::optional<std::string_view> field(std::string_view name) const;
};
Result<HttpResponseHead> parse_http_response_head(ByteView bytes);

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);

// Whether a comma-separated field value list contains `token`
// (case-insensitive, whitespace trimmed), as Go's header token checks do.
bool has_token(const HttpRequestHead& head, std::string_view field, std::string_view token);

}  // namespace latchkey::transport
