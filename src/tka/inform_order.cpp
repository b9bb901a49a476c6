#include "tka/inform_order.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

namespace latchkey::tka {

std::vector<Aum> order_for_inform(const AumHash& root, std::vector<Aum> aums) {
  // Distinct AUMs by hash (std::map keeps ascending hash order).
  std::map<AumHash, Aum> by_hash;
  for (auto& a : aums) {
    AumHash h = a.hash();
    if (h == root) continue;
    by_hash.emplace(h, std::move(a));
  }
  // parent -> children, ascending by hash since by_hash is iterated in order.
  std::unordered_map<AumHash, std::vector<AumHash>> children;
  for (const auto& [h, a] : by_hash) {
    if (auto p = a.parent()) children[*p].push_back(h);
  }

  std::vector<Aum> out;
  out.reserve(by_hash.size());
  std::set<AumHash> placed;
  auto breadth_first = [&](const AumHash& top, bool include_top) {
    std::deque<AumHash> queue{top};
    if (include_top) placed.insert(top);
    while (!queue.empty()) {
      const AumHash h = queue.front();
      queue.pop_front();
      if (include_top || h != top) out.push_back(by_hash.at(h));
      auto it = children.find(h);
      if (it == children.end()) continue;
      for (const AumHash& c : it->second) {
        if (placed.insert(c).second) queue.push_back(c);
      }
    }
  };
  breadth_first(root, /*include_top=*/false);

  // What the root does not reach: trees whose top's parent is not among the
  // AUMs given (or not reachable), by ascending hash of the top.
  for (const auto& [h, a] : by_hash) {
    if (placed.count(h)) continue;
    auto p = a.parent();
    const bool top = !p || by_hash.count(*p) == 0 || *p == root;
    if (top) breadth_first(h, /*include_top=*/true);
  }
  // Anything left can only hang below an unplaced AUM; keep hash order.
  for (auto& [h, a] : by_hash) {
    if (!placed.count(h)) {
      placed.insert(h);
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace latchkey::tka
