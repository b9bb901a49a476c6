#include <gtest/gtest.h>

#include "transport/control_url.h"

namespace latchkey::transport {
namespace {

TEST(ControlUrl, HostPortSchemeAndTheDefaultPorts) {
  auto a = parse_control_url("https://control.example.com/");
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a->target.host, "control.example.com");
  EXPECT_EQ(a->target.port, 443);
  EXPECT_TRUE(a->target.tls);
  EXPECT_EQ(a->url, "https://control.example.com");
  auto b = parse_control_url("http://127.0.0.1:8080");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->target.port, 8080);
  EXPECT_FALSE(b->target.tls);
  auto c = parse_control_url("http://[::1]:9");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->target.host, "::1");
  EXPECT_EQ(c->target.port, 9);
  EXPECT_EQ(parse_control_url("http://example.com")->target.port, 80);
}

TEST(ControlUrl, WhatCannotBeDialedAtTheRootIsRefusedWithWhy) {
  const std::pair<const char*, const char*> bad[] = {
      {"ftp://example.com", "is not an http or https URL"},
      {"example.com", "is not an http or https URL"},
      {"http://example.com/path", "has a path"},
      {"http://user@example.com", "user part"},
      {"http://example.com?x=1", "query"},
      {"http://", "has no host"},
      {"http://example.com:0", "bad port"},
      {"http://example.com:65536", "bad port"},
      {"http://example.com:8x", "bad port"},
      {"http://[::1", "unclosed ["},
      {"http://[::1]x", "malformed after ]"},
      {"http://fe80::1", "IPv6 address without [ ]"},
  };
  for (const auto& [url, why] : bad) {
    auto r = parse_control_url(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_NE(r.message().find(why), std::string::npos) << url << ": " << r.message();
    EXPECT_NE(r.message().find("want http://host[:port]"), std::string::npos) << r.message();
  }
}

}  // namespace
}  // namespace latchkey::transport
