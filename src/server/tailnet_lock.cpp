#include "server/tailnet_lock.h"

#include <spdlog/spdlog.h>

#include "store/tka_aum_storage.h"
#include "tailcfg/codec.h"
#include "tka/memory_storage.h"
#include "tka/sig.h"
#include "tka/sync.h"

namespace latchkey::server {
namespace {

// tka_values names.
constexpr std::string_view kMode = "mode";
constexpr std::string_view kDisablementSecret = "disablement_secret";
constexpr std::string_view kSupportDisablement = "support_disablement";
constexpr std::string_view kEnabled = "enabled";
constexpr std::string_view kDisabled = "disabled";

// RPC bodies: a sync may carry thousands of AUMs (the HTTP/2 layer caps a
// request at 4 MiB).
constexpr tailcfg::DecodeLimits kTkaLimits{4u << 20, 100};

std::string_view text_of(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

template <class T>
TailnetLock::Reply json_reply(const T& v) {
  std::string body = tailcfg::encode_json(v);
  body += '\n';
  return {200, std::move(body)};
}

}  // namespace

Result<std::unique_ptr<TailnetLock>> TailnetLock::load(std::shared_ptr<store::Store> store, ServerMetrics* metrics) {
  std::unique_ptr<TailnetLock> lock(new TailnetLock(std::move(store), metrics));
  std::lock_guard guard(lock->mu_);
  if (auto st = lock->load_locked(); !st) return st.error();
  return lock;
}

void TailnetLock::snapshot_locked() {
  snapshot_.store(mode_ == Mode::Enabled ? std::make_shared<const tka::State>(authority_->state()) : nullptr);
}

Status TailnetLock::load_locked() {
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    mode_ = Mode::Off;
    authority_.reset();
    disablement_secret_.clear();
    auto mode = tx.get_tka_value(kMode);
    if (!mode) {
      if (mode.kind() == ErrorKind::NotFound) return {};
      return mode.error();
    }
    if (text_of(*mode) == kDisabled) {
      mode_ = Mode::Disabled;
      auto secret = tx.get_tka_value(kDisablementSecret);
      if (secret) disablement_secret_ = *secret;
      return {};
    }
    if (text_of(*mode) != kEnabled) return Error{"stored tailnet lock mode \"" + std::string(text_of(*mode)) + "\""};
    store::TxAumStorage storage(tx, Clock::now());
    auto a = tka::Authority::open(storage);
    if (!a) return Error{"reading the tailnet lock's chain: " + a.message()};
    authority_ = std::move(*a);
    mode_ = Mode::Enabled;
    return {};
  });
  snapshot_locked();
  return st;
}

TailnetLock::Mode TailnetLock::mode() const {
  std::lock_guard guard(mu_);
  return mode_;
}

LockPublication TailnetLock::current() const {
  std::lock_guard guard(mu_);
  LockPublication p;
  p.info_changed = mode_ != Mode::Off;
  if (mode_ == Mode::Enabled) p.info = tailcfg::TkaInfo{authority_->head().to_string(), false};
  if (mode_ == Mode::Disabled) p.info = tailcfg::TkaInfo{"", true};
  if (mode_ == Mode::Enabled) {
    auto sigs = store_->transact([&](store::Transaction& tx) -> Status {
      auto all = tx.list_node_key_signatures();
      if (!all) return all.error();
      p.signatures = std::move(*all);
      return {};
    });
    if (!sigs) spdlog::error("tailnet lock: reading node-key signatures: {}", sigs.message());
  }
  return p;
}

TailnetLock::Reply TailnetLock::not_administrator() {
  return refuse(403, "not_administrator",
                "this node's user may not change the tailnet lock (tailnet_lock.administrators in the server's "
                "configuration)");
}

TailnetLock::Reply TailnetLock::refuse(unsigned status, std::string_view reason, std::string message) {
  metrics_->error("tka_" + std::string(reason));
  spdlog::debug("tailnet lock: refused ({}): {}", status, message);
  return {status, std::move(message)};
}

