#include "client/lock_sync.h"

#include <algorithm>
#include <utility>

#include "tailcfg/codec.h"
#include "tailcfg/tka.h"
#include "tka/aum.h"
#include "tka/compaction.h"

namespace latchkey::client {

namespace {

// Upstream util/backoff caps its delay with maxBackoff; the control
// client's callers use 30 s.
constexpr std::chrono::milliseconds kMaxBackoff{30'000};
// How much of a refusing answer's body goes into an error text.
constexpr std::size_t kMaxQuotedBody = 256;

SyncStage stage_of(RpcKind kind) {
  switch (kind) {
    case RpcKind::Bootstrap: return SyncStage::Bootstrap;
    case RpcKind::SyncOffer: return SyncStage::Offer;
    case RpcKind::SyncSend: return SyncStage::Send;
  }
  return SyncStage::Bootstrap;
}

// Upstream's wrapping of each RPC's errors.
std::string rpc_context(RpcKind kind) {
  switch (kind) {
    case RpcKind::Bootstrap: return "fetching bootstrap: ";
    case RpcKind::SyncOffer: return "offer RPC: ";
    case RpcKind::SyncSend: return "send RPC: ";
  }
  return {};
}

std::string quoted_body(std::string_view body) {
  if (body.size() <= kMaxQuotedBody) return std::string(body);
  return std::string(body.substr(0, kMaxQuotedBody)) + "… (" + std::to_string(body.size()) + " bytes)";
}

// The answer's JSON, bounded as upstream bounds its reader.
template <class Response>
Result<Response> decode_answer(RpcKind kind, std::string_view body) {
  tailcfg::DecodeLimits limits;
  limits.max_bytes = rpc_max_response_bytes(kind);
  auto decoded = tailcfg::decode_json<Response>(body, limits);
  if (!decoded) return Error{"decoding JSON: " + decoded.message()};
  return decoded;
}

}  // namespace

std::string_view rpc_path(RpcKind kind) {
  switch (kind) {
    case RpcKind::Bootstrap: return "/machine/tka/bootstrap";
    case RpcKind::SyncOffer: return "/machine/tka/sync/offer";
    case RpcKind::SyncSend: return "/machine/tka/sync/send";
  }
  return {};
}

std::size_t rpc_max_response_bytes(RpcKind kind) {
  return kind == RpcKind::Bootstrap ? std::size_t{1} << 20 : std::size_t{10} << 20;
}

std::string_view stage_name(SyncStage stage) {
  switch (stage) {
    case SyncStage::Storage: return "storage";
    case SyncStage::Netmap: return "netmap";
    case SyncStage::Bootstrap: return "bootstrap";
    case SyncStage::Disable: return "disable";
    case SyncStage::Offer: return "offer";
    case SyncStage::Inform: return "inform";
    case SyncStage::Send: return "send";
    case SyncStage::Compact: return "compact";
  }
  return "unknown";
}

LockSync::LockSync(tka::CompactableStorage& storage, LockSyncOptions options)
    : storage_(storage), options_(std::move(options)), rng_(options_.backoff_seed) {}

LockActions LockSync::start() {
  LockActions out;
  auto heads = storage_.heads();
  if (!heads) {
    counters_.sync_errors_total[static_cast<std::size_t>(SyncStage::Storage)]++;
    out.push_back(lock_action::Error{SyncStage::Storage, "reading stored lock state: " + heads.message()});
  } else if (!heads->empty()) {
    auto opened = tka::Authority::open(storage_);
    if (opened) {
      authority_.emplace(std::move(*opened));
    } else {
      // Not retried: the stored state will not mend itself. The driver
      // moves it aside; until then a bootstrap fails ("not empty").
      counters_.sync_errors_total[static_cast<std::size_t>(SyncStage::Storage)]++;
      out.push_back(lock_action::Error{SyncStage::Storage, "opening stored lock state: " + opened.message()});
    }
  }
  settle(out);
  return out;
}

LockActions LockSync::on_netmap(const LockWant& want, bool has_cap, const key::NodePublic& self_key) {
  LockActions out;
  want_ = want;
  has_cap_ = has_cap;
  self_key_ = self_key;
  have_netmap_ = true;
  if (!want_.head_error.empty()) {
    out.push_back(lock_action::Log{"TKAInfo.Head does not parse, so the lock counts as not enabled: " +
                                   want_.head_error});
  }
  if (running()) {
    // Upstream holds its sync lock for the whole run; we look at this
    // netmap once the run is over.
    netmap_during_run_ = true;
  } else if (phase_ == Phase::WaitingRetry) {
    settle(out);  // the retry acts on this netmap
  } else {
    evaluate(out);
  }
  return out;
}

LockActions LockSync::on_retry() {
  LockActions out;
  if (phase_ != Phase::WaitingRetry) return out;  // a stale timer
  phase_ = Phase::Idle;
  evaluate(out);
  return out;
}

LockActions LockSync::on_reply(RpcKind kind, unsigned http_status, std::string_view body) {
  LockActions out;
  if (!awaiting(kind)) {
    out.push_back(lock_action::Log{"ignoring an answer to " + std::string(rpc_path(kind)) + " that was not asked for"});
    return out;
  }
  if (http_status != 200) {
    fail(out, stage_of(kind),
         rpc_context(kind) + "request returned (" + std::to_string(http_status) + "): " + quoted_body(body));
    return out;
  }
  switch (kind) {
    case RpcKind::Bootstrap: on_bootstrap_answer(out, body); break;
    case RpcKind::SyncOffer: on_offer_answer(out, body); break;
    case RpcKind::SyncSend: on_send_answer(out, body); break;
  }
  return out;
}

LockActions LockSync::on_timeout(RpcKind kind) {
  LockActions out;
  if (!awaiting(kind)) {
    out.push_back(lock_action::Log{"ignoring a timeout of " + std::string(rpc_path(kind)) + " that was not asked for"});
    return out;
  }
  fail(out, stage_of(kind), rpc_context(kind) + "no complete answer before the deadline");
  return out;
}

bool LockSync::awaiting(RpcKind kind) const {
  switch (kind) {
    case RpcKind::Bootstrap: return phase_ == Phase::AwaitBootstrap;
    case RpcKind::SyncOffer: return phase_ == Phase::AwaitOffer;
    case RpcKind::SyncSend: return phase_ == Phase::AwaitSend;
  }
  return false;
}

bool LockSync::wanted() const { return want_.enabled && want_.head_error.empty(); }

void LockSync::evaluate(LockActions& out) {
  if (!have_netmap_) {
    settle(out);
    return;
  }
  // The capability gate: a node without lock state ignores TKAInfo unless
  // control gave it the tailnet-lock capability.
  if (!authority_ && !has_cap_) {
    if (wanted() && !reported_ignored_) {
      reported_ignored_ = true;
      out.push_back(lock_action::Log{"ignoring TKAInfo: this node lacks the tailnet-lock capability"});
    }
    settle(out);
    return;
  }
  if (self_key_.is_zero()) {
    fail(out, SyncStage::Netmap, "no node key");
    return;
  }
  // Before the run: a lock wanted without an authority is pending from
  // now on (a run that follows a verified authority keeps its view).
  settle(out);
  const bool is_enabled = authority_.has_value();
  if (is_enabled != wanted()) {
    // Enabling needs the genesis, disabling the secret: both come from
    // the bootstrap endpoint.
    bootstrap_to_enable_ = wanted();
    tailcfg::TkaBootstrapRequest request;
    request.version = options_.capability_version;
    request.node_key = self_key_;
    if (authority_) request.head = authority_->head().to_string();
    send_rpc(out, RpcKind::Bootstrap, request);
    return;
  }
  sync_if_needed(out);
}

void LockSync::sync_if_needed(LockActions& out) {
  if (!authority_) {
    finish_run(out);
    return;
  }
  // After enabling, the sync always runs: it tells control where we are.
  const bool heads_differ = !want_.head || *want_.head != authority_->head();
  if (heads_differ || sync_owed_) {
    start_sync(out);
  } else {
    finish_run(out);
  }
}

template <class Request>
void LockSync::send_rpc(LockActions& out, RpcKind kind, const Request& request) {
  switch (kind) {
    case RpcKind::Bootstrap: phase_ = Phase::AwaitBootstrap; break;
    case RpcKind::SyncOffer: phase_ = Phase::AwaitOffer; break;
    case RpcKind::SyncSend: phase_ = Phase::AwaitSend; break;
  }
  lock_action::Rpc rpc;
  rpc.kind = kind;
  rpc.path = std::string(rpc_path(kind));
  rpc.body = tailcfg::encode_json(request);
  rpc.body += '\n';  // upstream writes the body with json.Encoder
  rpc.max_response_bytes = rpc_max_response_bytes(kind);
  out.push_back(std::move(rpc));
}

void LockSync::on_bootstrap_answer(LockActions& out, std::string_view body) {
  auto answer = decode_answer<tailcfg::TkaBootstrapResponse>(RpcKind::Bootstrap, body);
  if (!answer) {
    fail(out, SyncStage::Bootstrap, rpc_context(RpcKind::Bootstrap) + answer.message());
    return;
  }
  if (bootstrap_to_enable_) {
    if (auto st = bootstrap_from_genesis(answer->genesis_aum); !st) {
      fail(out, SyncStage::Bootstrap, "bootstrap: " + st.message());
      return;
    }
    sync_owed_ = true;  // upstream's didJustEnable
  } else if (!apply_disablement(out, answer->disablement_secret)) {
    return;
  }
  sync_if_needed(out);
}

Status LockSync::bootstrap_from_genesis(ByteView genesis_bytes) {
  auto genesis = tka::Aum::unserialize(genesis_bytes);
  if (!genesis) return Error{"reading genesis: " + genesis.message()};

  // An authority this node was told to leave (`lock local-disable`) is
  // never taken up again.
  if (!options_.disallowed_state_ids.empty()) {
    if (!genesis->state) return Error{"invalid genesis: missing State"};
    const std::string id =
        std::to_string(genesis->state->state_id1) + ":" + std::to_string(genesis->state->state_id2);
    if (std::find(options_.disallowed_state_ids.begin(), options_.disallowed_state_ids.end(), id) !=
        options_.disallowed_state_ids.end()) {
      return Error{"TKA with stateID of \"" + id + "\" is disallowed on this node"};
    }
  }

  auto authority = tka::Authority::bootstrap(storage_, *genesis);
  if (!authority) return Error{"tka bootstrap: " + authority.message()};
  authority_.emplace(std::move(*authority));
  return {};
}

bool LockSync::apply_disablement(LockActions& out, ByteView secret) {
  // valid_disablement runs Argon2i (about 50 ms, 16 MiB). It runs inline:
  // a disablement happens once in a tailnet's life, and the driver calls
  // LockSync off the I/O thread's hot path (the lock barrier holds peers
  // back for the whole run anyway).
  if (!authority_->valid_disablement(secret)) {
    // As upstream, only logged: a control plane that sends a wrong secret
    // cannot switch the lock off, and the run goes on to sync.
    out.push_back(lock_action::Log{"Disablement failed, leaving TKA enabled: incorrect disablement secret"});
    return true;
  }
  if (auto st = storage_.remove_all(); !st) {
    fail(out, SyncStage::Disable, "removing lock state: " + st.message());
    return false;
  }
  authority_.reset();
  sync_owed_ = false;
  return true;
}

void LockSync::start_sync(LockActions& out) {
  auto offer = tka::make_sync_offer(*authority_, storage_);
  if (!offer) {
    fail(out, SyncStage::Offer, "offer: " + offer.message());
    return;
  }
  our_offer_ = std::move(*offer);
  const tka::SyncOfferText text = tka::sync_offer_to_text(our_offer_);
  tailcfg::TkaSyncOfferRequest request;
  request.version = options_.capability_version;
  request.node_key = self_key_;
  request.head = text.head;
  request.ancestors = text.ancestors;
  send_rpc(out, RpcKind::SyncOffer, request);
}

void LockSync::on_offer_answer(LockActions& out, std::string_view body) {
  auto answer = decode_answer<tailcfg::TkaSyncOfferResponse>(RpcKind::SyncOffer, body);
  if (!answer) {
    fail(out, SyncStage::Offer, rpc_context(RpcKind::SyncOffer) + answer.message());
    return;
  }
  const std::vector<std::string> no_ancestors;
  auto control_offer = tka::sync_offer_from_text(answer->head, answer->ancestors ? *answer->ancestors : no_ancestors);
  if (!control_offer) {
    fail(out, SyncStage::Offer, "control offer: " + control_offer.message());
    return;
  }
  if (control_offer->head == our_offer_.head) {
    finish_sync(out);  // up to date: no sync/send
    return;
  }

  // Computed before informing, so that AUMs of ours off the chain control
  // makes active still go up.
  auto to_send = tka::missing_aums(*authority_, storage_, *control_offer);
  if (!to_send) {
    fail(out, SyncStage::Offer, "computing missing AUMs: " + to_send.message());
    return;
  }

  if (answer->missing_aums && !answer->missing_aums->empty()) {
    std::vector<tka::Aum> aums;
    aums.reserve(answer->missing_aums->size());
    for (std::size_t i = 0; i < answer->missing_aums->size(); ++i) {
      auto aum = tka::Aum::unserialize((*answer->missing_aums)[i]);
      if (!aum) {
        fail(out, SyncStage::Inform, "MissingAUMs[" + std::to_string(i) + "]: " + aum.message());
        return;
      }
      aums.push_back(std::move(*aum));
    }
    // All or nothing: on failure neither storage nor the authority moved.
    if (auto st = authority_->inform(storage_, aums); !st) {
      fail(out, SyncStage::Inform, "inform failed: " + st.message());
      return;
    }
  }

  // Always sent, so that control learns where we landed.
  tailcfg::TkaSyncSendRequest request;
  request.version = options_.capability_version;
  request.node_key = self_key_;
  request.head = authority_->head().to_string();
  request.missing_aums.emplace();
  request.missing_aums->reserve(to_send->size());
  for (const tka::Aum& aum : *to_send) request.missing_aums->push_back(aum.serialize());
  request.interactive = false;
  send_rpc(out, RpcKind::SyncSend, request);
}

void LockSync::on_send_answer(LockActions& out, std::string_view body) {
  auto answer = decode_answer<tailcfg::TkaSyncSendResponse>(RpcKind::SyncSend, body);
  if (!answer) {
    fail(out, SyncStage::Send, rpc_context(RpcKind::SyncSend) + answer.message());
    return;
  }
  auto remote_head = tka::AumHash::from_string(answer->head);
  if (!remote_head) {
    fail(out, SyncStage::Send, "head unmarshal: " + remote_head.message());
    return;
  }
  if (*remote_head != authority_->head()) {
    // Only logged, as upstream: the next netmap's head starts another sync.
    out.push_back(lock_action::Log{"TKA desync: expected consensus after sync but our head is " +
                                   authority_->head().to_string() + " and the control plane's is " +
                                   remote_head->to_string()});
  }
  finish_sync(out);
}

void LockSync::finish_sync(LockActions& out) {
  // Every sync compacts, so that nodes prune alike.
  const tka::UnixTime now = options_.now ? options_.now() : 0;
  if (auto st = authority_->compact(storage_, tka::kCompactionDefaults, now); !st) {
    fail(out, SyncStage::Compact, "tka compact: " + st.message());
    return;
  }
  sync_owed_ = false;
  finish_run(out);
}

void LockSync::finish_run(LockActions& out) {
  phase_ = Phase::Idle;
  consecutive_failures_ = 0;
  settle(out);
  if (netmap_during_run_) {
    netmap_during_run_ = false;
    evaluate(out);
  }
}

void LockSync::fail(LockActions& out, SyncStage stage, std::string text) {
  counters_.sync_errors_total[static_cast<std::size_t>(stage)]++;
  out.push_back(lock_action::Error{stage, std::move(text)});
  // A retry repeats the sync even when the next netmap's head matches ours:
  // control may not have heard where we are.
  if (authority_ && stage != SyncStage::Bootstrap && stage != SyncStage::Disable) sync_owed_ = true;
  phase_ = Phase::WaitingRetry;
  netmap_during_run_ = false;  // the retry reads the latest netmap
  settle(out);
  out.push_back(lock_action::RetryAt{next_backoff()});
}

std::chrono::milliseconds LockSync::next_backoff() {
  // Upstream util/backoff: n² × 10 ms after the n-th consecutive failure,
  // capped, then scaled by a uniform factor in [0.5, 1.5).
  ++consecutive_failures_;
  const std::uint64_t n = std::min<std::uint64_t>(consecutive_failures_, 1000);
  const auto base = std::min(std::chrono::milliseconds(static_cast<std::int64_t>(n * n * 10)), kMaxBackoff);
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) * jitter(rng_)));
}

void LockSync::settle(LockActions& out) {
  std::shared_ptr<const LockView> next;
  if (authority_) {
    const bool current = view_ && view_->state == LockView::State::Active &&
                         view_->authority->last_aum_hash == authority_->head();
    next = current ? view_ : LockView::active(authority_->state());
  } else if (have_netmap_ && has_cap_ && wanted()) {
    next = LockView::pending();  // fail-open until an authority is verified
  } else {
    next = LockView::off();
  }
  if (next != view_ || !announced_) {
    view_ = next;
    out.push_back(lock_action::InstallLock{view_});
  }
  std::string head = authority_ ? authority_->head().to_string() : std::string();
  if (head != head_text_ || !announced_) {
    head_text_ = std::move(head);
    out.push_back(lock_action::SetTkaHead{head_text_});
  }
  announced_ = true;
}

}  // namespace latchkey::client
