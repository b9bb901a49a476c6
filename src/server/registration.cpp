// Tailnet: POST /machine/register — pre-auth key and interactive
// registration, client restarts, node-key rotation (OldNodeKey), logout
// (Expiry in the past), and refusal of a machine key acting for another
// machine's node key. Mirrors headscale's hscontrol/auth.go (handleRegister,
// handleLogout, handleRegisterWithAuthKey, handleRegisterInteractive,
// waitForFollowup). Errors a client should show go back as HTTP 200 with
// RegisterResponse.Error (upstream's client turns it into a user-visible
// error); only undecodable requests and unsupported versions get an HTTP
// error status. Interactive logins need no key, so what they store is
// bounded (one per machine key, a total cap, a Hostinfo size limit), they
// are stored without holding the tailnet lock, and expired ones are purged
// (purge_expired_registrations).
#include <spdlog/spdlog.h>

#include "base/hex.h"
#include "base/shell_word.h"
#include "crypto/random.h"
#include "server/node_view.h"
#include "server/tailnet.h"
#include "tailcfg/codec.h"
#include "tka/sig.h"

namespace latchkey::server {

namespace {

RegisterOutcome refusal(std::string text) {
  RegisterOutcome o;
  o.response.error = std::move(text);
  return o;
}

// A pre-auth key the store would not redeem, as the client and the metrics
// see it; nullopt for other failures (the caller reports those).
std::optional<RegisterOutcome> key_refusal(const Error& e, ServerMetrics& metrics) {
  const char* reason = nullptr;
  const char* text = nullptr;
  switch (e.kind) {
    case ErrorKind::Invalid:  // malformed
    case ErrorKind::NotFound: reason = "invalid_authkey", text = "invalid authkey"; break;
    case ErrorKind::Expired: reason = "expired_authkey", text = "authkey expired"; break;
    case ErrorKind::Conflict: reason = "used_authkey", text = "authkey already used"; break;
    default: return std::nullopt;
  }
  metrics.registration(reason);
  return refusal(text);
}

constexpr std::size_t kAuthIdBytes = 12;

std::string random_auth_id() {
  std::array<std::uint8_t, kAuthIdBytes> b{};
  crypto::random_bytes(b);
  return hex_encode(b);
}

// What random_auth_id makes: lowercase hex of kAuthIdBytes bytes.
bool is_auth_id(std::string_view text) {
  if (text.size() != 2 * kAuthIdBytes) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The Hostinfo a waiting registration keeps (as JSON): all of it within
// `limit`, else only the fields that identify the machine to the admin who
// approves it (the node's first map request reports the rest); an error
// when even those exceed the limit.
struct PendingHostinfo {
  std::string json;
  std::size_t reported_bytes = 0;  // the client's whole Hostinfo
  bool cut = false;
};

Result<PendingHostinfo> pending_hostinfo(const std::optional<tailcfg::Hostinfo>& hi, std::size_t limit) {
  PendingHostinfo out;
  if (!hi) return out;
  out.json = tailcfg::encode_json(*hi);
  out.reported_bytes = out.json.size();
  if (out.json.size() <= limit) return out;
  tailcfg::Hostinfo id;
  id.hostname = hi->hostname;
  id.os = hi->os;
  id.os_version = hi->os_version;
  id.distro = hi->distro;
  id.distro_version = hi->distro_version;
  id.ipn_version = hi->ipn_version;
  id.device_model = hi->device_model;
  id.machine = hi->machine;
  id.go_arch = hi->go_arch;
  out.json = tailcfg::encode_json(id);
  if (out.json.size() > limit) {
    return Error{"Hostinfo is too large (" + std::to_string(out.reported_bytes) +
                 " bytes, and its identifying fields alone are more than " + std::to_string(limit) + ")"};
  }
  out.cut = true;
  return out;
}

// The auth id is the last path segment of the Followup URL.
std::string auth_id_of(std::string_view url) {
  auto q = url.find_first_of("?#");
  if (q != std::string_view::npos) url = url.substr(0, q);
  auto slash = url.rfind('/');
  return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

}  // namespace

std::string unsupported_version_text(tailcfg::CapabilityVersion v, tailcfg::CapabilityVersion min) {
  return "unsupported client version: capability version " + std::to_string(v) + " is below the minimum " +
         std::to_string(min);
}

RegisterOutcome Tailnet::handle_register(ByteView body, const key::MachinePublic& machine, Clock::time_point now) {
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  auto req = tailcfg::decode_json<tailcfg::RegisterRequest>(text, tailcfg::kRequestLimits);
  if (!req) {
    metrics_->error("bad_register_request");
    metrics_->registration("bad_request");
    RegisterOutcome o;
    o.http_status = 400;
    o.http_error = "invalid RegisterRequest: " + req.message();
    return o;
  }
  if (req->version < config_.min_capability_version) {
    metrics_->error("unsupported_version");
    metrics_->registration("unsupported_version");
    RegisterOutcome o;
    o.http_status = 400;
    o.http_error = unsupported_version_text(req->version, config_.min_capability_version);
    return o;
  }
  if (req->node_key.is_zero()) {
    metrics_->error("bad_register_request");
    metrics_->registration("bad_request");
    return refusal("RegisterRequest has no NodeKey");
  }
  // Tailnet Lock: a node-key signature the client sent (re-signed after a
  // rotation, or made with a wrapped pre-auth key) must verify under the
  // lock's trusted keys; checked here, before the tailnet's lock is taken
  // (the server calls this on its blocking pool, never on an I/O thread).
  // A bad one is an error to the client, never a silently unsigned node.
  const std::shared_ptr<const tka::State> lock_state = lock_state_ ? lock_state_() : nullptr;
  const Bytes* signature = nullptr;
  if (lock_state && req->node_key_signature && !req->node_key_signature->empty()) {
    auto verdict = tka::node_key_authorized(*lock_state, req->node_key, *req->node_key_signature);
    if (!verdict) {
      metrics_->error("bad_node_key_signature");
      metrics_->registration("bad_node_key_signature");
      RegisterOutcome o = refusal("tailnet lock: the node-key signature does not verify: " + verdict.message());
      spdlog::info("register {} from {}: refused: {}", req->node_key.to_string(), machine.to_string(),
                   o.response.error);
      return o;
    }
    signature = &*req->node_key_signature;
  }
  std::optional<RegisterOutcome> decided;
  {
    std::lock_guard lock(mu_);
    decided = register_locked(*req, machine, now, lock_state.get(), signature);
  }
  // An interactive login touches only the store: parked outside the lock.
  RegisterOutcome o = decided ? std::move(*decided) : park_registration(*req, machine, now, signature);
  if (!o.response.error.empty()) {
    spdlog::info("register {} from {}: refused: {}", req->node_key.to_string(), machine.to_string(), o.response.error);
  }
  return o;
}

tailcfg::RegisterResponse Tailnet::success_response(const store::Node& n) {
  tailcfg::RegisterResponse r;
  if (const store::User* u = user_locked(n.user_id)) {
    r.user = to_tailcfg_user(*u);
    r.login = to_tailcfg_login(*u);
  }
  r.machine_authorized = true;
  return r;
}

const store::User* Tailnet::user_locked(store::UserId id) {
  auto it = users_.find(id);
  if (it != users_.end()) return &it->second;
  auto u = store_->get_user(id);
  if (!u) return nullptr;
  netmap_.set_user(to_user_profile(*u));
  return &users_.emplace(id, std::move(*u)).first->second;
}

std::string Tailnet::unique_given_name(std::string_view hostname) const {
  const std::string base = dns_label(hostname);
  if (!given_name_owner_.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base.substr(0, 56) + "-" + std::to_string(i);
    if (!given_name_owner_.count(candidate)) return candidate;
  }
}

void Tailnet::publish_node(const store::Node& n, Clock::time_point now) {
  user_locked(n.user_id);
  // The stored record is newer than any status queued before it.
  pending_status_.erase(n.id);
  if (auto it = netmap_.node(n.id); it != nullptr) {
    // A changed given name frees the old one.
    for (auto g = given_name_owner_.begin(); g != given_name_owner_.end();) {
      g = (g->second == n.id && g->first != n.given_name) ? given_name_owner_.erase(g) : std::next(g);
    }
  }
  given_name_owner_[n.given_name] = n.id;
  tailcfg::Node node = to_tailcfg_node(n, config_.base_domain);
  if (auto sig = key_signatures_.find(n.id); sig != key_signatures_.end()) node.key_signature = sig->second;
  netmap_.upsert_node(std::move(node));
  netmap_.expire_keys(to_go_time(now));
  if (n.ipv4) allocator_.mark_used(*n.ipv4);
  if (n.ipv6) allocator_.mark_used(*n.ipv6);
  if (n.ephemeral) {
    ephemeral_.insert(n.id);
    if (!netmap_.online(n.id)) ephemeral_offline_since_.try_emplace(n.id, now);
  }
}

Result<store::Node> Tailnet::create_node(store::NewNode base, const std::string* auth_key, Clock::time_point now,
                                         std::optional<Error>* key_error) {
  auto ips = allocator_.allocate();
  if (!ips) return ips.error();
  base.ipv4 = ips->v4;
  base.ipv6 = ips->v6;
  base.given_name = unique_given_name(base.hostname);
  std::optional<store::Node> created;
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    store::NewNode n = base;
    if (key_error) key_error->reset();  // a retried transaction starts over
    if (auth_key) {
      auto pak = tx.redeem_pre_auth_key(*auth_key, now);
      if (!pak) {
        if (key_error) *key_error = pak.error();
        return pak.error();
      }
      n.user_id = pak->user_id;
      n.tags = pak->tags;
      n.ephemeral = pak->ephemeral || n.ephemeral;
      n.auth_key_id = pak->id;
      n.register_method = store::RegisterMethod::AuthKey;
    }
    auto r = tx.register_node(n, now);
    if (!r) return r.error();
    created = std::move(*r);
    return {};
  });
  if (!st) {
    if (ips->v4) allocator_.release(*ips->v4);
    if (ips->v6) allocator_.release(*ips->v6);
    return st.error();
  }
  publish_node(*created, now);
  return std::move(*created);
}

Status Tailnet::set_signature_locked(NodeId id, const Bytes& signature, Clock::time_point now) {
  if (signature.empty()) {
    if (!key_signatures_.contains(id)) return {};
    auto st = store_->delete_node_key_signature(id);
    if (!st && st.kind() != ErrorKind::NotFound) return st;
    key_signatures_.erase(id);
  } else {
    if (auto st = store_->set_node_key_signature(id, signature, now); !st) return st;
    key_signatures_[id] = signature;
  }
  netmap_.set_key_signature(id, signature);
  return {};
}

std::optional<RegisterOutcome> Tailnet::register_locked(const tailcfg::RegisterRequest& req,
                                                        const key::MachinePublic& machine, Clock::time_point now,
                                                        const tka::State* lock, const Bytes* signature) {
  // After the node's record changed: its verified signature goes with it.
  auto sign = [&](NodeId id) -> std::optional<RegisterOutcome> {
    if (!signature) return std::nullopt;
    if (auto st = set_signature_locked(id, *signature, now); !st) {
      metrics_->error("store");
      return refusal("internal error: " + st.message());
    }
    return std::nullopt;
  };
  const bool logout = !req.expiry.is_zero() && to_time_point(req.expiry) < now;
  const auto by_node_key = netmap_.find_by_node_key(req.node_key);
  if (by_node_key && netmap_.node(*by_node_key)->machine != machine) {
    // Fail closed: someone holding another machine's node key.
    metrics_->error("machine_key_mismatch");
    metrics_->registration("machine_key_mismatch");
    return refusal("node exists with a different machine key");
  }

  if (logout) {
    if (!by_node_key) {
      metrics_->registration("logout_unknown");
      RegisterOutcome o;
      o.response.node_key_expired = true;
      return o;
    }
    const NodeId id = *by_node_key;
    auto stored = store_->get_node(id);
    if (!stored) {
      metrics_->error("store");
      return refusal("internal error: " + stored.message());
    }
    RegisterOutcome o;
    o.response = success_response(*stored);
    o.response.node_key_expired = true;
    o.response.machine_authorized = false;
    if (stored->ephemeral) {
      if (auto st = store_->delete_node(id); !st) {
        metrics_->error("store");
        return refusal("internal error: " + st.message());
      }
      remove_locked(id);
    } else {
      if (auto st = store_->set_node_expiry(id, now, now); !st) {
        metrics_->error("store");
        return refusal("internal error: " + st.message());
      }
      stored->expiry = now;
      publish_node(*stored, now);
      end_streams_locked(id);
    }
    metrics_->registration("logout");
    return o;
  }

  if (!req.followup.empty()) {
    RegisterOutcome o;
    o.wait_auth_id = auth_id_of(req.followup);
    metrics_->registration("followup");
    return o;
  }

  const std::string* auth_key = (req.auth && !req.auth->auth_key.empty()) ? &req.auth->auth_key : nullptr;

  // A known node key on its own machine: a client restart (upstream
  // clients send their auth key again) or a plain status check.
  if (by_node_key) {
    auto stored = store_->get_node(*by_node_key);
    if (!stored) {
      metrics_->error("store");
      return refusal("internal error: " + stored.message());
    }
    if (!stored->expired(now)) {
      if (auto failed = sign(stored->id)) return failed;
      metrics_->registration("existing");
      return RegisterOutcome{200, {}, success_response(*stored), std::nullopt};
    }
    if (!auth_key) {
      metrics_->registration("expired");
      RegisterOutcome o;
      o.response = success_response(*stored);
      o.response.node_key_expired = true;
      o.response.machine_authorized = false;
      return o;
    }
  }

  // Node-key rotation: the old key must belong to this machine.
  if (!req.old_node_key.is_zero() && !auth_key) {
    const auto by_old = netmap_.find_by_node_key(req.old_node_key);
    if (by_old) {
      if (netmap_.node(*by_old)->machine != machine) {
        metrics_->error("machine_key_mismatch");
        metrics_->registration("machine_key_mismatch");
        return refusal("node exists with a different machine key");
      }
      auto stored = store_->get_node(*by_old);
      if (stored && !stored->expired(now)) {
        // Under the lock, a signed node that can re-sign its own keys (its
        // signature wraps a rotation key) is first sent its signature: the
        // client then retries with a new node key and a rotation signature
        // (upstream direct.go, RegisterResponse.NodeKeySignature).
        auto old_sig = key_signatures_.find(*by_old);
        if (lock && !signature && old_sig != key_signatures_.end()) {
          auto parsed = tka::NodeKeySignature::unserialize(old_sig->second);
          const auto wrapping = parsed ? parsed->wrapping_public() : std::nullopt;
          if (wrapping && !wrapping->empty() && *wrapping != Bytes(wrapping->size(), 0)) {
            metrics_->registration("key_rotation_resign");
            RegisterOutcome o;
            o.response.node_key_signature = old_sig->second;
            return o;
          }
        }
        if (auto st = store_->update_node_key(*by_old, req.node_key, stored->expiry, now); !st) {
          metrics_->error("store");
          return refusal("internal error: " + st.message());
        }
        stored->node_key = req.node_key;
        publish_node(*stored, now);
        // The old key's signature says nothing about the new key.
        if (auto st = set_signature_locked(*by_old, signature ? *signature : Bytes{}, now); !st) {
          metrics_->error("store");
          return refusal("internal error: " + st.message());
        }
        metrics_->registration("key_rotation");
        return RegisterOutcome{200, {}, success_response(*stored), std::nullopt};
      }
    }
  }

  // Neither a key nor a known node: an interactive login, which only the
  // store sees (park_registration, outside the lock).
  if (!auth_key) return std::nullopt;

  std::optional<store::TimePoint> expiry;
  if (!req.expiry.is_zero()) expiry = to_time_point(req.expiry);
  const std::string hostinfo_json = req.hostinfo ? tailcfg::encode_json(*req.hostinfo) : std::string();
  const std::string hostname = req.hostinfo ? req.hostinfo->hostname : std::string();

  // A machine registered before (new node key after a logout or expiry):
  // re-authorise that node with the key's blessing.
  if (const auto by_machine = netmap_.find_by_machine_key(machine)) {
    const NodeId id = *by_machine;
    std::optional<Error> key_error;
    Status st = store_->transact([&](store::Transaction& tx) -> Status {
      key_error.reset();  // a retried transaction starts over
      auto pak = tx.redeem_pre_auth_key(*auth_key, now);
      if (!pak) {
        key_error = pak.error();
        return pak.error();
      }
      if (auto s = tx.update_node_key(id, req.node_key, expiry, now); !s) return s;
      if (pak->user_id != netmap_.node(id)->user) {
        if (auto s = tx.set_node_user(id, pak->user_id, now); !s) return s;
      }
      return {};
    });
    if (st) {
      auto stored = store_->get_node(id);
      if (stored) {
        publish_node(*stored, now);
        // A new node key: the old one's signature no longer applies.
        if (auto s = set_signature_locked(id, signature ? *signature : Bytes{}, now); !s) {
          metrics_->error("store");
          return refusal("internal error: " + s.message());
        }
        metrics_->registration("authkey_relogin");
        return RegisterOutcome{200, {}, success_response(*stored), std::nullopt};
      }
      st = stored.error();
    }
    if (key_error) {
      if (auto refused = key_refusal(*key_error, *metrics_)) return std::move(*refused);
    }
    metrics_->error("store");
    return refusal("internal error: " + st.message());
  }
  store::NewNode n;
  n.machine_key = machine;
  n.node_key = req.node_key;
  n.nl_key = req.nl_key;
  n.hostname = hostname;
  n.hostinfo_json = hostinfo_json;
  n.expiry = expiry;
  n.ephemeral = req.ephemeral;
  std::optional<Error> key_error;
  auto created = create_node(std::move(n), auth_key, now, &key_error);
  if (!created) {
    const Error& e = created.error();
    if (key_error) {
      if (auto refused = key_refusal(*key_error, *metrics_)) return std::move(*refused);
    }
    if (e.kind == ErrorKind::AlreadyExists) {
      metrics_->error("machine_key_mismatch");
      metrics_->registration("machine_key_mismatch");
      return refusal("node exists with a different machine key");
    }
    metrics_->error("store");
    return refusal("registration failed: " + e.message);
  }
  if (auto failed = sign(created->id)) return failed;
  metrics_->registration("authkey");
  spdlog::info("registered node {} ({}) with a pre-auth key", created->id, created->given_name);
  return RegisterOutcome{200, {}, success_response(*created), std::nullopt};
}

RegisterOutcome Tailnet::park_registration(const tailcfg::RegisterRequest& req, const key::MachinePublic& machine,
                                           Clock::time_point now, const Bytes* signature) {
  // Park the request until an admin approves it. Anyone can
  // get here without a key, so what is stored is bounded: the Hostinfo,
  // one entry per machine key (a new login replaces the machine's older
  // one) and max_pending_registrations in all.
  auto stored_hostinfo = pending_hostinfo(req.hostinfo, config_.max_pending_hostinfo_bytes);
  if (!stored_hostinfo) {
    metrics_->error("hostinfo_too_large");
    metrics_->registration("hostinfo_too_large");
    return refusal(stored_hostinfo.message());
  }
  if (stored_hostinfo->cut) {
    spdlog::warn("interactive registration from {}: its Hostinfo is {} bytes, more than {}; keeping only the "
                 "identifying fields until it is approved",
                 machine.to_string(), stored_hostinfo->reported_bytes, config_.max_pending_hostinfo_bytes);
  }
  const std::string hostname = req.hostinfo ? req.hostinfo->hostname : std::string();
  store::PendingRegistration p;
  p.auth_id = random_auth_id();
  p.machine_key = machine;
  p.node_key = req.node_key;
  p.nl_key = req.nl_key;
  if (signature) p.node_key_signature = *signature;  // checked again at approval
  p.hostinfo_json = std::move(stored_hostinfo->json);
  p.ephemeral = req.ephemeral;
  if (!req.expiry.is_zero()) p.requested_expiry = to_time_point(req.expiry);
  p.created_at = now;
  p.expires_at = now + config_.pending_registration_lifetime;
  bool full = false;
  std::int64_t replaced = 0, waiting = 0;
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    full = false;
    auto r = tx.delete_machine_pending_registrations(machine);
    if (!r) return r.error();
    replaced = *r;
    // Expired entries do not count against the cap, even before the
    // periodic purge has removed them.
    if (auto e = tx.delete_expired_pending_registrations(now); !e) return e.error();
    auto n = tx.count_pending_registrations();
    if (!n) return n.error();
    waiting = *n;
    if (waiting >= config_.max_pending_registrations) {
      full = true;  // rolled back: the machine's older entry stays
      return Error{"the pending registrations are at their limit", ErrorKind::Conflict};
    }
    if (auto s = tx.create_pending_registration(p); !s) return s;
    ++waiting;
    return {};
  });
  if (full) {
    metrics_->pending_registrations.store(waiting);
    metrics_->error("pending_registrations_full");
    metrics_->registration("pending_registrations_full");
    spdlog::warn("interactive registration for {} from {} refused: {} registrations are already waiting for "
                 "approval (the limit)",
                 hostname, machine.to_string(), waiting);
    return refusal("too many registrations are waiting for approval; try again later");
  }
  if (!st) {
    metrics_->error("store");
    return refusal("internal error: " + st.message());
  }
  metrics_->pending_registrations.store(waiting);
  metrics_->registration("interactive_pending");
  spdlog::info("interactive registration {} for {} waits for approval{}: {}", p.auth_id, hostname,
               replaced > 0 ? " (replacing the machine's earlier login)" : "", approve_command(p.auth_id));
  RegisterOutcome o;
  o.response.auth_url = config_.server_url + "/register/" + p.auth_id;
  return o;
}

