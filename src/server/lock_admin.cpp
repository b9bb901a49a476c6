#include "server/lock_admin.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/ed25519.h"
#include "key/nl_key.h"
#include "tailcfg/go_time.h"
#include "tka/aum.h"
#include "tka/sig.h"

namespace latchkey::server {
namespace {

using json = nlohmann::json;

std::string text(const json& j) { return j.dump(2) + "\n"; }

// A tka key ID as the CLI shows lock keys: "tlpub:<hex>" for an Ed25519
// key (the only kind upstream has); anything else as "keyid:<hex>".
std::string key_text(ByteView id) {
  if (id.size() == crypto::kEd25519PublicSize) {
    crypto::Ed25519Public raw{};
    std::copy(id.begin(), id.end(), raw.begin());
    return key::NLPublic::from_raw(raw).cli_string();
  }
  return "keyid:" + hex_encode(id);
}

json meta_json(const std::optional<tka::Metadata>& meta) {
  json out = json::object();
  if (meta) {
    for (const auto& [k, v] : *meta) out[k] = v;
  }
  return out;
}

json trusted_key_json(const tka::Key& k) {
  json out = {{"key", k.public_key ? key_text(*k.public_key) : std::string()}, {"votes", k.votes}};
  if (k.meta && !k.meta->empty()) out["meta"] = meta_json(k.meta);
  return out;
}

// One node's verdict, as upstream's client decides whether a peer is
// authorized: its stored signature checked against the current state for
// the node's current key.
json node_verdict_json(const tka::State& state, const store::Node& n, const Bytes* signature) {
  json out = {{"id", n.id},
              {"name", n.given_name},
              {"node_key", n.node_key.to_string()},
              {"nl_key", n.nl_key.is_zero() ? std::string() : n.nl_key.cli_string()}};
  if (signature == nullptr || signature->empty()) {
    out["signature"] = "unsigned";
    return out;
  }
  auto ok = tka::node_key_authorized(state, n.node_key, *signature);
  if (!ok) {
    out["signature"] = "invalid";
    out["reason"] = ok.message();
    return out;
  }
  out["signature"] = "signed";
  // It verified, so it decodes and names the trusted key that signed.
  auto sig = tka::NodeKeySignature::unserialize(*signature);
  if (sig) {
    if (auto by = sig->authorizing_key_id(); by) out["signed_by"] = key_text(*by);
  }
  return out;
}

const char* mode_name(TailnetLock::Mode m) {
  switch (m) {
    case TailnetLock::Mode::Enabled: return "enabled";
    case TailnetLock::Mode::Disabled: return "disabled";
    case TailnetLock::Mode::Off: break;
  }
  return "off";
}

ErrorKind kind_for(unsigned status) {
  switch (status) {
    case 400: return ErrorKind::Invalid;
    case 404: return ErrorKind::NotFound;
    case 409: return ErrorKind::Conflict;
    case 410: return ErrorKind::Expired;
    case 503: return ErrorKind::Unavailable;
    default: return ErrorKind::Internal;
  }
}

}  // namespace

Result<std::string> lock_status_json(store::Store& store, const TailnetLock& lock) {
  auto view = lock.admin_view();
  if (!view) return view.error();
  json out = {{"mode", mode_name(view->mode)}};
  if (view->mode != TailnetLock::Mode::Enabled || !view->state) return text(out);
  const tka::State& state = *view->state;

  std::vector<store::Node> nodes;
  std::map<store::NodeId, Bytes> signatures;
  Status st = store.transact([&](store::Transaction& tx) -> Status {
    auto all = tx.list_nodes();
    if (!all) return all.error();
    auto sigs = tx.list_node_key_signatures();
    if (!sigs) return sigs.error();
    nodes = std::move(*all);
    signatures.clear();
    for (auto& [id, sig] : *sigs) signatures.emplace(id, std::move(sig));
    return {};
  });
  if (!st) return st.error();

  out["head"] = state.last_aum_hash ? state.last_aum_hash->to_string() : std::string();
  json keys = json::array();
  if (state.keys) {
    for (const tka::Key& k : *state.keys) keys.push_back(trusted_key_json(k));
  }
  out["trusted_keys"] = std::move(keys);
  out["disablement_secrets"] = state.disablement_values ? state.disablement_values->size() : 0;
  out["support_disablement"] = view->support_disablement;
  json verdicts = json::array();
  for (const store::Node& n : nodes) {
    auto it = signatures.find(n.id);
    verdicts.push_back(node_verdict_json(state, n, it != signatures.end() ? &it->second : nullptr));
  }
  out["nodes"] = std::move(verdicts);
  return text(out);
}

Result<std::string> lock_log_json(const TailnetLock& lock, std::size_t limit) {
  auto chain = lock.recent_chain(limit);
  if (!chain) return chain.error();
  json out = json::array();
  for (const TailnetLock::ChainEntry& e : *chain) {
    const tka::Aum& a = e.aum;
    json j = {{"hash", a.hash().to_string()}, {"kind", tka::aum_kind_name(a.kind)}};
    const auto parent = a.parent();
    j["parent"] = parent ? json(parent->to_string()) : json(nullptr);
    if (a.kind == tka::AumKind::AddKey && a.key) {
      j["key"] = a.key->public_key ? key_text(*a.key->public_key) : std::string();
      j["votes"] = a.key->votes;
    }
    if ((a.kind == tka::AumKind::RemoveKey || a.kind == tka::AumKind::UpdateKey) && a.key_id) {
      j["key"] = key_text(*a.key_id);
    }
    if (a.kind == tka::AumKind::UpdateKey && a.votes) j["votes"] = *a.votes;
    if (a.kind == tka::AumKind::UpdateKey && a.meta) j["meta"] = meta_json(a.meta);
    json sigs = json::array();
    for (const tka::AumSignature& s : a.signatures) sigs.push_back(key_text(s.key_id.value_or(Bytes{})));
    j["signatures"] = std::move(sigs);
    j["committed_at"] =
        e.committed_at ? json(tailcfg::GoTime::from_system(*e.committed_at).to_string()) : json(nullptr);
    // The AUM as stored and served to nodes (CBOR, standard base64), so an
    // independent implementation can replay exactly what the server holds.
    j["raw"] = base64_encode(a.serialize());
    out.push_back(std::move(j));
  }
  return text(out);
}

Result<std::string> lock_disable_support(TailnetLock& lock) {
  const TailnetLock::Reply r = lock.disable_with_support_secret();
  if (r.status != 200) return Error{r.body, kind_for(r.status)};
  return text(json{{"mode", "disabled"}});
}

}  // namespace latchkey::server
