// Helpers for the client tests: MapResponses, nodes and framed bytes as a
// control server would send them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "client/map_session.h"
#include "key/node_key.h"
#include "tailcfg/codec.h"
#include "tka/aum_hash.h"
#include "transport/map_frame.h"

namespace latchkey::client::testing {

inline tailcfg::Node make_node(tailcfg::NodeId id, const std::string& addr) {
  tailcfg::Node n;
  n.id = id;
  n.stable_id = "n" + std::to_string(id);
  n.name = "node" + std::to_string(id) + ".example.ts.net.";
  n.key = key::NodePrivate::generate().public_key();
  n.addresses = std::vector<tailcfg::IpPrefix>{*tailcfg::IpPrefix::parse(addr)};
  return n;
}

// The text form of an AUM hash whose bytes are all `fill` (a TKAInfo head).
inline std::string aum_hash_text(std::uint8_t fill) {
  tka::AumHash h;
  h.bytes.fill(fill);
  return h.to_string();
}

// One framed message, zstd-compressed like ours and upstream's streams.
inline Bytes frame(const tailcfg::MapResponse& m, bool zstd = true) {
  return transport::map_frame(tailcfg::encode_json(m), zstd);
}

// Every update the bytes fed so far complete; fails the test on an error.
inline std::vector<MapUpdate> drain(MapSession& s) {
  std::vector<MapUpdate> out;
  while (true) {
    auto u = s.next();
    EXPECT_TRUE(u.ok()) << u.message();
    if (!u.ok() || !u->has_value()) return out;
    out.push_back(std::move(**u));
  }
}

// Feeds one message and returns the single update it must produce.
inline MapUpdate push(MapSession& s, const tailcfg::MapResponse& m) {
  s.feed(frame(m));
  auto ups = drain(s);
  EXPECT_EQ(ups.size(), 1u);
  return ups.empty() ? MapUpdate{} : std::move(ups.front());
}

}  // namespace latchkey::client::testing
