// Shared helpers of the tka vector tests: loading upstream's JSON vectors and
// converting between their readable views and the C++ types.
#pragma once

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "tka/aum.h"
#include "tka/key.h"
#include "tka/state.h"

namespace latchkey::tka::testing {

using nlohmann::json;

inline json load_vectors(const std::string& name) {
  std::ifstream in(std::string(LATCHKEY_TEST_DATA) + "/vectors/" + name);
  EXPECT_TRUE(in.good()) << "cannot open " << name;
  return json::parse(in);
}

inline Bytes unhex(const std::string& s) {
  auto r = hex_decode(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? *r : Bytes{};
}

inline NullableBytes nullable_unhex(const json& j) {
  if (j.is_null()) return std::nullopt;
  return unhex(j.get<std::string>());
}

inline json nullable_hex(const NullableBytes& b) { return b ? json(hex_encode(*b)) : json(nullptr); }

inline Metadata meta_from_view(const json& j) {
  Metadata m;
  for (auto it = j.begin(); it != j.end(); ++it) m[it.key()] = it.value().get<std::string>();
  return m;
}

inline Key key_from_view(const json& j) {
  Key k;
  k.kind = static_cast<KeyKind>(j.at("kind").get<unsigned>());
  k.votes = j.at("votes").get<std::uint64_t>();
  k.public_key = nullable_unhex(j.at("public"));
  if (j.contains("meta")) k.meta = meta_from_view(j.at("meta"));
  return k;
}

inline json key_to_view(const Key& k) {
  json j;
  j["kind"] = static_cast<unsigned>(k.kind);
  j["votes"] = k.votes;
  j["public"] = nullable_hex(k.public_key);
  if (k.meta) j["meta"] = *k.meta;
  if (auto id = k.id(); id.ok()) j["key_id"] = hex_encode(*id);
  return j;
}

inline State state_from_view(const json& j) {
  State s;
  if (!j.at("last_aum_hash").is_null()) s.last_aum_hash = *AumHash::from_bytes(unhex(j.at("last_aum_hash")));
  if (!j.at("disablement_values").is_null()) {
    s.disablement_values.emplace();
    for (const auto& dv : j.at("disablement_values")) s.disablement_values->push_back(nullable_unhex(dv));
  }
  if (!j.at("keys").is_null()) {
    s.keys.emplace();
    for (const auto& k : j.at("keys")) s.keys->push_back(key_from_view(k));
  }
  s.state_id1 = j.at("state_id1").get<std::uint64_t>();
  s.state_id2 = j.at("state_id2").get<std::uint64_t>();
  return s;
}

inline json state_to_view(const State& s) {
  json j;
  j["last_aum_hash"] = s.last_aum_hash ? json(hex_encode(s.last_aum_hash->bytes)) : json(nullptr);
  if (s.disablement_values) {
    j["disablement_values"] = json::array();
    for (const auto& dv : *s.disablement_values) j["disablement_values"].push_back(nullable_hex(dv));
  } else {
    j["disablement_values"] = nullptr;
  }
  if (s.keys) {
    j["keys"] = json::array();
    for (const auto& k : *s.keys) j["keys"].push_back(key_to_view(k));
  } else {
    j["keys"] = nullptr;
  }
  j["state_id1"] = s.state_id1;
  j["state_id2"] = s.state_id2;
  return j;
}

inline Aum aum_from_view(const json& j) {
  Aum a;
  a.kind = static_cast<AumKind>(j.at("message_kind").get<unsigned>());
  a.prev_aum_hash = nullable_unhex(j.at("prev_aum_hash"));
  if (j.contains("key")) a.key = key_from_view(j.at("key"));
  if (j.contains("key_id")) a.key_id = nullable_unhex(j.at("key_id"));
  if (j.contains("state")) a.state = state_from_view(j.at("state"));
  if (j.contains("votes")) a.votes = j.at("votes").get<std::uint64_t>();
  if (j.contains("meta")) a.meta = meta_from_view(j.at("meta"));
  if (j.contains("signatures")) {
    for (const auto& s : j.at("signatures")) {
      a.signatures.push_back(AumSignature{nullable_unhex(s.at("key_id")), nullable_unhex(s.at("signature"))});
    }
  }
  return a;
}

inline json aum_to_view(const Aum& a) {
  json j;
  j["message_kind"] = static_cast<unsigned>(a.kind);
  j["message_kind_name"] = aum_kind_name(a.kind);
  j["prev_aum_hash"] = nullable_hex(a.prev_aum_hash);
  if (a.key) j["key"] = key_to_view(*a.key);
  if (a.key_id) j["key_id"] = nullable_hex(a.key_id);
  if (a.state) j["state"] = state_to_view(*a.state);
  if (a.votes) j["votes"] = *a.votes;
  if (a.meta) j["meta"] = *a.meta;
  if (!a.signatures.empty()) {
    j["signatures"] = json::array();
    for (const auto& s : a.signatures) {
      j["signatures"].push_back({{"key_id", nullable_hex(s.key_id)}, {"signature", nullable_hex(s.signature)}});
    }
  }
  return j;
}

inline std::string status_text(const Status& st) { return st.ok() ? "ok" : st.message(); }

}  // namespace latchkey::tka::testing