TailnetLock::Reply TailnetLock::handle(std::string_view endpoint, ByteView body, const key::MachinePublic& machine,
                                       Clock::time_point now) {
  // Every request names the node it speaks for; only that node's machine
  // may (the Noise handshake proved the machine key). All request types
  // share Version and NodeKey, and unknown fields are ignored as Go does,
  // so the smallest type reads them from any.
  auto head = tailcfg::decode_json<tailcfg::TkaBootstrapRequest>(text_of(body), kTkaLimits);
  if (!head) return refuse(400, "bad_request", "invalid request body: " + head.message());
  const key::NodePublic node_key = head->node_key;
  std::optional<Caller> caller = lookup_ ? lookup_(node_key, machine, now) : std::nullopt;
  if (!caller) return refuse(404, "unknown_node", "node not found");
  const bool changes_lock = endpoint == "init/begin" || endpoint == "init/finish" || endpoint == "sign" ||
                            endpoint == "affected-sigs" || endpoint == "disable";
  if (changes_lock && !caller->administrator) return not_administrator();

  std::lock_guard guard(mu_);
  if (endpoint == "init/begin") return init_begin(*caller, body, now);
  if (endpoint == "init/finish") return init_finish(*caller, body, now);
  if (endpoint == "bootstrap") return bootstrap(*caller, body);
  if (endpoint == "sync/offer") return sync_offer(*caller, body);
  if (endpoint == "sync/send") return sync_send(*caller, body, now);
  if (endpoint == "sign") return sign(*caller, body, now);
  if (endpoint == "affected-sigs") return affected_sigs(*caller, body);
  if (endpoint == "disable") return disable(*caller, body);
  return refuse(404, "unknown_endpoint", "404 page not found");
}

TailnetLock::Reply TailnetLock::init_begin(const Caller& caller, ByteView body, Clock::time_point) {
  auto req = tailcfg::decode_json<tailcfg::TkaInitBeginRequest>(text_of(body), kTkaLimits);
  if (!req) return refuse(400, "bad_request", "invalid TKAInitBeginRequest: " + req.message());
  if (mode_ == Mode::Enabled) return refuse(409, "already_enabled", "tailnet lock is already enabled");
  if (!req->genesis_aum || req->genesis_aum->empty()) return refuse(400, "bad_genesis", "no genesis AUM");
  auto genesis = tka::Aum::unserialize(*req->genesis_aum);
  if (!genesis) return refuse(400, "bad_genesis", "decoding the genesis AUM: " + genesis.message());
  // What upstream's tka.Bootstrap accepts: a checkpoint, with a state that
  // passes static validation, signed by enough of its own keys.
  tka::MemoryStorage scratch;
  auto authority = tka::Authority::bootstrap(scratch, *genesis);
  if (!authority) return refuse(400, "bad_genesis", "invalid genesis AUM: " + authority.message());

  tailcfg::TkaInitBeginResponse resp;
  resp.need_signatures.emplace();
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    resp.need_signatures->clear();
    auto nodes = tx.list_nodes();
    if (!nodes) return nodes.error();
    for (const store::Node& n : *nodes) {
      tailcfg::TkaSignInfo info;
      info.node_id = n.id;
      info.node_public = n.node_key;
      // The node's own lock key: the signature wraps it, so that the node
      // can re-sign its next node key itself (rotation).
      if (!n.nl_key.is_zero()) info.rotation_pubkey = n.nl_key.key_id();
      resp.need_signatures->push_back(std::move(info));
    }
    return {};
  });
  if (!st) return refuse(503, "store", "cannot list the nodes now: " + st.message());
  pending_ = PendingInit{std::move(*genesis), std::move(*authority), caller.node};
  spdlog::info("tailnet lock: initialization begun by node {} (head {}), {} node(s) to sign", caller.node,
               pending_->authority.head().to_string(), resp.need_signatures->size());
  return json_reply(resp);
}

