// Fuzz target: HTTP/1.1 request heads (CRLF or bare-LF lines) from
// arbitrary bytes through the parser and the /key, /ts2021 and WebSocket
// validation the server applies before any Noise. Must never crash; an
// accepted upgrade must carry a decoded initiation.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "transport/upgrade_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace latchkey::transport;
  auto parsed = parse_http_request_head(latchkey::ByteView(data, size));
  if (!parsed.ok()) return 0;
  if (parsed->head_size > size) std::abort();
  auto route = route_request(parsed->head, 100);
  if (auto* up = std::get_if<UpgradeRequest>(&route)) {
    if (up->initiation.empty()) std::abort();
    if (up->version && *up->version < 100) std::abort();
  } else if (auto* refusal = std::get_if<HttpRefusal>(&route)) {
    if (refusal->status < 400 || refusal->status > 499 || refusal->message.empty()) std::abort();
  }
  (void)query_value(parsed->head.raw_query(), "X-Tailscale-Handshake");
  return 0;
}