Tailnet::CheckedSignature Tailnet::check_pending_signature(std::string_view auth_id, bool approved_only) const {
  CheckedSignature c;
  auto p = store_->get_pending_registration(auth_id);
  if (!p || !p->node_key_signature || (approved_only && !p->approved_user_id)) return c;
  const auto lock = lock_state_ ? lock_state_() : nullptr;
  if (lock && tka::node_key_authorized(*lock, p->node_key, *p->node_key_signature)) {
    c.node_key = p->node_key;
    c.signature = *p->node_key_signature;
  }
  return c;
}

std::optional<tailcfg::RegisterResponse> Tailnet::followup(const std::string& auth_id,
                                                           const key::MachinePublic& machine, Clock::time_point now) {
  // Only an approved login needs its signature (most polls find none).
  const CheckedSignature checked = check_pending_signature(auth_id, /*approved_only=*/true);
  std::lock_guard lock(mu_);
  auto pending = store_->get_pending_registration(auth_id);
  if (pending) {
    if (pending->machine_key != machine) {
      metrics_->error("machine_key_mismatch");
      tailcfg::RegisterResponse r;
      r.error = "registration belongs to a different machine key";
      return r;
    }
    if (pending->approved_user_id) {
      // Approved by an admin (latchkey nodes register): create the node.
      auto n = approve_locked(*pending, *pending->approved_user_id, now, checked);
      if (!n) {
        metrics_->error("store");
        tailcfg::RegisterResponse r;
        r.error = "registration failed: " + n.message();
        return r;
      }
      metrics_->registration("interactive");
      return success_response(*n);
    }
    if (pending->expires_at <= now) {
      if (store_->delete_pending_registration(auth_id).ok()) metrics_->pending_registrations.fetch_sub(1);
      metrics_->registration("interactive_expired");
      tailcfg::RegisterResponse r;
      r.error = "registration expired; log in again";
      return r;
    }
    return std::nullopt;
  }
  // Approved (the pending entry became a node) or unknown.
  if (const auto id = netmap_.find_by_machine_key(machine)) {
    auto stored = store_->get_node(*id);
    if (stored) {
      metrics_->registration("interactive");
      return success_response(*stored);
    }
  }
  metrics_->registration("interactive_unknown");
  tailcfg::RegisterResponse r;
  r.error = "unknown or expired registration";
  return r;
}