TailnetLock::Reply TailnetLock::init_finish(const Caller& caller, ByteView body, Clock::time_point now) {
  auto req = tailcfg::decode_json<tailcfg::TkaInitFinishRequest>(text_of(body), kTkaLimits);
  if (!req) return refuse(400, "bad_request", "invalid TKAInitFinishRequest: " + req.message());
  if (mode_ == Mode::Enabled) return refuse(409, "already_enabled", "tailnet lock is already enabled");
  if (!pending_ || pending_->by != caller.node) {
    return refuse(409, "no_pending_init", "no tailnet lock initialization in progress for this node (begin first)");
  }
  const std::map<tailcfg::NodeId, Bytes> none;
  const auto& sigs = req->signatures ? *req->signatures : none;

  std::optional<tka::Authority> committed;
  std::vector<std::pair<store::NodeId, Bytes>> published;
  std::string refusal;
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    published.clear();
    refusal.clear();
    // Every signature must authorize its node's current key under the new
    // lock; nodes that joined after init/begin simply stay unsigned. The
    // verdict is the one of checking node by node in ID order (the first
    // failure is the answer: an unknown node, a store error, or a signature
    // that does not verify), but the signatures are verified together with
    // the batch verifier: first every node is read and its signature
    // stored (the transaction is rolled back on any refusal), then the
    // signatures up to where that stopped are checked.
    std::vector<store::NodeId> ids;
    std::vector<tka::NodeKeyToAuthorize> items;
    ids.reserve(sigs.size());
    items.reserve(sigs.size());
    std::string stop_refusal;  // an unknown node, after items
    Status stop_error;         // a store error, after items (reading) or at its last (writing)
    for (const auto& [id, sig] : sigs) {
      auto n = tx.get_node(id);
      if (!n) {
        if (n.kind() == ErrorKind::NotFound) {
          stop_refusal = "signature for node " + std::to_string(id) + ": no such node";
        } else {
          stop_error = n.error();
        }
        break;
      }
      ids.push_back(id);
      items.push_back({n->node_key, sig});
      if (auto s = tx.set_node_key_signature(id, sig, now); !s) {
        stop_error = s;  // after the verification of this node's signature
        break;
      }
      published.emplace_back(id, sig);
    }
    if (auto bad = tka::node_keys_authorized(pending_->authority.state(), items)) {
      refusal = "signature for node " + std::to_string(ids[bad->index]) + " does not verify: " + bad->error.message;
      return Error{refusal, ErrorKind::Invalid};
    }
    if (!stop_refusal.empty()) {
      refusal = stop_refusal;
      return Error{refusal, ErrorKind::Invalid};
    }
    if (!stop_error) return stop_error;
    store::TxAumStorage storage(tx, now);
    auto a = tka::Authority::bootstrap(storage, pending_->genesis);
    if (!a) return a.error();
    if (auto s = tx.set_tka_value(kMode, as_bytes(kEnabled)); !s) return s;
    if (auto s = tx.delete_tka_value(kDisablementSecret); !s) return s;
    if (!req->support_disablement.empty()) {
      if (auto s = tx.set_tka_value(kSupportDisablement, req->support_disablement); !s) return s;
    }
    committed = std::move(*a);
    return {};
  });
  if (!refusal.empty()) return refuse(400, "bad_signature", refusal);
  if (!st) return refuse(503, "store", "cannot store the tailnet lock now: " + st.message());
  authority_ = std::move(*committed);
  mode_ = Mode::Enabled;
  disablement_secret_.clear();
  pending_.reset();
  snapshot_locked();
  spdlog::info("tailnet lock: enabled by node {} (head {}); {} node(s) signed", caller.node,
               authority_->head().to_string(), published.size());
  if (publish_) publish_({true, tailcfg::TkaInfo{authority_->head().to_string(), false}, std::move(published)});
  return json_reply(tailcfg::TkaInitFinishResponse{});
}

TailnetLock::Reply TailnetLock::bootstrap(const Caller&, ByteView body) {
  auto req = tailcfg::decode_json<tailcfg::TkaBootstrapRequest>(text_of(body), kTkaLimits);
  if (!req) return refuse(400, "bad_request", "invalid TKABootstrapRequest: " + req.message());
  tailcfg::TkaBootstrapResponse resp;
  switch (mode_) {
    case Mode::Enabled:
      // The oldest checkpoint of the chain the server knows: a node
      // bootstraps from it and then syncs the rest.
      resp.genesis_aum = authority_->oldest_ancestor().serialize();
      break;
    case Mode::Disabled:
      resp.disablement_secret = disablement_secret_;
      break;
    case Mode::Off:
      return refuse(409, "not_enabled", "tailnet lock is not enabled");
  }
  return json_reply(resp);
}

