#include "transport/upgrade_request.h"

#include <charconv>

#include "base/base64.h"
#include "base/url_escape.h"

namespace latchkey::transport {

namespace {

HttpRefusal refuse(unsigned status, std::string message,
                   CloseReason reason = CloseReason::BadRequest) {
  HttpRefusal r;
  r.status = status;
  r.message = std::move(message);
  r.reason = reason;
  return r;
}

// Lower-cased copy (ASCII).
std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<HttpRefusal> check_initiation(UpgradeRequest& up, std::uint16_t min_version) {
  // The initiation header is {version u16 BE, type, length u16 BE}. Only a
  // message that says it is an initiation has a meaningful version; anything
  // else is left to the Noise layer, which answers with an error frame.
  if (up.initiation.size() >= 3 && up.initiation[2] == 1) {
    auto version = static_cast<std::uint16_t>((up.initiation[0] << 8) | up.initiation[1]);
    up.version = version;
    if (version < min_version) {
      return refuse(400,
                    "unsupported client capability version " + std::to_string(version) +
                        " (minimum " + std::to_string(min_version) + ")",
                    CloseReason::VersionRefused);
    }
  }
  return std::nullopt;
}

std::variant<UpgradeRequest, HttpRefusal> validate_websocket(const HttpRequestHead& head,
                                                             std::uint16_t min_version) {
  // coder/websocket's verifyClientRequest, in its order.
  auto upgrade_required = [](std::string message) {
    HttpRefusal r = refuse(426, std::move(message));
    r.extra_fields = {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}};
    return r;
  };
  if (head.version < 11) {
    return upgrade_required("WebSocket protocol violation: handshake request must be at least HTTP/1.1");
  }
  if (!has_token(head, "Connection", "upgrade")) {
    return upgrade_required("WebSocket protocol violation: Connection header does not contain Upgrade");
  }
  if (head.method != "GET") {
    return refuse(405, "WebSocket protocol violation: handshake request method is not GET");
  }
  if (head.field("Sec-WebSocket-Version").value_or("") != "13") {
    HttpRefusal r = refuse(400, "unsupported WebSocket protocol version (only 13 is supported)");
    r.extra_fields = {{"Sec-WebSocket-Version", "13"}};
    return r;
  }
  auto key = head.field("Sec-WebSocket-Key").value_or("");
  if (key.empty()) {
    return refuse(400, "WebSocket protocol violation: missing Sec-WebSocket-Key");
  }
  // Beast's handshake needs a key of at most 24 characters (a 16-byte nonce
  // in base64 is exactly 24); RFC 6455 requires exactly that.
  if (key.size() > 24) {
    return refuse(400, "WebSocket protocol violation: malformed Sec-WebSocket-Key");
  }
  if (head.content_length.value_or(0) != 0 || head.chunked) {
    return refuse(400, "unexpected request body in WebSocket handshake");
  }
  // Subprotocol: upstream accepts the socket without one and then closes it
  // with a policy violation; we refuse before switching protocols.
  if (!has_token(head, "Sec-WebSocket-Protocol", kUpgradeHeaderValue)) {
    return refuse(400, "client must speak the control subprotocol");
  }
  auto init_b64 = query_value(head.raw_query(), kHandshakeHeaderName);
  if (!init_b64.ok()) return refuse(400, "Could not parse parameters");
  if (!init_b64->has_value() || (*init_b64)->empty()) {
    return refuse(400, "missing Tailscale handshake parameter");
  }
  auto init = base64_decode(**init_b64, Base64Form::Std);
  if (!init.ok()) return refuse(400, "invalid tailscale handshake parameter");

  UpgradeRequest up;
  up.websocket = true;
  up.initiation = std::move(*init);
  up.websocket_key = std::string(key);
  up.websocket_protocol = std::string(kUpgradeHeaderValue);
  if (auto refusal = check_initiation(up, min_version)) return std::move(*refusal);
  return up;
}

}  // namespace

Result<std::optional<std::string>> query_value(std::string_view raw_query, std::string_view key) {
  std::optional<std::string> found;
  std::optional<Error> first_error;
  while (!raw_query.empty()) {
    auto amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
    if (pair.find(';') != std::string_view::npos) {
      if (!first_error) first_error = Error{"invalid semicolon separator in query"};
      continue;
    }
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto k = url_unescape(pair.substr(0, eq), UrlPart::Query);
    if (!k.ok()) {
      if (!first_error) first_error = k.error();
      continue;
    }
    std::string_view raw_value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    auto v = url_unescape(raw_value, UrlPart::Query);
    if (!v.ok()) {
      if (!first_error) first_error = v.error();
      continue;
    }
    if (!found && *k == key) found = std::move(*v);
  }
  if (first_error) return *first_error;
  return found;
}

std::variant<UpgradeRequest, HttpRefusal> validate_upgrade(const HttpRequestHead& head,
                                                           std::uint16_t min_version) {
  auto next = head.field("Upgrade");
  if (!next || next->empty()) {
    return refuse(400, "missing next protocol");
  }
  std::string next_lower = lowered(*next);
  if (next_lower == "websocket") {
    return validate_websocket(head, min_version);
  }
  if (next_lower != kUpgradeHeaderValue) {
    return refuse(400, "unknown next protocol");
  }
  // testcontrol and headscale mount the handler for POST and GET only.
  if (head.method != "POST" && head.method != "GET") {
    return refuse(405, "POST or GET required");
  }
  if (head.content_length.value_or(0) != 0 || head.chunked) {
    return refuse(400, "unexpected request body in upgrade request");
  }
  auto init_b64 = head.field(kHandshakeHeaderName);
  if (!init_b64 || init_b64->empty()) {
    return refuse(400, "missing Tailscale handshake header");
  }
  auto init = base64_decode(*init_b64, Base64Form::Std);
  if (!init.ok()) {
    return refuse(400, "invalid tailscale handshake header");
  }
  UpgradeRequest up;
  up.initiation = std::move(*init);
  if (auto refusal = check_initiation(up, min_version)) return std::move(*refusal);
  return up;
}

RequestRoute route_request(const HttpRequestHead& head, std::uint16_t min_version) {
  std::string_view path = head.path();
  if (path == kUpgradePath) {
    auto v = validate_upgrade(head, min_version);
    if (auto* up = std::get_if<UpgradeRequest>(&v)) return std::move(*up);
    return std::get<HttpRefusal>(std::move(v));
  }
  if (path == kKeyPath) {
    KeyRequest key;
    auto v = query_value(head.raw_query(), "v");
    if (!v.ok()) return refuse(400, "invalid query: " + v.message());
    if (v->has_value() && !(*v)->empty()) {
      const std::string& text = **v;
      int parsed = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
      if (ec != std::errc() || ptr != text.data() + text.size() || parsed < 0) {
        return refuse(400, "invalid capability version in v parameter");
      }
      key.capability_version = parsed;
    }
    return key;
  }
  return OtherRequest{};
}

}  // namespace latchkey::transport
