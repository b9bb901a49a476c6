#include "transport/http_head.h"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "transport/request_target.h"

namespace latchkey::transport {

namespace http = boost::beast::http;

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> HttpRequestHead::field(std::string_view name) const {
  for (const auto& [n, v] : fields) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> HttpRequestHead::fields_named(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : fields) {
    if (iequals(n, name)) out.emplace_back(v);
  }
  return out;
}

std::string_view HttpRequestHead::path() const { return target_path(target); }

std::string_view HttpRequestHead::raw_query() const { return target_query(target); }

bool has_token(const HttpRequestHead& head, std::string_view field, std::string_view token) {
  for (std::string_view value : head.fields_named(field)) {
    while (!value.empty()) {
      auto comma = value.find(',');
      std::string_view item = trim(value.substr(0, comma));
      if (iequals(item, token)) return true;
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return false;
}

std::optional<std::size_t> find_request_head_end(std::string_view text, std::size_t from) {
  for (std::size_t lf = text.find('\n', from > 2 ? from - 2 : 0); lf != std::string_view::npos;
       lf = text.find('\n', lf + 1)) {
    // An empty line follows this line's LF: "\n\n" or "\n\r\n".
    if (lf + 1 < text.size() && text[lf + 1] == '\n') return lf + 2;
    if (lf + 2 < text.size() && text[lf + 1] == '\r' && text[lf + 2] == '\n') return lf + 3;
  }
  return std::nullopt;
}

namespace {

// The head with every bare LF made CRLF, for Beast's parser.
std::string with_crlf(std::string_view head) {
  std::string out;
  out.reserve(head.size() + head.size() / 8);
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) out += '\r';
    out += head[i];
  }
  return out;
}

}  // namespace

Result<ParsedHead> parse_http_request_head(ByteView bytes) {
  const std::string_view text = as_chars(bytes);
  const auto end = find_request_head_end(text);
  if (!end) {
    if (text.size() > kMaxRequestHeadBytes) return Error{"HTTP request head larger than the limit"};
    return Error{"HTTP request head is incomplete"};
  }
  if (*end > kMaxRequestHeadBytes) return Error{"HTTP request head larger than the limit"};
  const std::string head = with_crlf(text.substr(0, *end));
  http::request_parser<http::empty_body> parser;
  parser.eager(false);
  parser.header_limit(static_cast<std::uint32_t>(head.size()));
  boost::system::error_code ec;
  std::size_t used = 0;
  while (!parser.is_header_done()) {
    if (used == head.size()) return Error{"HTTP request head is incomplete"};
    std::size_t n = parser.put(boost::asio::buffer(head.data() + used, head.size() - used), ec);
    if (ec == http::error::need_more) {
      // Beast consumed nothing more: the rest is not a complete line yet.
      if (n == 0) return Error{"HTTP request head is incomplete"};
      ec = {};
    }
    if (ec) return Error{"malformed HTTP request head: " + ec.message()};
    used += n;
  }
  ParsedHead out;
  const auto& msg = parser.get();
  out.head.method = std::string(msg.method_string());
  out.head.target = std::string(msg.target());
  out.head.version = msg.version();
  for (const auto& f : msg) {
    out.head.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  if (auto len = parser.content_length()) out.head.content_length = *len;
  out.head.chunked = parser.chunked();
  out.head_size = *end;
  return out;
}

std::optional<std::string_view> HttpResponseHead::field(std::string_view name) const {
  for (const auto& [n, v] : fields) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

Result<HttpResponseHead> parse_http_response_head(ByteView bytes) {
  http::response_parser<http::empty_body> parser;
  parser.eager(false);
  parser.header_limit(static_cast<std::uint32_t>(kMaxRequestHeadBytes));
  boost::system::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec == http::error::need_more || (!ec && !parser.is_header_done())) {
    return Error{"HTTP response head is incomplete"};
  }
  if (ec) return Error{"malformed HTTP response head: " + ec.message()};
  HttpResponseHead out;
  const auto& msg = parser.get();
  out.status = msg.result_int();
  out.reason = std::string(msg.reason());
  for (const auto& f : msg) out.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
  if (auto len = parser.content_length()) out.content_length = *len;
  out.chunked = parser.chunked();
  out.head_size = used;
  return out;
}

}  // namespace latchkey::transport