TailnetLock::Reply TailnetLock::sync_offer(const Caller&, ByteView body) {
  auto req = tailcfg::decode_json<tailcfg::TkaSyncOfferRequest>(text_of(body), kTkaLimits);
  if (!req) return refuse(400, "bad_request", "invalid TKASyncOfferRequest: " + req.message());
  if (mode_ != Mode::Enabled) return refuse(409, "not_enabled", "tailnet lock is not enabled");
  const std::vector<std::string> none;
  auto theirs = tka::sync_offer_from_text(req->head, req->ancestors ? *req->ancestors : none);
  if (!theirs) return refuse(400, "bad_offer", "invalid sync offer: " + theirs.message());
  tailcfg::TkaSyncOfferResponse resp;
  std::string failure;
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    store::TxAumStorage storage(tx, Clock::now());
    auto ours = tka::make_sync_offer(*authority_, storage);
    if (!ours) return ours.error();
    auto missing = tka::missing_aums(*authority_, storage, *theirs);
    if (!missing) {
      failure = missing.message();
      return missing.error();
    }
    const tka::SyncOfferText text = tka::sync_offer_to_text(*ours);
    resp.head = text.head;
    resp.ancestors = text.ancestors;
    resp.missing_aums.emplace();
    for (const tka::Aum& a : *missing) resp.missing_aums->push_back(a.serialize());
    return {};
  });
  if (!failure.empty()) return refuse(500, "sync_failed", "computing missing AUMs: " + failure);
  if (!st) return refuse(503, "store", "cannot read the tailnet lock now: " + st.message());
  return json_reply(resp);
}

TailnetLock::Reply TailnetLock::sync_send(const Caller& caller, ByteView body, Clock::time_point now) {
  auto req = tailcfg::decode_json<tailcfg::TkaSyncSendRequest>(text_of(body), kTkaLimits);
  if (!req) return refuse(400, "bad_request", "invalid TKASyncSendRequest: " + req.message());
  if (mode_ != Mode::Enabled) return refuse(409, "not_enabled", "tailnet lock is not enabled");
  // An interactive send is a change made on this node (`tailscale lock
  // add/remove`); a sync only relays AUMs the trusted keys signed.
  if (req->interactive && !caller.administrator) return not_administrator();
  std::vector<tka::Aum> aums;
  if (req->missing_aums) {
    aums.reserve(req->missing_aums->size());
    for (std::size_t i = 0; i < req->missing_aums->size(); ++i) {
      auto a = tka::Aum::unserialize((*req->missing_aums)[i]);
      if (!a) return refuse(400, "bad_aum", "decoding missingAUM[" + std::to_string(i) + "]: " + a.message());
      aums.push_back(std::move(*a));
    }
  }
  const tka::AumHash before = authority_->head();
  if (!aums.empty()) {
    // An interactive change (`tailscale lock add/remove`) is built on the
    // head the node last saw; built on an older one, it would fork the
    // chain: the node must sync and try again.
    if (req->interactive && aums.front().parent() != before) {
      return refuse(409, "stale_head", "the tailnet lock changed meanwhile; sync and try again");
    }
    std::optional<tka::Authority> next;
    std::string refusal;
    Status st = store_->transact([&](store::Transaction& tx) -> Status {
      refusal.clear();
      store::TxAumStorage storage(tx, now);
      auto n = authority_->inform_idempotent(storage, aums);
      if (!n) {
        refusal = n.message();
        return n.error();
      }
      next = std::move(*n);
      return {};
    });
    if (!refusal.empty()) return refuse(400, "bad_aum", "the AUMs were refused: " + refusal);
    if (!st) return refuse(503, "store", "cannot store the AUMs now: " + st.message());
    authority_ = std::move(*next);
    snapshot_locked();
  }
  const tka::AumHash after = authority_->head();
  if (after != before) {
    spdlog::info("tailnet lock: head {} -> {} ({} AUM(s) from node {})", before.to_string(), after.to_string(),
                 aums.size(), caller.node);
    if (publish_) publish_({true, tailcfg::TkaInfo{after.to_string(), false}, {}});
  }
  return json_reply(tailcfg::TkaSyncSendResponse{after.to_string()});
}

