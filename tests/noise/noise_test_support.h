// Shared helpers for the noise tests: loading the vector files and turning
// their hex fields into bytes and keys.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "base/bytes.h"
#include "base/hex.h"
#include "noise/client_handshake.h"
#include "noise/keypair.h"
#include "noise/server_handshake.h"

namespace latchkey::noise::test {

inline const nlohmann::json& load_json(const std::string& relative) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(relative);
  if (it == cache.end()) {
    std::ifstream in(std::string(LATCHKEY_TEST_DATA) + "/" + relative);
    EXPECT_TRUE(in.good()) << "cannot open " << relative;
    it = cache.emplace(relative, nlohmann::json::parse(in)).first;
  }
  return it->second;
}

inline const nlohmann::json& noise_vectors() { return load_json("vectors/noise.json"); }

inline Bytes hex(const nlohmann::json& field) {
  auto r = hex_decode(field.get<std::string>());
  EXPECT_TRUE(r.ok()) << r.message();
  return r ? *r : Bytes{};
}

template <std::size_t N>
ByteArray<N> hex_array(const nlohmann::json& field) {
  ByteArray<N> out{};
  auto s = hex_decode_into(field.get<std::string>(), out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

inline Bytes to_bytes(ByteView v) { return Bytes(v.begin(), v.end()); }

// Key material of one handshake as the vector files describe it.
struct HandshakeParams {
  Keypair control;
  Keypair machine;
  std::uint16_t version = 0;
  ByteArray<32> client_random{};
  ByteArray<32> server_random{};

  static HandshakeParams from(const nlohmann::json& j) {
    HandshakeParams p;
    p.control = Keypair::from_private(hex_array<32>(j["control_private"]));
    p.machine = Keypair::from_private(hex_array<32>(j["machine_private"]));
    p.version = j["protocol_version"].get<std::uint16_t>();
    p.client_random = hex_array<32>(j["client_ephemeral_random"]);
    p.server_random = hex_array<32>(j["server_ephemeral_random"]);
    return p;
  }
};

// Runs a complete in-memory handshake; fails the test on any error.
struct EstablishedPair {
  Bytes initiation;
  Bytes response;
  std::optional<Conn> client;
  std::optional<Conn> server;
};

inline EstablishedPair handshake(const HandshakeParams& p) {
  EstablishedPair out;
  auto client = ClientHandshake::start(p.machine, p.control.public_key, p.version, p.client_random);
  EXPECT_TRUE(client.ok()) << client.message();
  if (!client) return out;
  out.initiation = to_bytes(client->initiation());
  ServerHandshake server(p.control);
  auto consumed = server.read_initiation(out.initiation);
  EXPECT_TRUE(consumed.ok()) << consumed.message();
  if (!consumed) return out;
  EXPECT_EQ(*consumed, kInitiationSize);
  auto accept = server.respond(p.server_random);
  EXPECT_TRUE(accept.ok()) << accept.message();
  if (!accept) return out;
  out.response = to_bytes(accept->response);
  auto used = client->read_response(out.response);
  EXPECT_TRUE(used.ok()) << used.message();
  if (!used) return out;
  EXPECT_TRUE(client->established());
  out.client.emplace(client->take_conn());
  out.server.emplace(std::move(accept->conn));
  return out;
}

}  // namespace latchkey::noise::test
