// MapSession: one /machine/map stream as the client reads it, sans-IO
// (upstream control/controlclient/direct.go sendMapRequest's read loop and
// map.go's per-message preparation). Bytes of the response body go in;
// for each non-keepalive MapResponse a MapUpdate comes out, its nodes
// upgraded, its peer part split off as a PeerBatch for the peer table and
// the rest left for NetmapState.
//
// Rules kept from upstream: keepalive messages are counted and skipped; the
// first other message must carry Node, or the session ends ("initial
// MapResponse lacked node"); TKAInfo lives per session, so its absence in
// the first message means "lock off" and later means "unchanged". Unlike
// upstream, every size is bounded by max_map_bytes: the length prefix
// (refused before its body is buffered), the zstd output and the JSON.
// Any error ends the session; the caller redials with backoff.
//
// Not handled here: PingRequest, PopBrowserURL, ControlTime, ControlDialPlan
// and ClientVersion on keepalive messages (upstream reacts to them before
// skipping a keepalive); on other messages they stay in MapUpdate::rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "client/lock_want.h"
#include "client/peer_batch.h"
#include "key/disco_key.h"
#include "key/node_key.h"
#include "tailcfg/codec.h"
#include "tailcfg/hostinfo.h"
#include "tailcfg/map_request.h"
#include "tailcfg/map_response.h"
#include "transport/map_frame.h"

namespace latchkey::client {

struct MapSessionOptions {
  // Whether the request asked for Compress "zstd" (ours always does).
  bool zstd = true;
  // Bound on one message: length prefix, decompressed size and JSON.
  std::size_t max_map_bytes = 64u << 20;
};

// Message counts, in the spirit of upstream's controlclient_map_response_*
// metrics. `full` is the session's first non-keepalive message (the one
// that must carry Node), `delta` every later one.
struct MapSessionCounters {
  std::uint64_t keepalive = 0;
  std::uint64_t full = 0;
  std::uint64_t delta = 0;
  // Frames, zstd bodies or JSON that could not be decoded (each ends the session).
  std::uint64_t decode_errors = 0;
  // TKAInfo.Head values that did not parse (the lock is then treated as off).
  std::uint64_t tka_head_errors = 0;
};

// What one non-keepalive MapResponse contributes.
struct MapUpdate {
  // The session's first update: a complete netmap, so state kept from an
  // earlier session is stale (upstream starts a fresh mapSession per stream).
  bool first = false;
  PeerBatch peers;
  // The non-peer fields, nodes upgraded: the peer fields are moved into
  // `peers` and TKAInfo into `lock`, so those are empty here.
  tailcfg::MapResponse rest;
  // Set when the message changes the lock wish: it carried TKAInfo, or it
  // is the first update (no TKAInfo then means "lock off").
  std::optional<LockWant> lock;
};

// How a MapRequest is used (upstream sends both from sendMapRequest).
enum class MapRequestKind {
  Stream,      // the long poll: Stream, peers included
  LiteUpdate,  // a one-shot report of Hostinfo/TKAHead: no Stream, OmitPeers
};

struct MapRequestParams {
  MapRequestKind kind = MapRequestKind::Stream;
  tailcfg::CapabilityVersion version = tailcfg::kCurrentCapabilityVersion;
  key::NodePublic node_key;
  key::DiscoPublic disco_key;
  tailcfg::Hostinfo hostinfo;
  // The local authority's head as text, "" without one.
  std::string tka_head;
};

class MapSession {
 public:
  explicit MapSession(MapSessionOptions options = {});

  // The request this client sends (upstream direct.go sendMapRequest): no
  // endpoints (no data plane), KeepAlive, and always Compress "zstd".
  static tailcfg::MapRequest request(const MapRequestParams& p);

  // Appends bytes of the response body. Ignored once the session has ended.
  void feed(ByteView data);
  // The next update; nullopt when more bytes are needed; an error ends the
  // session, and every later call returns the same error.
  Result<std::optional<MapUpdate>> next();

  bool ended() const { return ended_.has_value(); }
  const MapSessionCounters& counters() const { return counters_; }

 private:
  Error end(std::string message);
  // Turns one decoded non-keepalive message into its update.
  MapUpdate prepare(tailcfg::MapResponse& m);

  tailcfg::DecodeLimits json_limits_;
  transport::MapFrameReader frames_;
  bool got_non_keepalive_ = false;
  std::optional<Error> ended_;
  MapSessionCounters counters_;
};

}  // namespace latchkey::client
