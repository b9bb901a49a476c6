#include "transport/key_endpoint.h"

#include <nlohmann/json.hpp>

#include "transport/http_head.h"

namespace latchkey::transport {

Http1Response key_response(const KeyRequest& request, const ServerKeys& keys) {
  Http1Response r;
  r.status = 200;
  if (!request.capability_version) {
    r.fields = {{"Content-Type", "text/plain"}};
    r.body = keys.legacy.untyped_hex();
    return r;
  }
  r.fields = {{"Content-Type", "application/json"}};
  r.body = "{\"legacyPublicKey\":\"" + keys.legacy.to_string() + "\",\"publicKey\":\"" + keys.noise.to_string() +
           "\"}\n";
  return r;
}

Result<ServerKeys> parse_key_response(std::string_view body) {
  if (body.size() > kMaxKeyResponseBody) return Error{"key response larger than 64 KiB"};
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_discarded()) {
    if (!doc.is_object()) return Error{"key response is not a JSON object"};
    ServerKeys keys;
    for (const auto& [name, value] : doc.items()) {
      key::MachinePublic* target = nullptr;
      if (iequals(name, "legacyPublicKey")) target = &keys.legacy;
      if (iequals(name, "publicKey")) target = &keys.noise;
      if (!target || value.is_null()) continue;
      if (!value.is_string()) return Error{"key response field " + name + " is not a string"};
      auto k = key::MachinePublic::parse(value.get<std::string>());
      if (!k.ok()) return Error{"key response field " + name + ": " + k.message()};
      *target = *k;
    }
    return keys;
  }
  // Old servers: the legacy key as bare hex.
  auto legacy = key::MachinePublic::parse_untyped(body);
  if (!legacy.ok()) return Error{"key response is neither JSON nor a hex key: " + legacy.message()};
  return ServerKeys{*legacy, {}};
}

}  // namespace latchkey::transport
