#include "server/tailnet.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "transport/map_frame.h"
#include "server/node_view.h"
#include "tailcfg/codec.h"

namespace latchkey::server {

std::string unsupported_version_text(tailcfg::CapabilityVersion v, tailcfg::CapabilityVersion min);

// --- MapStream

std::vector<MapStream::Message> MapStream::take(bool& ended) {
  std::lock_guard lock(mu_);
  std::vector<Message> out(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  ended = ended_;
  return out;
}

void MapStream::push(Message m, std::size_t max_queued) {
  {
    std::lock_guard lock(mu_);
    if (ended_) return;
    if (queue_.size() >= max_queued) {
      // Too far behind: end it; the client reconnects for a fresh full map.
      queue_.clear();
      ended_ = true;
    } else {
      queue_.push_back(std::move(m));
    }
  }
  wake_();
}

void MapStream::end() {
  {
    std::lock_guard lock(mu_);
    ended_ = true;
  }
  wake_();
}

// --- Tailnet

Tailnet::Tailnet(TailnetConfig config, std::shared_ptr<store::Store> store, ServerMetrics* metrics,
                 IpAllocator allocator)
    : config_(std::move(config)),
      store_(std::move(store)),
      metrics_(metrics),
      netmap_(config_.netmap),
      allocator_(std::move(allocator)) {}

Result<std::unique_ptr<Tailnet>> Tailnet::create(TailnetConfig config, std::shared_ptr<store::Store> store,
                                                 ServerMetrics* metrics) {
  auto alloc = IpAllocator::create(config.prefix_v4, config.prefix_v6, config.allocation);
  if (!alloc) return alloc.error();
  std::unique_ptr<Tailnet> t(new Tailnet(std::move(config), std::move(store), metrics, std::move(*alloc)));
  if (auto st = t->load(); !st) return st.error();
  return t;
}

Status Tailnet::load() {
  std::lock_guard lock(mu_);
  auto users = store_->list_users();
  if (!users) return Error{"loading users: " + users.message(), users.kind()};
  for (auto& u : *users) {
    netmap_.set_user(to_user_profile(u));
    users_.emplace(u.id, std::move(u));
  }
  auto nodes = store_->list_nodes();
  if (!nodes) return Error{"loading nodes: " + nodes.message(), nodes.kind()};
  const auto now = Clock::now();
  for (const auto& n : *nodes) publish_node(n, now);
  (void)netmap_.take_batch();  // nobody is listening yet
  return {};
}

std::size_t Tailnet::node_count() const {
  std::lock_guard lock(mu_);
  return netmap_.size();
}

std::size_t Tailnet::online_count() const {
  std::lock_guard lock(mu_);
  return netmap_.online_count();
}

void Tailnet::end_streams_locked(NodeId id) {
  auto [b, e] = streams_.equal_range(id);
  for (auto it = b; it != e; ++it) it->second->end();
}

void Tailnet::remove_locked(NodeId id) {
  if (const tailcfg::Node* n = netmap_.node(id)) {
    if (n->addresses) {
      for (const auto& p : *n->addresses) allocator_.release(p.addr());
    }
  }
  for (auto g = given_name_owner_.begin(); g != given_name_owner_.end();) {
    g = g->second == id ? given_name_owner_.erase(g) : std::next(g);
  }
  netmap_.remove_node(id);
  key_signatures_.erase(id);
  pending_status_.erase(id);
  ephemeral_.erase(id);
  ephemeral_offline_since_.erase(id);
  end_streams_locked(id);
}

Status Tailnet::delete_node(store::NodeId id) {
  std::lock_guard lock(mu_);
  if (auto st = store_->delete_node(id); !st) return st;
  remove_locked(id);
  return {};
}

Tailnet::MapStart Tailnet::handle_map(ByteView body, const key::MachinePublic& machine, std::function<void()> wake,
                                      Clock::time_point now) {
  MapStart out;
  metrics_->map_requests.fetch_add(1, std::memory_order_relaxed);
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  auto req = tailcfg::decode_json<tailcfg::MapRequest>(text, tailcfg::kRequestLimits);
  if (!req) {
    metrics_->error("bad_map_request");
    out.http_status = 400;
    out.http_error = "invalid MapRequest: " + req.message();
    return out;
  }
  if (req->version < config_.min_capability_version) {
    metrics_->error("unsupported_version");
    out.http_status = 400;
    out.http_error = unsupported_version_text(req->version, config_.min_capability_version);
    return out;
  }
  const bool zstd = req->compress == "zstd";
  NodeId id = 0;
  {
    std::lock_guard lock(mu_);
    const auto found = netmap_.find_by_node_key(req->node_key);
    if (!found) {
      metrics_->error("unknown_node");
      out.http_status = 404;
      out.http_error = "node not found";
      return out;
    }
    id = *found;
    if (netmap_.node(id)->machine != machine) {
      metrics_->error("machine_key_mismatch");
      out.http_status = 404;
      out.http_error = "node key in request does not match the one associated with this machine key";
      return out;
    }
    out.node = id;
    if (!req->read_only) {
      store::NodeStatusUpdate u;
      netmap_.update_cap(id, req->version);
      if (!req->disco_key.is_zero() && netmap_.update_disco_key(id, req->disco_key)) u.disco_key = req->disco_key;
      if (req->hostinfo && netmap_.update_hostinfo(id, *req->hostinfo)) {
        u.hostinfo_json = tailcfg::encode_json(*req->hostinfo);
        u.hostname = req->hostinfo->hostname;
      }
      if (!req->endpoints.empty() && netmap_.update_endpoints(id, req->endpoints)) u.endpoints = req->endpoints;
      u.last_seen = now;
      queue_status_locked(id, std::move(u));
    }
    // Online first, so that the full map is the node's latest state.
    if (req->stream && !req->read_only) {
      netmap_.set_online(id, true, to_go_time(now));
      ephemeral_offline_since_.erase(id);
    }
    const auto json = netmap_.full_map_json(id, to_go_time(now), FullMapOptions{req->omit_peers});
    Bytes frame = transport::map_frame(*json, zstd);
    metrics_->map_response("full", frame.size());
    if (!req->stream) {
      out.single = std::move(frame);
    } else {
      out.stream = std::make_shared<MapStream>(id, zstd, req->read_only, std::move(wake));
      out.stream->self_revision = netmap_.revision(id);
      out.stream->push(MapStream::Message{std::make_shared<const Bytes>(std::move(frame)), json->size()},
                       config_.max_queued_messages);
      streams_.emplace(id, out.stream);
      metrics_->map_streams.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return out;
}

void Tailnet::queue_status_locked(NodeId id, store::NodeStatusUpdate u) {
  store::NodeStatusUpdate& q = pending_status_[id];
  if (u.endpoints) q.endpoints = std::move(u.endpoints);
  if (u.disco_key) q.disco_key = u.disco_key;
  if (u.hostinfo_json) q.hostinfo_json = std::move(u.hostinfo_json);
  if (u.hostname) q.hostname = std::move(u.hostname);
  if (u.last_seen) q.last_seen = u.last_seen;
}

void Tailnet::flush_status() {
  std::lock_guard flush_lock(flush_mu_);
  std::map<NodeId, store::NodeStatusUpdate> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_status_);
  }
  if (batch.empty()) return;
  const auto now = Clock::now();
  auto st = store_->transact([&](store::Transaction& tx) -> Status {
    for (const auto& [id, u] : batch) {
      auto one = tx.update_node_status(id, u, now);
      // A node deleted meanwhile has no status left to save.
      if (!one && one.kind() != ErrorKind::NotFound) return one;
    }
    return {};
  });
  if (!st) {
    metrics_->error("store");
    spdlog::warn("saving the status of {} node(s): {}", batch.size(), st.message());
  }
}

void Tailnet::close_stream(const std::shared_ptr<MapStream>& stream, Clock::time_point now) {
  const NodeId id = stream->node();
  {
    std::lock_guard lock(mu_);
    auto [b, e] = streams_.equal_range(id);
    bool others = false;
    for (auto it = b; it != e;) {
      if (it->second == stream) {
        it = streams_.erase(it);
        metrics_->map_streams.fetch_sub(1, std::memory_order_relaxed);
      } else {
        if (!it->second->read_only()) others = true;
        ++it;
      }
    }
    if (!stream->read_only() && !others && netmap_.node(id) != nullptr) {
      if (netmap_.set_online(id, false, to_go_time(now))) {
        store::NodeStatusUpdate u;
        u.last_seen = now;
        queue_status_locked(id, std::move(u));
      }
      if (ephemeral_.count(id)) ephemeral_offline_since_[id] = now;
    }
  }
}

void Tailnet::tick(Clock::time_point now) {
  {
    std::lock_guard lock(mu_);
    tick_locked(now);
  }
  flush_status();
}

void Tailnet::tick_locked(Clock::time_point now) {
  netmap_.expire_keys(to_go_time(now));
  if (netmap_.has_pending()) {
    NetmapDelta delta = netmap_.take_batch();
    metrics_->batches.fetch_add(1, std::memory_order_relaxed);
    if (spdlog::should_log(spdlog::level::debug)) {
      std::string patched;
      for (const auto& p : delta.patches) patched += (patched.empty() ? "" : ",") + std::to_string(p.node_id);
      spdlog::debug("batch: changed [{}], removed [{}], patched [{}]{} -> {} map stream(s)",
                    fmt::join(delta.changed, ","), fmt::join(delta.removed, ","), patched,
                    delta.tka_info ? ", lock" : "", streams_.size());
    }
    // The common message, framed once per compression choice.
    std::shared_ptr<const Bytes> common[2];
    auto push_own = [&](MapStream& stream, const std::string& json) {
      if (json.empty()) return;
      auto f = std::make_shared<const Bytes>(transport::map_frame(json, stream.zstd()));
      metrics_->map_response("delta", f->size());
      stream.push({f, json.size()}, config_.max_queued_messages);
    };
    for (auto& [viewer, stream] : streams_) {
      const bool self_current = netmap_.revision(viewer) == stream->self_revision;
      if (delta.touches(viewer)) {
        push_own(*stream, netmap_.delta_json(delta, viewer, self_current));
        continue;
      }
      if (!delta.common_json.empty() && !delta.only_own_patch(viewer)) {
        auto& f = common[stream->zstd() ? 1 : 0];
        if (!f) f = std::make_shared<const Bytes>(transport::map_frame(delta.common_json, stream->zstd()));
        metrics_->map_response("delta", f->size());
        stream->push({f, delta.common_json.size()}, config_.max_queued_messages);
      }
      // Its own new signature: the small Node message after the shared one.
      push_own(*stream, netmap_.self_json(delta, viewer, self_current));
    }
  }
  if (now >= next_housekeeping_) {
    next_housekeeping_ = now + std::chrono::seconds(1);
    std::vector<NodeId> due;
    for (const auto& [id, since] : ephemeral_offline_since_) {
      if (now - since >= config_.ephemeral_inactivity_timeout) due.push_back(id);
    }
    for (NodeId id : due) {
      auto st = store_->delete_node(id);
      if (!st && st.kind() != ErrorKind::NotFound) {
        metrics_->error("store");
        spdlog::warn("removing ephemeral node {}: {}", id, st.message());
        continue;
      }
      remove_locked(id);
      metrics_->ephemeral_removed.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("removed ephemeral node {} after inactivity", id);
    }
  }
}

}  // namespace latchkey::server
