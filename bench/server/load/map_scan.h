// MapScan: the little the load tool needs from one MapResponse, read without
// building a DOM — the self node's ID, the peer IDs of a full map (Peers),
// the IDs in PeersChanged / PeersRemoved / PeersChangedPatch, the first
// endpoint's port, the Online flag and the KeySignature of every peer entry
// that carries them, the Tailnet Lock head (TKAInfo.Head), and whether it
// is a keepalive. A full 5,000-node map is ~3 MB of JSON and every simulated
// node reads one, so this walks the text once and skips what it does not
// need. Strict about structure (unbalanced or truncated JSON is an error),
// bounded in nesting depth. Field names as upstream's tailcfg.MapResponse.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace latchkey::load {

using NodeId = std::int64_t;

struct EndpointSeen {
  NodeId node = 0;
  std::uint16_t port = 0;  // of the first endpoint
};

struct OnlineSeen {
  NodeId node = 0;
  bool online = false;
};

struct KeySignatureSeen {
  NodeId node = 0;
  // The base64 text as on the wire (a view into the scanned JSON: valid
  // only as long as that text).
  std::string_view signature;
};

struct MapSummary {
  bool keep_alive = false;
  std::optional<NodeId> self;  // Node.ID
  bool has_peers = false;      // a Peers list was present (full map)
  std::vector<NodeId> peers;
  std::vector<NodeId> peers_changed;
  std::vector<NodeId> peers_removed;
  std::vector<NodeId> patched;  // NodeIDs of PeersChangedPatch entries
  std::vector<EndpointSeen> endpoints;  // from Peers, PeersChanged and PeersChangedPatch
  std::vector<OnlineSeen> online;       // likewise, entries with an Online field
  std::vector<KeySignatureSeen> key_signatures;  // Peers and PeersChanged entries with a KeySignature
  // TKAInfo.Head when the message carries TKAInfo ("" for a TKAInfo
  // without Head, e.g. Disabled); a view into the scanned JSON.
  std::optional<std::string_view> tka_head;
};

Result<MapSummary> scan_map_response(std::string_view json);

}  // namespace latchkey::load