TailnetLock::Reply TailnetLock::sign(const Caller& caller, ByteView body, Clock::time_point now) {
  auto req = tailcfg::decode_json<tailcfg::TkaSubmitSignatureRequest>(text_of(body), kTkaLimits);
  if (!req) return refuse(400, "bad_request", "invalid TKASubmitSignatureRequest: " + req.message());
  if (mode_ != Mode::Enabled) return refuse(409, "not_enabled", "tailnet lock is not enabled");
  if (!req->signature || req->signature->empty()) return refuse(400, "bad_signature", "no signature");
  auto sig = tka::NodeKeySignature::unserialize(*req->signature);
  if (!sig) return refuse(400, "bad_signature", "malformed signature: " + sig.message());
  auto signed_key = key::NodePublic::from_binary(sig->pubkey);
  if (!signed_key) return refuse(400, "bad_signature", "the signature names no node key: " + signed_key.message());
  auto ok = tka::node_key_authorized(authority_->state(), *signed_key, *req->signature);
  if (!ok) return refuse(400, "bad_signature", "signature does not verify: " + ok.message());
  store::NodeId target = 0;
  bool unknown = false;
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    auto n = tx.find_node_by_node_key(*signed_key);
    if (!n) {
      unknown = n.kind() == ErrorKind::NotFound;
      return n.error();
    }
    target = n->id;
    return tx.set_node_key_signature(n->id, *req->signature, now);
  });
  if (unknown) return refuse(404, "unknown_node", "no node has key " + signed_key->to_string());
  if (!st) return refuse(503, "store", "cannot store the signature now: " + st.message());
  spdlog::info("tailnet lock: node {} signed by node {}", target, caller.node);
  if (publish_) publish_({false, std::nullopt, {{target, *req->signature}}});
  return json_reply(tailcfg::TkaSubmitSignatureResponse{});
}

TailnetLock::Reply TailnetLock::affected_sigs(const Caller&, ByteView body) {
  auto req = tailcfg::decode_json<tailcfg::TkaSignaturesUsingKeyRequest>(text_of(body), kTkaLimits);
  if (!req) return refuse(400, "bad_request", "invalid TKASignaturesUsingKeyRequest: " + req.message());
  if (mode_ != Mode::Enabled) return refuse(409, "not_enabled", "tailnet lock is not enabled");
  if (!req->key_id || req->key_id->empty()) return refuse(400, "bad_request", "no KeyID");
  tailcfg::TkaSignaturesUsingKeyResponse resp;
  resp.signatures.emplace();
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    resp.signatures->clear();
    auto all = tx.list_node_key_signatures();
    if (!all) return all.error();
    for (const auto& [id, marshaled] : *all) {
      auto n = tx.get_node(id);
      if (!n) continue;
      auto sig = tka::NodeKeySignature::unserialize(marshaled);
      if (!sig) continue;
      // Signatures the key made for the node's current key that still
      // verify: exactly what the client re-signs before removing the key
      // (it refuses the whole answer if any one fails its own checks).
      auto by = sig->authorizing_key_id();
      if (!by || *by != *req->key_id) continue;
      if (!tka::node_key_authorized(authority_->state(), n->node_key, marshaled)) continue;
      resp.signatures->push_back(marshaled);
    }
    return {};
  });
  if (!st) return refuse(503, "store", "cannot read the signatures now: " + st.message());
  return json_reply(resp);
}

TailnetLock::Reply TailnetLock::disable(const Caller& caller, ByteView body) {
  auto req = tailcfg::decode_json<tailcfg::TkaDisableRequest>(text_of(body), kTkaLimits);
  if (!req) return refuse(400, "bad_request", "invalid TKADisableRequest: " + req.message());
  if (mode_ != Mode::Enabled) return refuse(409, "not_enabled", "tailnet lock is not enabled");
  const Bytes secret = req->disablement_secret.value_or(Bytes{});
  // Argon2i (16 MiB): slow by design, and run here, off the I/O threads.
  if (secret.empty() || !authority_->valid_disablement(secret)) {
    return refuse(400, "bad_disablement_secret", "incorrect disablement secret");
  }
  return commit_disable(secret, "node " + std::to_string(caller.node) + " with a disablement secret");
}

