// Iteration limits of chain replay and sync (upstream tka/limits.go). They
// bound the work any one call can do on an attacker-supplied or corrupted AUM
// graph; the size limits of AUMs themselves live with the codec (state.h,
// key.h).
#pragma once

namespace latchkey::tka {

// Longest walk over stored AUMs when replaying the chain (Open, Inform's
// recomputation, computing the state at an AUM).
inline constexpr int kMaxScanIterations = 2000;
// Longest walk when searching for any intersection during sync.
inline constexpr int kMaxSyncIterations = 2000;
// Longest walk back from the head when building a sync offer or looking for
// the remote head in the local chain.
inline constexpr int kMaxSyncHeadIntersectionIterations = 1000;

}  // namespace latchkey::tka
