// Ordering an unordered set of AUMs for one inform() batch, the way
// upstream's own replays do it (tests/data/vectors/README.md, chains.json):
// breadth-first from a root AUM (normally the checkpoint an authority was
// bootstrapped from), children of one parent in ascending hash order, so
// every AUM follows its parent. AUMs not reachable from the root (orphans, a
// second genesis, ancestors of the root) follow, tree by tree in ascending
// hash order of each tree's top, each tree breadth-first as well; inform()
// then rejects them as upstream does. Copies of the root and duplicates are
// dropped.
#pragma once

#include <vector>

#include "tka/aum.h"
#include "tka/aum_hash.h"

namespace latchkey::tka {

std::vector<Aum> order_for_inform(const AumHash& root, std::vector<Aum> aums);

}  // namespace latchkey::tka
