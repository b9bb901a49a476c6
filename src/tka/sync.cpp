#include "tka/sync.h"

#include <algorithm>

#include "tka/chain.h"
#include "tka/limits.h"

namespace latchkey::tka {
namespace {

// Upstream steps back with copy(curs[:], aum.PrevAUMHash): a genesis (no
// parent) leaves the cursor where it is, and a short parent overwrites only
// its length.
void step_back(AumHash& cursor, const Aum& aum) {
  if (!aum.prev_aum_hash) return;
  const Bytes& prev = *aum.prev_aum_hash;
  std::copy_n(prev.begin(), std::min(prev.size(), cursor.bytes.size()), cursor.bytes.begin());
}

// Everything after `from` up to the head, oldest first.
Result<std::vector<Aum>> aums_after(const AumStorage& storage, const AumHash& from) {
  auto state = compute_state_at(storage, kMaxSyncIterations, from);
  if (!state) return state.error();
  std::vector<Aum> out;
  auto end = fast_forward(storage, kMaxSyncIterations, std::move(*state), [&out, &from](const Aum& cur, const State& s) {
    if (*s.last_aum_hash != from) out.push_back(cur);
    return false;
  });
  if (!end) return end.error();
  return out;
}

}  // namespace

Result<SyncOffer> sync_offer_from_text(std::string_view head, std::span<const std::string> ancestors) {
  SyncOffer out;
  auto h = AumHash::from_string(head);
  if (!h) return Error{"head.UnmarshalText: " + h.message()};
  out.head = *h;
  out.ancestors.reserve(ancestors.size());
  for (std::size_t i = 0; i < ancestors.size(); ++i) {
    auto a = AumHash::from_string(ancestors[i]);
    if (!a) return Error{"ancestor[" + std::to_string(i) + "].UnmarshalText: " + a.message()};
    out.ancestors.push_back(*a);
  }
  return out;
}

SyncOfferText sync_offer_to_text(const SyncOffer& offer) {
  SyncOfferText out;
  out.head = offer.head.to_string();
  out.ancestors.reserve(offer.ancestors.size());
  for (const auto& a : offer.ancestors) out.ancestors.push_back(a.to_string());
  return out;
}

Result<SyncOffer> make_sync_offer(const Authority& authority, const AumStorage& storage) {
  const AumHash oldest = authority.oldest_ancestor().hash();
  SyncOffer out;
  out.head = authority.head();

  // Every checkpoint within reach helps the remote find a recent head
  // intersection.
  AumHash cursor = authority.head();
  for (int i = 0; i < kMaxSyncHeadIntersectionIterations; ++i) {
    auto a = storage.aum(cursor);
    if (!a) {
      if (!is_not_found(a.error())) return a.error();
      break;
    }
    if (cursor == oldest) break;  // added last, below
    if (a->kind == AumKind::Checkpoint) out.ancestors.push_back(cursor);
    step_back(cursor, *a);
  }
  out.ancestors.push_back(oldest);
  return out;
}

Result<SyncIntersection> compute_sync_intersection(const AumStorage& storage, const SyncOffer& local,
                                                   const SyncOffer& remote) {
  if (remote.head == local.head) return SyncIntersection{true, local.head, std::nullopt};

  // Head intersection: the remote head is an ancestor of ours, so the
  // remote needs what we built on it.
  auto has_remote_head = storage.has_aum(remote.head);
  if (!has_remote_head) return has_remote_head.error();
  if (*has_remote_head) {
    AumHash cursor = local.head;
    for (int i = 0; i < kMaxSyncHeadIntersectionIterations; ++i) {
      auto a = storage.aum(cursor);
      if (!a) {
        if (!is_not_found(a.error())) return a.error();
        break;
      }
      if (cursor == remote.head) return SyncIntersection{false, cursor, std::nullopt};
      step_back(cursor, *a);
    }
  }

  // Tail intersection: the newest remote ancestor from which our head can be
  // reached; both sides send their AUMs after it.
  for (const AumHash& ancestor : remote.ancestors) {
    auto state = compute_state_at(storage, kMaxSyncIterations, ancestor);
    if (!state) {
      if (!is_not_found(state.error())) return Error{"computeStateAt: " + state.message()};
      continue;
    }
    auto end = fast_forward(storage, kMaxSyncIterations, std::move(*state),
                            [&local](const Aum&, const State& s) { return *s.last_aum_hash == local.head; });
    if (!end) return end.error();
    if (*end->state.last_aum_hash == local.head) return SyncIntersection{false, std::nullopt, ancestor};
  }
  return Error{kErrNoIntersection};
}

Result<std::vector<Aum>> missing_aums(const Authority& authority, const AumStorage& storage, const SyncOffer& remote) {
  auto local = make_sync_offer(authority, storage);
  if (!local) return Error{"local syncOffer: " + local.message()};
  auto intersection = compute_sync_intersection(storage, *local, remote);
  if (!intersection) return Error{"intersection: " + intersection.message()};
  if (intersection->up_to_date) return std::vector<Aum>{};
  if (intersection->head_intersection) return aums_after(storage, *intersection->head_intersection);
  return aums_after(storage, *intersection->tail_intersection);
}

}  // namespace latchkey::tka
