#include "transport/early_payload.h"

#include <nlohmann/json.hpp>

#include "transport/http_head.h"

namespace latchkey::transport {

Bytes encode_early_payload(const EarlyNoise& early) {
  // Go's json.Marshal of tailcfg.EarlyNoise.
  std::string json = "{\"nodeKeyChallenge\":\"" + early.node_key_challenge.to_string() + "\"}";
  Bytes out(kEarlyPayloadMagic.begin(), kEarlyPayloadMagic.end());
  auto n = static_cast<std::uint32_t>(json.size());
  out.push_back(static_cast<std::uint8_t>(n >> 24));
  out.push_back(static_cast<std::uint8_t>(n >> 16));
  out.push_back(static_cast<std::uint8_t>(n >> 8));
  out.push_back(static_cast<std::uint8_t>(n));
  out.insert(out.end(), json.begin(), json.end());
  return out;
}

std::optional<Result<std::uint32_t>> parse_early_payload_header(ByteView first9) {
  if (first9.size() < kEarlyPayloadHeaderSize || as_chars(first9.first(kEarlyPayloadMagic.size())) != kEarlyPayloadMagic) {
    return std::nullopt;
  }
  std::uint32_t n = (std::uint32_t{first9[5]} << 24) | (std::uint32_t{first9[6]} << 16) |
                    (std::uint32_t{first9[7]} << 8) | std::uint32_t{first9[8]};
  if (n > kMaxEarlyPayload) return Result<std::uint32_t>(Error{"invalid early payload length"});
  return Result<std::uint32_t>(n);
}

Result<EarlyNoise> parse_early_payload_json(ByteView json) {
  auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded()) return Error{"early payload is not valid JSON"};
  if (doc.is_null()) return EarlyNoise{};
  if (!doc.is_object()) return Error{"early payload is not a JSON object"};
  EarlyNoise out;
  for (const auto& [name, value] : doc.items()) {
    if (!iequals(name, "nodeKeyChallenge")) continue;
    if (value.is_null()) continue;
    if (!value.is_string()) return Error{"early payload nodeKeyChallenge is not a string"};
    auto key = key::ChallengePublic::parse(value.get<std::string>());
    if (!key.ok()) return Error{"early payload nodeKeyChallenge: " + key.message()};
    out.node_key_challenge = *key;
  }
  return out;
}

}  // namespace latchkey::transport
