// ClientEvent as JSON, for the C API's callbacks (client.h event_to_json).
#include <nlohmann/json.hpp>

#include "client/client.h"

namespace latchkey::client {

namespace {

std::string_view change_name(PeerEvent::Kind k) {
  switch (k) {
    case PeerEvent::Kind::Added: return "added";
    case PeerEvent::Kind::Changed: return "changed";
    case PeerEvent::Kind::Removed: return "removed";
  }
  return "changed";
}

}  // namespace

std::string event_to_json(const ClientEvent& e) {
  using Json = nlohmann::ordered_json;
  Json j;
  switch (e.type) {
    case ClientEvent::Type::State:
      j["type"] = "state";
      j["state"] = e.text;
      break;
    case ClientEvent::Type::Login:
      j["type"] = "login";
      j["auth_url"] = e.text;
      break;
    case ClientEvent::Type::Peer:
      j["type"] = "peer";
      if (e.peer) j["change"] = std::string(change_name(e.peer->kind));
      j["peer"] = e.peer_status ? Json::parse(peer_status_json(*e.peer_status)) : Json(nullptr);
      if (e.peer) j["old_verdict"] = std::string(verdict_name(e.peer->old_verdict));
      break;
    case ClientEvent::Type::Lock:
      j["type"] = "lock";
      j["state"] = e.text;
      break;
    case ClientEvent::Type::Error:
      j["type"] = "error";
      j["message"] = e.text;
      break;
  }
  // Server-given text need not be UTF-8: bad bytes become U+FFFD.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace latchkey::client
