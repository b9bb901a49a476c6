#include "client/map_session.h"

#include <utility>

#include "client/upgrade_node.h"

namespace latchkey::client {

MapSession::MapSession(MapSessionOptions options) : frames_(options.zstd, options.max_map_bytes) {
  json_limits_.max_bytes = options.max_map_bytes;
}

tailcfg::MapRequest MapSession::request(const MapRequestParams& p) {
  tailcfg::MapRequest r;
  r.version = p.version;
  r.keep_alive = true;
  r.node_key = p.node_key;
  r.disco_key = p.disco_key;
  r.stream = p.kind == MapRequestKind::Stream;
  r.hostinfo = p.hostinfo;
  r.omit_peers = p.kind == MapRequestKind::LiteUpdate;
  r.tka_head = p.tka_head;
  r.compress = "zstd";
  return r;
}

void MapSession::feed(ByteView data) {
  if (!ended_) frames_.feed(data);
}

Error MapSession::end(std::string message) {
  ended_ = Error{std::move(message)};
  return *ended_;
}

Result<std::optional<MapUpdate>> MapSession::next() {
  while (true) {
    if (ended_) return *ended_;
    auto frame = frames_.next();
    if (!frame) {
      ++counters_.decode_errors;
      return end(frame.message());
    }
    if (!frame->has_value()) return std::optional<MapUpdate>{};
    auto m = tailcfg::decode_json<tailcfg::MapResponse>(**frame, json_limits_);
    if (!m) {
      ++counters_.decode_errors;
      return end("undecodable MapResponse: " + m.message());
    }
    if (m->keep_alive) {
      ++counters_.keepalive;
      continue;
    }
    if (!got_non_keepalive_ && !m->node) return end("initial MapResponse lacked node");
    return std::optional<MapUpdate>(prepare(*m));
  }
}

MapUpdate MapSession::prepare(tailcfg::MapResponse& m) {
  MapUpdate u;
  u.first = !got_non_keepalive_;
  got_non_keepalive_ = true;
  ++(u.first ? counters_.full : counters_.delta);

  if (m.node) {
    upgrade_node(*m.node);
    fold_capabilities(*m.node);
  }
  u.peers = PeerBatch::take_from(m);
  // take_from leaves the other peer fields behind when Peers precludes them.
  m.peers_removed.clear();
  m.peers_changed.clear();
  m.peer_seen_change.clear();
  m.online_change.clear();
  m.peers_changed_patch.clear();
  if (u.peers.full) {
    for (auto& n : *u.peers.full) upgrade_node(n);
  }
  for (auto& n : u.peers.changed) upgrade_node(n);

  if (m.tka_info) {
    u.lock = lock_want_from(&*m.tka_info);
    m.tka_info.reset();
  } else if (u.first) {
    u.lock = lock_want_from(nullptr);
  }
  if (u.lock && !u.lock->head_error.empty()) ++counters_.tka_head_errors;

  u.rest = std::move(m);
  return u;
}

}  // namespace latchkey::client
