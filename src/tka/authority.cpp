#include "tka/authority.h"

#include <algorithm>
#include <unordered_map>

#include "tka/aum_verification.h"
#include "tka/chain.h"
#include "tka/limits.h"

namespace latchkey::tka {
namespace {

bool same_bytes(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

std::string update_error(std::size_t i, const std::string& what, const std::string& detail) {
  return "update " + std::to_string(i) + what + detail;
}

}  // namespace

Result<Authority> Authority::open(const AumStorage& storage) {
  auto ancestor = storage.last_active_ancestor();
  if (!ancestor) return Error{"reading last ancestor: " + ancestor.message()};
  auto chain = compute_active_chain(storage, *ancestor, kMaxScanIterations);
  if (!chain) return Error{"active chain: " + chain.message()};
  return Authority(std::move(chain->head), std::move(chain->oldest), std::move(chain->state));
}

Result<Authority> Authority::bootstrap(AumStorage& storage, const Aum& checkpoint) {
  auto heads = storage.heads();
  if (!heads) return Error{"reading heads: " + heads.message()};
  if (!heads->empty()) return Error{"tailchonk is not empty"};

  if (checkpoint.kind != AumKind::Checkpoint) {
    return Error{"bootstrap AUMs must be checkpoint messages, got " + aum_kind_name(checkpoint.kind)};
  }
  if (!checkpoint.state) return Error{"bootstrap AUM is missing state"};
  if (auto st = verify_aum_now(checkpoint, *checkpoint.state, /*is_genesis=*/true); !st) {
    return Error{"invalid bootstrap: " + st.message()};
  }

  if (auto st = storage.commit_verified_aums(std::span<const Aum>(&checkpoint, 1)); !st) {
    return Error{"commit: " + st.message()};
  }
  if (auto st = storage.set_last_active_ancestor(checkpoint.hash()); !st) {
    return Error{"set ancestor: " + st.message()};
  }
  return open(storage);
}

Result<std::pair<Authority, Aum>> Authority::create(AumStorage& storage, State state, const Signer& signer) {
  Aum genesis;
  genesis.kind = AumKind::Checkpoint;
  genesis.state = std::move(state);
  // Static validation of the genesis is a convenient check of the state.
  if (auto st = genesis.static_validate(); !st) return Error{"invalid state: " + st.message()};
  auto sigs = signer.sign_aum(genesis.sig_hash());
  if (!sigs) return Error{"signing failed: " + sigs.message()};
  genesis.signatures.insert(genesis.signatures.end(), sigs->begin(), sigs->end());

  auto authority = bootstrap(storage, genesis);
  if (!authority) return authority.error();
  return std::pair<Authority, Aum>{std::move(*authority), std::move(genesis)};
}

Result<Authority> Authority::inform_idempotent(AumStorage& storage, std::span<const Aum> updates) const {
  if (updates.empty()) return Error{"inform called with empty slice"};

  // States at the AUMs this batch builds on, starting with the head's. An
  // entry is released once the last update of the batch that builds on it
  // has taken it, so a long linear batch keeps one state, not thousands.
  std::vector<AumHash> hashes;
  hashes.reserve(updates.size());
  std::unordered_map<AumHash, int> builds_on;
  builds_on.reserve(updates.size());
  for (const Aum& u : updates) {
    hashes.push_back(u.hash());
    if (auto p = u.parent()) ++builds_on[*p];
  }
  std::unordered_map<AumHash, State> state_at;
  AumHash prev_hash = head();
  state_at.emplace(prev_hash, state_);

  // Everything but the Ed25519 equations is checked in this pass, in
  // upstream's order; the equations are deferred to one batch. The first
  // other failure ends the pass, and is the answer unless a signature
  // checked before it (in upstream's order) turns out invalid.
  std::vector<const Aum*> to_commit;
  to_commit.reserve(updates.size());
  SignatureBatch signatures;
  signatures.reserve(updates.size());
  std::optional<Error> failure;
  // Upstream's fast path: when the batch extends the head one AUM after
  // another, the last state computed is the new state.
  bool is_head_chain = true;

  for (std::size_t i = 0; i < updates.size() && !failure; ++i) {
    const Aum& update = updates[i];
    const AumHash& hash = hashes[i];
    auto stored = storage.has_aum(hash);
    if (stored.ok() && *stored) {
      is_head_chain = false;
      continue;
    }

    auto parent = update.parent();
    if (!parent) {
      failure = Error{update_error(i, ": missing parent", "")};
      break;
    }
    const bool last_use = --builds_on[*parent] == 0;
    State state;
    if (auto it = state_at.find(*parent); it != state_at.end()) {
      if (last_use) {
        state = std::move(it->second);
        state_at.erase(it);
      } else {
        state = it->second;
      }
    } else {
      auto computed = compute_state_at(storage, kMaxScanIterations, *parent);
      if (!computed) {
        failure = Error{update_error(i, " computing state: ", computed.message())};
        break;
      }
      state = std::move(*computed);
      if (!last_use) state_at.emplace(*parent, state);
    }

    if (auto st = check_aum_deferring_signatures(update, update.sig_hash(), state, /*is_genesis=*/false, i,
                                                 signatures);
        !st) {
      failure = Error{update_error(i, " invalid: ", st.message())};
      break;
    }
    auto next = state.apply_verified_aum(update);
    if (!next) {
      failure = Error{update_error(i, " cannot be applied: ", next.message())};
      break;
    }
    state_at.insert_or_assign(hash, std::move(*next));

    if (is_head_chain && *parent != prev_hash) is_head_chain = false;
    prev_hash = hash;
    to_commit.push_back(&update);
  }

  if (signatures.size() != 0 && !signatures.all_valid()) {
    // Fall back to one-at-a-time checks to name the first bad signature.
    if (auto bad = signatures.first_invalid()) {
      return Error{update_error(bad->update_index, " invalid: signature ",
                                std::to_string(bad->signature_index) + ": invalid signature")};
    }
  }
  if (failure) return *failure;

  // Usually every update is new, and the batch is committed as given.
  Status committed;
  if (to_commit.size() == updates.size()) {
    committed = storage.commit_verified_aums(updates);
  } else {
    std::vector<Aum> some;
    some.reserve(to_commit.size());
    for (const Aum* a : to_commit) some.push_back(*a);
    committed = storage.commit_verified_aums(some);
  }
  if (!committed) return Error{"commit: " + committed.message()};

  if (is_head_chain) {
    auto it = state_at.find(prev_hash);
    return Authority(updates.back(), oldest_ancestor_, std::move(it->second));
  }
  auto chain = compute_active_chain(storage, oldest_ancestor_.hash(), kMaxScanIterations);
  if (!chain) return Error{"recomputing active chain: " + chain.message()};
  return Authority(std::move(chain->head), std::move(chain->oldest), std::move(chain->state));
}

Status Authority::inform(AumStorage& storage, std::span<const Aum> updates) {
  auto next = inform_idempotent(storage, updates);
  if (!next) return next.error();
  *this = std::move(*next);
  return {};
}

bool Authority::key_trusted(ByteView key_id) const { return state_.find_key(key_id).ok(); }

std::vector<Key> Authority::keys() const { return state_.keys ? *state_.keys : std::vector<Key>{}; }

Result<std::vector<Aum>> Authority::active_chain(const AumStorage& storage) const {
  std::vector<Aum> out;
  const AumHash oldest = oldest_ancestor_.hash();
  AumHash cursor = head();
  // No step limit: upstream's 2,000 bounds the search for candidate chains,
  // not the listing of the one already chosen, which may be any length.
  // The walk ends because every step moves to the AUM whose hash the
  // previous one names as parent, and hashes cannot form a cycle; storage
  // that answers with some other AUM is an error rather than a loop.
  for (;;) {
    auto a = storage.aum(cursor);
    if (!a) return Error{"reading " + cursor.to_string() + ": " + a.message()};
    if (a->hash() != cursor) return Error{"storage returned another AUM for " + cursor.to_string()};
    auto parent = a->parent();
    out.push_back(std::move(*a));
    if (cursor == oldest) break;
    if (!parent) return Error{"reached a genesis AUM before the oldest ancestor"};
    cursor = *parent;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Status Authority::compact(CompactableStorage& storage, const CompactionOptions& options, UnixTime now) {
  auto ancestor = tka::compact(storage, head_.hash(), options, now);
  if (!ancestor) return ancestor.error();
  auto a = storage.aum(*ancestor);
  if (!a) return a.error();
  oldest_ancestor_ = std::move(*a);
  return {};
}

Result<AumHash> Authority::find_parent_for_rewrite(const AumStorage& storage, std::span<const KeyId> remove_keys,
                                                   ByteView our_key) const {
  const AumHash oldest = oldest_ancestor_.hash();
  AumHash cursor = head();
  for (;;) {
    if (cursor == oldest) break;  // as far back as history goes
    auto a = storage.aum(cursor);
    if (!a) return Error{"reading AUM " + cursor.to_string() + ": " + a.message()};

    // A good rewrite parent trusts none of the keys being removed, and
    // trusts our key so that we can sign the fork.
    auto state = compute_state_at(storage, kMaxScanIterations, cursor);
    if (!state) return Error{"computing state for " + cursor.to_string() + ": " + state.message()};
    bool still_trusted = false;
    for (const KeyId& k : remove_keys) {
      if (state->find_key(k).ok()) still_trusted = true;
    }
    if (!still_trusted && state->find_key(our_key).ok()) break;

    auto parent = a->parent();
    if (!parent) break;  // the genesis: rewrite from here
    cursor = *parent;
  }
  return cursor;
}

Result<Aum> Authority::make_retroactive_revocation(const AumStorage& storage, std::span<const KeyId> remove_keys,
                                                   ByteView our_key, const AumHash& fork_from) const {
  AumHash parent = fork_from;
  if (fork_from.is_zero()) {
    const bool any_trusted =
        std::any_of(remove_keys.begin(), remove_keys.end(), [this](const KeyId& k) { return key_trusted(k); });
    if (!any_trusted) return Error{"no provided key is currently trusted"};
    auto p = find_parent_for_rewrite(storage, remove_keys, our_key);
    if (!p) return Error{"finding parent: " + p.message()};
    parent = *p;
  }

  State state = state_;
  for (const KeyId& revoked : remove_keys) {
    if (!state.keys) break;
    auto& keys = *state.keys;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto id = keys[i].id();
      if (!id) return Error{"computing keyID: " + id.message()};
      if (same_bytes(revoked, *id)) {
        keys.erase(keys.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
  }
  if (!state.keys || state.keys->empty()) return Error{"cannot revoke all trusted keys"};
  state.last_aum_hash.reset();  // checkpoints cannot name a parent in their state

  Aum fork;
  fork.kind = AumKind::Checkpoint;
  fork.state = std::move(state);
  fork.prev_aum_hash = Bytes(parent.bytes.begin(), parent.bytes.end());
  if (auto st = fork.static_validate(); !st) return st.error();
  return fork;
}

}  // namespace latchkey::tka
