// Compaction: deleting AUMs an authority no longer needs (upstream
// tka/tailchonk.go Compact and its mark* helpers). Kept are: the newest
// min_chain AUMs of the active chain, AUMs younger than min_age, every
// descendant of a kept AUM, every AUM between a kept AUM and the new oldest
// ancestor, and that ancestor, which is the newest old-enough checkpoint
// behind them (or the genesis). Everything else is purged, and the new
// ancestor is recorded as the storage's last active ancestor. Compaction
// never changes the head or the state an authority computes.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "base/result.h"
#include "tka/aum_hash.h"
#include "tka/storage.h"

namespace latchkey::tka {

struct CompactionOptions {
  // The minimum number of AUMs to keep back from the head; more are kept to
  // reach a checkpoint.
  int min_chain = 0;
  // The minimum age, in seconds, before an AUM may be deleted.
  std::int64_t min_age_seconds = 0;
};

// Upstream CompactionDefaults: keep 24 AUMs and two weeks.
inline constexpr CompactionOptions kCompactionDefaults{24, 14 * 24 * 3600};

// Why an AUM is kept (upstream retainState bits).
enum RetainState : std::uint8_t {
  kRetainActive = 1 << 0,     // on the active chain, within min_chain of the head
  kRetainYoung = 1 << 1,      // younger than min_age
  kRetainLeaf = 1 << 2,       // a descendant of a kept AUM
  kRetainAncestor = 1 << 3,   // between a kept AUM and the new ancestor
  kRetainCandidate = 1 << 4,  // on the active chain, older than the new ancestor
  kRetainMask = kRetainActive | kRetainYoung | kRetainLeaf | kRetainAncestor,
};

using RetainVerdicts = std::unordered_map<AumHash, std::uint8_t>;

// Upstream Compact: prunes `storage` behind `head` at time `now` and returns
// the new last active ancestor.
Result<AumHash> compact(CompactableStorage& storage, const AumHash& head, const CompactionOptions& options,
                        UnixTime now);

// The steps of compact(), exposed for tests (upstream tests them one by one).
// markActiveChain: marks the active chain and returns the compaction target
// (newest old-enough checkpoint, or where the stored chain ends).
Result<AumHash> mark_active_chain(const AumStorage& storage, RetainVerdicts& verdicts, int min_chain,
                                  const AumHash& head);
// markYoungAUMs: marks AUMs committed after now - min_age.
Status mark_young_aums(const CompactableStorage& storage, RetainVerdicts& verdicts, std::int64_t min_age_seconds,
                       UnixTime now);
// markDescendantAUMs: marks every descendant of a kept AUM.
Status mark_descendant_aums(const AumStorage& storage, RetainVerdicts& verdicts);
// markAncestorIntersectionAUMs: keeps the AUMs linking kept AUMs to the
// ancestor, moving the ancestor back to an older checkpoint when a kept AUM
// joins the active chain behind it; returns the final ancestor.
Result<AumHash> mark_ancestor_intersection_aums(const AumStorage& storage, RetainVerdicts& verdicts,
                                                AumHash candidate_ancestor);

}  // namespace latchkey::tka