Result<store::Node> Tailnet::approve_registration(std::string_view auth_id, store::UserId user, Clock::time_point now) {
  const CheckedSignature checked = check_pending_signature(auth_id, /*approved_only=*/false);
  std::lock_guard lock(mu_);
  auto pending = store_->get_pending_registration(auth_id);
  if (!pending) return pending.error();
  return approve_locked(*pending, user, now, checked);
}

Result<store::Node> Tailnet::approve_locked(const store::PendingRegistration& p, store::UserId user,
                                            Clock::time_point now, const CheckedSignature& checked) {
  const store::PendingRegistration* pending = &p;
  const std::string auth_id = p.auth_id;
  // The node-key signature the login brought, if it verified under the
  // lock as it was just before (the lock may have changed while the login
  // waited); otherwise the node starts unsigned (and any old signature goes).
  Bytes signature;
  if (p.node_key_signature) {
    if (!checked.signature.empty() && checked.node_key == p.node_key && checked.signature == *p.node_key_signature) {
      signature = checked.signature;
    } else {
      spdlog::warn("approved registration {}: its node-key signature no longer verifies; the node starts unsigned",
                   auth_id);
    }
  }
  if (!user_locked(user)) return Error{"no user with id " + std::to_string(user), ErrorKind::NotFound};
  tailcfg::Hostinfo hi;
  if (!pending->hostinfo_json.empty()) {
    if (auto d = tailcfg::decode_json<tailcfg::Hostinfo>(pending->hostinfo_json)) hi = std::move(*d);
  }
  if (const auto by_machine = netmap_.find_by_machine_key(pending->machine_key)) {
    const NodeId id = *by_machine;
    Status st = store_->transact([&](store::Transaction& tx) -> Status {
      if (auto s = tx.update_node_key(id, pending->node_key, pending->requested_expiry, now); !s) return s;
      if (auto s = tx.set_node_user(id, user, now); !s) return s;
      return tx.delete_pending_registration(auth_id);
    });
    if (!st) return st.error();
    metrics_->pending_registrations.fetch_sub(1);
    auto stored = store_->get_node(id);
    if (!stored) return stored.error();
    publish_node(*stored, now);
    if (auto s = set_signature_locked(id, signature, now); !s) return s.error();
    spdlog::info("approved registration {}: re-login of node {} ({}) for user {}", auth_id, id, stored->given_name,
                 user_locked(user)->name);
    return stored;
  }
  auto ips = allocator_.allocate();
  if (!ips) return ips.error();
  store::NewNode n;
  n.machine_key = pending->machine_key;
  n.node_key = pending->node_key;
  n.nl_key = pending->nl_key;
  n.ipv4 = ips->v4;
  n.ipv6 = ips->v6;
  n.hostname = hi.hostname;
  n.given_name = unique_given_name(hi.hostname);
  n.user_id = user;
  n.register_method = store::RegisterMethod::Interactive;
  n.ephemeral = pending->ephemeral;
  n.expiry = pending->requested_expiry;
  n.hostinfo_json = pending->hostinfo_json;
  std::optional<store::Node> created;
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    auto r = tx.register_node(n, now);
    if (!r) return r.error();
    created = std::move(*r);
    return tx.delete_pending_registration(auth_id);
  });
  if (!st) {
    if (ips->v4) allocator_.release(*ips->v4);
    if (ips->v6) allocator_.release(*ips->v6);
    return st.error();
  }
  metrics_->pending_registrations.fetch_sub(1);
  publish_node(*created, now);
  if (!signature.empty()) {
    if (auto s = set_signature_locked(created->id, signature, now); !s) return s.error();
  }
  spdlog::info("approved registration {}: node {} ({}) for user {}", auth_id, created->id, created->given_name,
               user_locked(user)->name);
  return std::move(*created);
}

