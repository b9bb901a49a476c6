// nlohmann::json conversions for key types, as upstream's encoding/json sees
// them: every key with a text form is a JSON string of that form (what
// tailcfg puts on the wire), and ControlPrivate is an array of 32 numbers.
// Decoding follows Go: JSON null leaves the key as it was (zero when
// freshly constructed); any other non-string, or a string that does not
// parse, throws a nlohmann::json exception carrying the parse error text.
#pragma once

#include <nlohmann/json.hpp>

#include <concepts>
#include <string>
#include <string_view>

#include "base/result.h"
#include "key/control_key.h"

namespace latchkey::key {

// A key type with a text form: to_string() and static parse().
template <class K>
concept TextKey = requires(const K& k, std::string_view text) {
  { k.to_string() } -> std::same_as<std::string>;
  { K::parse(text) } -> std::same_as<Result<K>>;
};

template <TextKey K>
void to_json(nlohmann::json& j, const K& k) {
  j = k.to_string();
}

template <TextKey K>
void from_json(const nlohmann::json& j, K& k) {
  if (j.is_null()) return;
  if (!j.is_string()) {
    throw nlohmann::json::type_error::create(
        302, "key must be a JSON string, but is " + std::string(j.type_name()), &j);
  }
  auto parsed = K::parse(j.get_ref<const std::string&>());
  if (!parsed) throw nlohmann::json::other_error::create(501, parsed.message(), &j);
  k = std::move(*parsed);
}

inline void to_json(nlohmann::json& j, const ControlPrivate& k) {
  j = nlohmann::json::array();
  for (std::uint8_t b : k.machine_key().raw()) j.push_back(b);
}

// Go's decoding of a JSON array into [32]byte: fewer than 32 elements leave
// the rest zero, elements past the 32nd are ignored unchecked, and each of
// the first 32 must be an integer 0..255 (no fraction or exponent; a null
// element is skipped). One difference: nlohmann reads "-0" as the integer 0,
// which Go rejects.
inline void from_json(const nlohmann::json& j, ControlPrivate& k) {
  if (j.is_null()) return;
  if (!j.is_array()) {
    throw nlohmann::json::type_error::create(
        302, "control key must be a JSON array, but is " + std::string(j.type_name()), &j);
  }
  ByteArray<32> raw{};
  for (std::size_t i = 0; i < raw.size() && i < j.size(); ++i) {
    const nlohmann::json& e = j[i];
    if (e.is_null()) continue;
    if (!e.is_number_integer() || e.get<std::int64_t>() < 0 || e.get<std::int64_t>() > 255) {
      throw nlohmann::json::type_error::create(
          302, "control key element " + std::to_string(i) + " is not a byte value 0..255", &j);
    }
    raw[i] = static_cast<std::uint8_t>(e.get<std::int64_t>());
  }
  k = ControlPrivate(MachinePrivate::from_raw(raw));
}

}  // namespace latchkey::key
