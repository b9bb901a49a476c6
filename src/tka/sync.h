// Synchronising AUM chains between two authorities (upstream tka/sync.go).
// Each side sends a SyncOffer: its head and a few ancestors (the
// checkpoints found walking back at most 1000 AUMs from the head, newest
// first, then its oldest ancestor). From the other side's offer, a side
// computes the AUMs the other is missing (missing_aums) and sends them; the
// receiver informs its authority with them. Both directions are needed,
// since either side may hold AUMs the other lacks.
//
// On the wire (TKASyncOfferRequest/Response) hashes travel in their base32
// text form (AumHash::to_string).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tka/aum.h"
#include "tka/aum_hash.h"
#include "tka/authority.h"
#include "tka/storage.h"

namespace latchkey::tka {

// Upstream ErrNoIntersection's text.
inline constexpr const char* kErrNoIntersection = "no intersection";

struct SyncOffer {
  AumHash head;
  // A subset of the chain's ancestors, newest first; the last is the oldest
  // AUM the sender knows.
  std::vector<AumHash> ancestors;

  bool operator==(const SyncOffer&) const = default;
};

// The wire form of a SyncOffer: base32 hashes.
struct SyncOfferText {
  std::string head;
  std::vector<std::string> ancestors;

  bool operator==(const SyncOfferText&) const = default;
};

// Upstream ToSyncOffer: parses the wire form. Errors name the bad field
// ("head.UnmarshalText: ...", "ancestor[N].UnmarshalText: ...").
Result<SyncOffer> sync_offer_from_text(std::string_view head, std::span<const std::string> ancestors);
inline Result<SyncOffer> sync_offer_from_text(const SyncOfferText& text) {
  return sync_offer_from_text(text.head, text.ancestors);
}
// Upstream FromSyncOffer: the wire form.
SyncOfferText sync_offer_to_text(const SyncOffer& offer);

// Upstream Authority.SyncOffer: this authority's offer.
Result<SyncOffer> make_sync_offer(const Authority& authority, const AumStorage& storage);

// How two chains relate (upstream intersection): up to date; or the remote
// head is in our chain (send everything after it); or the newest remote
// ancestor from which our head is reachable (send everything after it).
struct SyncIntersection {
  bool up_to_date = false;
  std::optional<AumHash> head_intersection;
  std::optional<AumHash> tail_intersection;

  bool operator==(const SyncIntersection&) const = default;
};

// Upstream computeSyncIntersection; kErrNoIntersection when the chains
// share nothing that can be found within the iteration limits.
Result<SyncIntersection> compute_sync_intersection(const AumStorage& storage, const SyncOffer& local,
                                                   const SyncOffer& remote);

// Upstream Authority.MissingAUMs: the AUMs the side that sent `remote` may
// be missing, oldest first, ready for its inform(). Empty when up to date.
Result<std::vector<Aum>> missing_aums(const Authority& authority, const AumStorage& storage, const SyncOffer& remote);

}  // namespace latchkey::tka
