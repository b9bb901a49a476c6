// Authority: a Tailnet Key Authority, the state machine both ends of Tailnet
// Lock run (upstream tka/tka.go Authority). It is the head of the AUM chain
// that fork resolution picks, the oldest AUM it still knows (its active
// ancestor), and the State at the head: which keys are trusted, the
// disablement values and the state IDs.
//
// Authorities are made from storage (open), from a checkpoint received from
// elsewhere (bootstrap) or from nothing (create), and advance by inform(),
// which verifies a batch of AUMs and stores all of them or none. Storage is
// passed to each call rather than owned, as upstream does; the caller keeps
// using the same storage with the same authority.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "base/result.h"
#include "tka/aum.h"
#include "tka/compaction.h"
#include "tka/key.h"
#include "tka/signer.h"
#include "tka/state.h"
#include "tka/storage.h"

namespace latchkey::tka {

class Authority {
 public:
  // Upstream Open: the authority stored in `storage` by an earlier run
  // (bootstrap, create or inform). Errors when storage holds no AUMs or its
  // chains cannot be replayed.
  static Result<Authority> open(const AumStorage& storage);

  // Upstream Bootstrap: starts an authority in empty `storage` from a
  // checkpoint AUM (the genesis, or a later checkpoint, which may have a
  // parent that this node will never hold). The checkpoint must be signed by
  // a key its own state trusts.
  static Result<Authority> bootstrap(AumStorage& storage, const Aum& checkpoint);

  // Upstream Create: makes and signs a genesis checkpoint holding `state`
  // (whose keys must include the signer's) and bootstraps from it. Returns
  // the authority and the genesis AUM to hand to other nodes.
  static Result<std::pair<Authority, Aum>> create(AumStorage& storage, State state, const Signer& signer);

  // Upstream InformIdempotent: the authority after applying `updates`
  // (oldest first, as missing_aums() or a builder returns them). Every new
  // AUM is verified against the state at its parent, signatures included;
  // AUMs already stored are skipped. Either all new AUMs are committed to
  // `storage`, or none are and the first failure is returned (upstream's
  // error text: "update N invalid: ...", "update N computing state: ...").
  // Signatures of the whole batch are checked in one batched verification.
  Result<Authority> inform_idempotent(AumStorage& storage, std::span<const Aum> updates) const;
  // Upstream Inform: inform_idempotent, replacing this authority on success.
  Status inform(AumStorage& storage, std::span<const Aum> updates);

  // Hash of the head AUM: the last AUM applied to the state.
  AumHash head() const { return *state_.last_aum_hash; }
  const Aum& head_aum() const { return head_; }
  // The oldest AUM of the active chain this authority knows.
  const Aum& oldest_ancestor() const { return oldest_ancestor_; }
  const State& state() const { return state_; }

  // Upstream KeyTrusted: whether the key with this ID is trusted.
  bool key_trusted(ByteView key_id) const;
  // Upstream Keys: the trusted keys, in state order.
  std::vector<Key> keys() const;
  // Upstream StateIDs: the two IDs fixed for the authority's lifetime.
  std::pair<std::uint64_t, std::uint64_t> state_ids() const { return {state_.state_id1, state_.state_id2}; }
  // Upstream ValidDisablement: whether `secret` disables Tailnet Lock (its
  // KDF output is one of the disablement values). Slow by design (Argon2i).
  bool valid_disablement(ByteView secret) const { return state_.check_disablement(secret); }

  // The AUMs from the oldest ancestor to the head, oldest first, read back
  // from `storage` along parent links.
  Result<std::vector<Aum>> active_chain(const AumStorage& storage) const;

  // Upstream Authority.Compact: prunes `storage` (see compaction.h) and moves
  // the oldest ancestor forward to what compaction kept.
  Status compact(CompactableStorage& storage, const CompactionOptions& options, UnixTime now);

  // Upstream findParentForRewrite: the newest AUM of the active chain whose
  // state trusts none of `remove_keys` but does trust `our_key` (or the
  // oldest ancestor / genesis when there is none).
  Result<AumHash> find_parent_for_rewrite(const AumStorage& storage, std::span<const KeyId> remove_keys,
                                          ByteView our_key) const;
  // Upstream MakeRetroactiveRevocation: an unsigned checkpoint forking from
  // `fork_from` (or, when zero, from find_parent_for_rewrite) whose state is
  // the current state without `remove_keys`. It must be signed by more votes
  // than the revoked keys held before it can win fork resolution.
  Result<Aum> make_retroactive_revocation(const AumStorage& storage, std::span<const KeyId> remove_keys,
                                          ByteView our_key, const AumHash& fork_from) const;

 private:
  friend struct AuthorityTestPeer;  // tests corrupt authorities on purpose

  Authority(Aum head, Aum oldest_ancestor, State state)
      : head_(std::move(head)), oldest_ancestor_(std::move(oldest_ancestor)), state_(std::move(state)) {}

  Aum head_;
  Aum oldest_ancestor_;
  State state_;
};

}  // namespace latchkey::tka
