#include "transport/http1_response.h"

#include "transport/http_date.h"
#include "transport/upgrade_request.h"

namespace latchkey::transport {

std::string_view status_text(unsigned status) {
  switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Request Entity Too Large";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string serialize(const Http1Response& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(status_text(response.status)) +
                    "\r\n";
  for (const auto& [name, value] : response.fields) out += name + ": " + value + "\r\n";
  if (response.close) out += "Connection: close\r\n";
  out += "Date: " + http_date_now() + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
  out += response.body;
  return out;
}

Http1Response http_error(unsigned status, std::string_view message) {
  Http1Response r;
  r.status = status;
  r.fields = {{"Content-Type", "text/plain; charset=utf-8"}, {"X-Content-Type-Options", "nosniff"}};
  r.body = std::string(message) + "\n";
  return r;
}

std::string switching_protocols_head() {
  // The field order of upstream's answer (see control_requests.json).
  return "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: " +
         std::string(kUpgradeHeaderValue) + "\r\nDate: " + http_date_now() + "\r\n\r\n";
}

}  // namespace latchkey::transport
