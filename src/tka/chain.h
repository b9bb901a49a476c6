// Chain replay over stored AUMs (upstream tka/tka.go, the functions behind
// Open and Inform): finding every candidate chain, choosing the active
// ancestor among distinct chains, fork resolution (pickNextAUM), walking
// forward from a known state (fastForward) and computing the state at any
// stored AUM (computeStateAt). Stored AUMs are trusted as verified; every
// walk is bounded by an iteration limit (tka/limits.h).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "tka/aum.h"
#include "tka/state.h"
#include "tka/storage.h"

namespace latchkey::tka {

// A linear run of AUMs from `oldest` to `head`, and the state at `head`
// (filled in only by compute_active_chain).
struct Chain {
  Aum oldest;
  Aum head;
  State state;
  // The chain passes through the last active ancestor recorded by an
  // earlier run (upstream chainsThroughActive).
  bool chains_through_active = false;
};

// Every (oldest, head) pair in storage: one per head, walked back as far as
// stored parents go, sorted by the head's hash. A chain whose walk passes a
// parent equal to `last_known_oldest` is marked chains_through_active.
Result<std::vector<Chain>> compute_chain_candidates(const AumStorage& storage,
                                                    const std::optional<AumHash>& last_known_oldest,
                                                    int max_iterations);

// Fork resolution among the children of one AUM, given the state at their
// parent: the highest signature weight wins, then a RemoveKey AUM, then the
// lowest hash. Returns the index of the chosen candidate (non-empty input).
std::size_t pick_next_aum(const State& state_at_parent, std::span<const Aum> candidates);

// The AUM a walk stopped at, and the state after applying it.
struct ChainPosition {
  Aum aum;
  State state;
};

// Chooses and applies the next AUM among `children` of the current AUM;
// nullopt when there is nothing to advance to.
using ChainAdvancer =
    std::function<Result<std::optional<ChainPosition>>(const State& state, std::vector<Aum>& children)>;
// Stops a walk at the current AUM and state when it returns true.
using ChainStop = std::function<bool(const Aum& current, const State& state)>;

// Upstream fastForwardWithAdvancer: starting at the AUM `start` was computed
// at, repeatedly takes the next AUM chosen by `advance` until `stop` says so
// or no child remains. At most `max_iterations` steps.
Result<ChainPosition> fast_forward_with(const AumStorage& storage, int max_iterations, State start,
                                        const ChainAdvancer& advance, const ChainStop& stop);

// Upstream fastForward: fast_forward_with using fork resolution.
Result<ChainPosition> fast_forward(const AumStorage& storage, int max_iterations, State start,
                                   const ChainStop& stop = {});

// Upstream computeStateAt: the state right after the AUM `want`, found by
// walking back to a checkpoint or genesis AUM and replaying forward along the
// same path. kErrAumNotFound when `want` itself is not stored.
Result<State> compute_state_at(const AumStorage& storage, int max_iterations, const AumHash& want);

// Upstream computeActiveAncestor: the single distinct oldest AUM of the
// chains, or else the one that an earlier run's ancestor passes through.
Result<AumHash> compute_active_ancestor(std::span<const Chain> chains);

// Upstream computeActiveChain: the chain an authority opened from storage
// follows, from its active ancestor to the head fork resolution leads to.
Result<Chain> compute_active_chain(const AumStorage& storage, const std::optional<AumHash>& last_known_oldest,
                                   int max_iterations);

}  // namespace latchkey::tka
