// Tailnet: the changes an administrator makes through the admin API
// (server/admin_api.h) — users created and deleted, node keys expired,
// nodes renamed. Each writes the store first, then the in-memory model;
// the batch timer publishes the change to every open map stream. Mirrors
// headscale's hscontrol/state user and node updates (ExpireNode,
// RenameNode) and their change notifications.
#include <spdlog/spdlog.h>

#include "server/node_view.h"
#include "server/tailnet.h"

namespace latchkey::server {

Result<store::User> Tailnet::create_user(const store::NewUser& u, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto created = store_->create_user(u, now);
  if (!created) return created.error();
  netmap_.set_user(to_user_profile(*created));
  users_.insert_or_assign(created->id, *created);
  spdlog::info("admin: created user {} (id {})", created->name, created->id);
  return created;
}

Status Tailnet::delete_user(store::UserId id) {
  std::lock_guard lock(mu_);
  // Named in the log; a user created by another server may not be cached.
  std::string name;
  if (auto it = users_.find(id); it != users_.end()) {
    name = it->second.name;
  } else if (auto u = store_->get_user(id)) {
    name = u->name;
  }
  if (auto st = store_->delete_user(id); !st) return st;
  // The store refuses while the user owns nodes, so no node in the model
  // refers to the profile any more; it simply stops being sent.
  users_.erase(id);
  spdlog::info("admin: deleted user {} (id {})", name, id);
  return {};
}

Result<store::Node> Tailnet::expire_node(store::NodeId id, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (auto st = store_->set_node_expiry(id, now, now); !st) return st.error();
  auto n = store_->get_node(id);
  if (!n) return n.error();
  publish_node(*n, now);
  spdlog::info("admin: expired node {} ({})", id, n->given_name);
  return n;
}

Result<store::Node> Tailnet::rename_node(store::NodeId id, std::string_view given_name, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (auto st = store_->rename_node(id, given_name, now); !st) return st.error();
  auto n = store_->get_node(id);
  if (!n) return n.error();
  publish_node(*n, now);
  spdlog::info("admin: renamed node {} to {}", id, n->given_name);
  return n;
}

}  // namespace latchkey::server