Result<store::PendingRegistration> Tailnet::waiting_registration(std::string_view auth_id, Clock::time_point now) {
  const Error none{"no registration is waiting with this id", ErrorKind::NotFound};
  if (!is_auth_id(auth_id)) return none;
  auto p = store_->get_pending_registration(auth_id);
  if (!p) return p.kind() == ErrorKind::NotFound ? none : p.error();
  if (p->expires_at <= now) return none;
  return p;
}

std::string Tailnet::approve_command(std::string_view auth_id) const {
  std::string cmd = shell_word(config_.latchkey_binary) + " nodes register";
  if (!config_.admin_socket.empty()) cmd += " --socket " + shell_word(config_.admin_socket);
  return cmd + " --user USERNAME " + std::string(auth_id);
}

Result<std::int64_t> Tailnet::purge_expired_registrations(Clock::time_point now) {
  std::int64_t removed = 0, left = 0;
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    auto r = tx.delete_expired_pending_registrations(now);
    if (!r) return r.error();
    removed = *r;
    auto n = tx.count_pending_registrations();
    if (!n) return n.error();
    left = *n;
    return {};
  });
  if (!st) {
    metrics_->error("store");
    return st.error();
  }
  metrics_->pending_registrations.store(left);
  if (removed > 0) spdlog::info("removed {} expired pending registration(s); {} waiting", removed, left);
  return removed;
}

}  // namespace latchkey::server
