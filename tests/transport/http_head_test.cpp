// Request heads with CRLF, bare LF and mixed line endings (Go's net/http
// reads all three): where the head ends, that each parses to the same head,
// and that a bare CR stays an error.
#include <gtest/gtest.h>

#include "transport/http_head.h"

namespace latchkey::transport {
namespace {

TEST(HttpHead, EndIsFoundWithCrlfOrBareLf) {
  EXPECT_EQ(find_request_head_end("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), std::optional<std::size_t>(27));
  EXPECT_EQ(find_request_head_end("GET / HTTP/1.1\nHost: x\n\nbody"), std::optional<std::size_t>(24));
  EXPECT_EQ(find_request_head_end("GET / HTTP/1.1\r\nHost: x\n\r\n"), std::optional<std::size_t>(26));
  EXPECT_EQ(find_request_head_end("GET / HTTP/1.1\nHost: x\r\n\n"), std::optional<std::size_t>(25));
  EXPECT_EQ(find_request_head_end("GET / HTTP/1.1\r\nHost: x\r\n"), std::nullopt);
  EXPECT_EQ(find_request_head_end("GET / HTTP/1.1\nHost: x\n"), std::nullopt);
  EXPECT_EQ(find_request_head_end("GET / HTTP/1.1\r\nHost: x\r\n\r"), std::nullopt);
  // A CR alone does not end a line.
  EXPECT_EQ(find_request_head_end("GET / HTTP/1.1\r\r\r\n"), std::nullopt);
}

TEST(HttpHead, EndIsFoundWhenTheBlankLineArrivesInPieces) {
  // The server searches again from where the last read ended.
  for (std::string head : {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\nHost: x\n\n",
                           "GET / HTTP/1.1\nHost: x\n\r\n"}) {
    std::size_t scanned = 0;
    std::optional<std::size_t> end;
    for (std::size_t have = 1; have <= head.size() && !end; ++have) {
      end = find_request_head_end(std::string_view(head).substr(0, have), scanned);
      if (!end) scanned = have;
    }
    EXPECT_EQ(end, std::optional<std::size_t>(head.size())) << head;
  }
}

void expect_same_head(const std::string& raw) {
  auto parsed = parse_http_request_head(as_bytes(raw + "tail"));
  ASSERT_TRUE(parsed.ok()) << parsed.message() << " for " << raw;
  EXPECT_EQ(parsed->head_size, raw.size());
  EXPECT_EQ(parsed->head.method, "POST");
  EXPECT_EQ(parsed->head.target, "/ts2021?x=1");
  EXPECT_EQ(parsed->head.version, 11u);
  ASSERT_EQ(parsed->head.fields.size(), 3u);
  EXPECT_EQ(parsed->head.fields[0], (std::pair<std::string, std::string>("Host", "example.com")));
  EXPECT_EQ(parsed->head.fields[1], (std::pair<std::string, std::string>("Upgrade", "tailscale-control-protocol")));
  EXPECT_EQ(parsed->head.fields[2], (std::pair<std::string, std::string>("Content-Length", "4")));
  EXPECT_EQ(parsed->head.content_length, std::optional<std::uint64_t>(4));
}

TEST(HttpHead, CrlfBareLfAndMixedHeadsParseAlike) {
  expect_same_head(
      "POST /ts2021?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: tailscale-control-protocol\r\nContent-Length: 4\r\n\r\n");
  expect_same_head(
      "POST /ts2021?x=1 HTTP/1.1\nHost: example.com\nUpgrade: tailscale-control-protocol\nContent-Length: 4\n\n");
  expect_same_head(
      "POST /ts2021?x=1 HTTP/1.1\nHost: example.com\r\nUpgrade: tailscale-control-protocol\nContent-Length: 4\r\n\n");
  expect_same_head(
      "POST /ts2021?x=1 HTTP/1.1\r\nHost: example.com\nUpgrade: tailscale-control-protocol\r\nContent-Length: 4\n\r\n");
}

TEST(HttpHead, BareCrAndMalformedLfHeadsAreRefused) {
  EXPECT_FALSE(parse_http_request_head(as_bytes("GET / HTTP/1.1\rHost: x\n\n")).ok());
  EXPECT_FALSE(parse_http_request_head(as_bytes("GET / HTTP/1.1\nHost: a\rb\n\n")).ok());
  EXPECT_FALSE(parse_http_request_head(as_bytes("GET / HTTP/1.1\nBad Header\n\n")).ok());
  EXPECT_FALSE(parse_http_request_head(as_bytes("NOT HTTP\n\n")).ok());
  EXPECT_FALSE(parse_http_request_head(as_bytes("GET / HTTP/1.1\nHost: x\n")).ok());  // incomplete
  std::string huge = "GET / HTTP/1.1\nX-Big: " + std::string(kMaxRequestHeadBytes, 'a') + "\n\n";
  EXPECT_FALSE(parse_http_request_head(as_bytes(huge)).ok());
}

}  // namespace
}  // namespace latchkey::transport
