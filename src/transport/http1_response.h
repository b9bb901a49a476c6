// HTTP/1.1 responses the TS2021 server writes before (or instead of)
// switching protocols, byte for byte as Go's net/http writes them: the
// 101 Switching Protocols of the upgrade (controlhttpserver.acceptHTTP),
// http.Error refusals, and plain 200 responses such as /key.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::transport {

struct Http1Response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> fields;  // besides Date and Content-Length
  std::string body;
  bool close = false;  // add "Connection: close" (the connection ends after it)
};

// "HTTP/1.1 <status> <reason>\r\n" + fields + Date + Content-Length + body.
std::string serialize(const Http1Response& response);

// Go's http.Error(w, message, status): text/plain, nosniff, message + "\n".
Http1Response http_error(unsigned status, std::string_view message);

// The head of the 101 answer to a /ts2021 upgrade (no body follows; the
// Noise response does).
std::string switching_protocols_head();

// The reason phrase of a status code ("Bad Request").
std::string_view status_text(unsigned status);

}  // namespace latchkey::transport