TailnetLock::Reply TailnetLock::commit_disable(const Bytes& secret, std::string_view by) {
  std::vector<std::pair<store::NodeId, Bytes>> cleared;
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    cleared.clear();
    auto sigs = tx.list_node_key_signatures();
    if (!sigs) return sigs.error();
    for (const auto& s : *sigs) cleared.emplace_back(s.first, Bytes{});
    if (auto s = tx.delete_all_tka(); !s) return s;
    if (auto s = tx.set_tka_value(kMode, as_bytes(kDisabled)); !s) return s;
    return tx.set_tka_value(kDisablementSecret, secret);
  });
  if (!st) return refuse(503, "store", "cannot disable the tailnet lock now: " + st.message());
  spdlog::warn("tailnet lock: disabled by {}", by);
  authority_.reset();
  pending_.reset();
  mode_ = Mode::Disabled;
  disablement_secret_ = secret;
  snapshot_locked();
  if (publish_) publish_({true, tailcfg::TkaInfo{"", true}, std::move(cleared)});
  return json_reply(tailcfg::TkaDisableResponse{});
}

TailnetLock::Reply TailnetLock::disable_with_support_secret() {
  std::lock_guard guard(mu_);
  if (mode_ != Mode::Enabled) return refuse(409, "not_enabled", "tailnet lock is not enabled");
  Bytes secret;
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    auto v = tx.get_tka_value(kSupportDisablement);
    if (!v) return v.kind() == ErrorKind::NotFound ? Status{} : Status{v.error()};
    secret = std::move(*v);
    return {};
  });
  if (!st) return refuse(503, "store", "cannot read the support disablement secret now: " + st.message());
  if (secret.empty()) {
    return refuse(409, "no_support_disablement",
                  "the server holds no support disablement secret (the lock was initialized without one)");
  }
  // Argon2i, as for a node's secret: a support secret that is not one of
  // the lock's disablement values would leave nodes unable to follow.
  if (!authority_->valid_disablement(secret)) {
    return refuse(409, "bad_support_disablement", "the stored support disablement secret does not disable this lock");
  }
  return commit_disable(secret, "the server admin with the support disablement secret");
}

Result<TailnetLock::AdminView> TailnetLock::admin_view() const {
  std::lock_guard guard(mu_);
  AdminView v;
  v.mode = mode_;
  if (mode_ != Mode::Enabled) return v;
  v.state = snapshot_.load();
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    auto s = tx.get_tka_value(kSupportDisablement);
    if (!s && s.kind() != ErrorKind::NotFound) return s.error();
    v.support_disablement = s.ok() && !s->empty();
    return {};
  });
  if (!st) return st.error();
  return v;
}

Result<std::vector<TailnetLock::ChainEntry>> TailnetLock::recent_chain(std::size_t limit) const {
  std::lock_guard guard(mu_);
  std::vector<ChainEntry> out;
  if (mode_ != Mode::Enabled || limit == 0) return out;
  const tka::AumHash oldest = authority_->oldest_ancestor().hash();
  Status st = store_->transact([&](store::Transaction& tx) -> Status {
    out.clear();
    std::optional<tka::AumHash> next = authority_->head();
    while (next && out.size() < limit) {
      auto stored = tx.get_aum(next->view());
      if (!stored) return Error{"reading AUM " + next->to_string() + ": " + stored.message(), stored.kind()};
      auto aum = tka::Aum::unserialize(stored->aum);
      if (!aum) return Error{"decoding stored AUM " + next->to_string() + ": " + aum.message(), ErrorKind::Internal};
      const bool last = *next == oldest;
      next = last ? std::nullopt : aum->parent();
      std::optional<Clock::time_point> at;
      if (stored->committed_at != store::TimePoint{}) at = stored->committed_at;
      out.push_back({std::move(*aum), at});
    }
    return {};
  });
  if (!st) return st.error();
  return out;
}

}  // namespace latchkey::server
