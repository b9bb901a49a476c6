// Where the Tailnet meets the lock service: who may call a /machine/tka
// RPC, and how a lock change reaches the netmap (key signatures kept across
// node updates, TKAInfo for every map).
#include "server/tailnet.h"

#include <algorithm>

namespace latchkey::server {

std::optional<TailnetLock::Caller> Tailnet::lock_caller(const key::NodePublic& node_key,
                                                        const key::MachinePublic& machine,
                                                        Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto id = netmap_.find_by_node_key(node_key);
  if (!id) return std::nullopt;
  const tailcfg::Node* n = netmap_.node(*id);
  if (n == nullptr || n->machine != machine) return std::nullopt;
  if (!n->key_expiry.is_zero() && n->key_expiry.unix_nanos() <= std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                                     now.time_since_epoch())
                                                                     .count()) {
    return std::nullopt;
  }
  TailnetLock::Caller caller{*id, node_key};
  if (config_.lock_administrators) {
    auto user = users_.find(n->user);
    caller.administrator = user != users_.end() && std::find(config_.lock_administrators->begin(),
                                                             config_.lock_administrators->end(),
                                                             user->second.name) != config_.lock_administrators->end();
  }
  return caller;
}

void Tailnet::apply_lock(const LockPublication& change) {
  std::lock_guard lock(mu_);
  if (change.info_changed) netmap_.set_tka_info(change.info);
  for (const auto& [id, sig] : change.signatures) {
    if (sig.empty()) {
      key_signatures_.erase(id);
    } else {
      key_signatures_[id] = sig;
    }
    netmap_.set_key_signature(id, sig);
  }
}

}  // namespace latchkey::server
