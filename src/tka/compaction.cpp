#include "tka/compaction.h"

#include <vector>

namespace latchkey::tka {
namespace {

// Reads a verdict without inserting (a Go map read of a missing key is 0).
std::uint8_t verdict_of(const RetainVerdicts& verdicts, const AumHash& h) {
  auto it = verdicts.find(h);
  return it == verdicts.end() ? 0 : it->second;
}

}  // namespace

Result<AumHash> mark_active_chain(const AumStorage& storage, RetainVerdicts& verdicts, int min_chain,
                                  const AumHash& head) {
  auto next = storage.aum(head);
  if (!next) return next.error();

  for (int i = 0; i < min_chain; ++i) {
    const AumHash h = next->hash();
    verdicts[h] |= kRetainActive;
    auto parent = next->parent();
    if (!parent) return h;  // the genesis: the chain is too short to truncate
    next = storage.aum(*parent);
    if (!next) {
      if (is_not_found(next.error())) return h;  // the end of what is stored
      return Error{"reading active chain (retainStateActive) (" + std::to_string(i) + ", " + parent->to_string() +
                   "): " + next.message()};
    }
  }

  // At least min_chain AUMs are kept; continue back to an AUM to compact to:
  // a checkpoint that is old enough, or the genesis.
  AumHash last_active_ancestor;
  for (;;) {
    const AumHash h = next->hash();
    verdicts[h] |= kRetainActive;
    auto parent = next->parent();
    const bool young = (verdict_of(verdicts, h) & kRetainYoung) != 0;
    if (next->kind == AumKind::Checkpoint) {
      last_active_ancestor = h;
      if (!young || !parent) break;
    }
    const AumHash parent_hash = parent.value_or(AumHash{});
    next = storage.aum(parent_hash);
    if (!next) {
      return Error{"searching for compaction target (" + parent_hash.to_string() + "): " + next.message()};
    }
  }

  // Everything older on the active chain is a deletion candidate.
  for (;;) {
    auto parent = next->parent();
    if (!parent) break;
    verdicts[*parent] |= kRetainCandidate;
    next = storage.aum(*parent);
    if (!next) {
      if (is_not_found(next.error())) break;
      return Error{"reading active chain (retainStateCandidate, " + parent->to_string() + "): " + next.message()};
    }
  }
  return last_active_ancestor;
}

Status mark_young_aums(const CompactableStorage& storage, RetainVerdicts& verdicts, std::int64_t min_age_seconds,
                       UnixTime now) {
  const UnixTime min_time = now - min_age_seconds;
  for (auto& [h, v] : verdicts) {
    auto committed = storage.commit_time(h);
    if (!committed) return committed.error();
    if (*committed > min_time) v |= kRetainYoung;
  }
  return {};
}

Result<AumHash> mark_ancestor_intersection_aums(const AumStorage& storage, RetainVerdicts& verdicts,
                                                AumHash candidate_ancestor) {
  std::vector<AumHash> to_scan;
  for (const auto& [h, v] : verdicts) {
    if ((v & kRetainMask) == 0 || h == candidate_ancestor) continue;
    to_scan.push_back(h);
  }

  bool adjusted = false;
  while (!to_scan.empty()) {
    std::vector<AumHash> next_scan;
    for (const AumHash& h : to_scan) {
      if (verdict_of(verdicts, h) & kRetainAncestor) continue;  // already walked from here
      verdicts[h] |= kRetainAncestor;

      auto a = storage.aum(h);
      if (!a) return Error{"reading " + h.to_string() + ": " + a.message()};
      auto parent = a->parent();
      if (!parent) return Error{"reached genesis AUM without intersecting with candidate ancestor"};

      const std::uint8_t pv = verdict_of(verdicts, *parent);
      if (pv & kRetainMask) continue;  // includes the candidate ancestor itself
      if (pv & kRetainCandidate) {
        // This kept AUM joins the active chain behind the candidate
        // ancestor, so the ancestor moves back to the junction, and the
        // active-chain AUMs between the two are kept too.
        candidate_ancestor = *parent;
        adjusted = true;
        verdicts[*parent] |= kRetainAncestor;
        AumHash cursor = *parent;
        for (bool advanced = true; advanced;) {
          advanced = false;
          auto children = storage.child_aums(cursor);
          if (!children) return Error{"reading children " + cursor.to_string() + ": " + children.message()};
          for (const Aum& child : *children) {
            const AumHash ch = child.hash();
            const std::uint8_t cv = verdict_of(verdicts, ch);
            if ((cv & kRetainCandidate) && !(cv & kRetainActive)) {
              verdicts[ch] |= kRetainAncestor;
              cursor = ch;
              advanced = true;
              break;
            }
          }
        }
      }
      next_scan.push_back(*parent);
    }
    to_scan = std::move(next_scan);
  }

  // A moved ancestor may not be a checkpoint; walk back to one.
  if (adjusted) {
    auto next = storage.aum(candidate_ancestor);
    if (!next) {
      return Error{"searching for compaction target (" + candidate_ancestor.to_string() + "): " + next.message()};
    }
    for (;;) {
      const AumHash h = next->hash();
      verdicts[h] |= kRetainActive;
      if (next->kind == AumKind::Checkpoint) {
        candidate_ancestor = h;
        break;
      }
      auto parent = next->parent();
      if (!parent) return Error{"reached genesis AUM without finding an appropriate candidateAncestor"};
      next = storage.aum(*parent);
      if (!next) return Error{"searching for compaction target (" + parent->to_string() + "): " + next.message()};
    }
  }
  return candidate_ancestor;
}

Status mark_descendant_aums(const AumStorage& storage, RetainVerdicts& verdicts) {
  std::vector<AumHash> to_scan;
  for (const auto& [h, v] : verdicts) {
    if (v & kRetainMask) to_scan.push_back(h);
  }
  while (!to_scan.empty()) {
    std::vector<AumHash> next_scan;
    for (const AumHash& h : to_scan) {
      if (verdict_of(verdicts, h) & kRetainLeaf) continue;
      verdicts[h] |= kRetainLeaf;
      auto children = storage.child_aums(h);
      if (!children) return children.error();
      for (const Aum& child : *children) next_scan.push_back(child.hash());
    }
    to_scan = std::move(next_scan);
  }
  return {};
}

Result<AumHash> compact(CompactableStorage& storage, const AumHash& head, const CompactionOptions& options,
                        UnixTime now) {
  if (options.min_chain == 0) return Error{"opts.MinChain must be set"};
  if (options.min_age_seconds == 0) return Error{"opts.MinAge must be set"};

  auto all = storage.all_aums();
  if (!all) return Error{"AllAUMs: " + all.message()};
  RetainVerdicts verdicts;
  verdicts.reserve(all->size());
  for (const AumHash& h : *all) verdicts.emplace(h, 0);

  if (auto st = mark_young_aums(storage, verdicts, options.min_age_seconds, now); !st) {
    return Error{"marking young AUMs: " + st.message()};
  }
  auto ancestor = mark_active_chain(storage, verdicts, options.min_chain, head);
  if (!ancestor) return Error{"marking active chain: " + ancestor.message()};
  if (auto st = mark_descendant_aums(storage, verdicts); !st) return Error{"marking descendant AUMs: " + st.message()};
  ancestor = mark_ancestor_intersection_aums(storage, verdicts, *ancestor);
  if (!ancestor) return Error{"marking ancestor intersection: " + ancestor.message()};

  std::vector<AumHash> to_delete;
  for (const auto& [h, v] : verdicts) {
    if ((v & kRetainMask) == 0) to_delete.push_back(h);
  }
  if (auto st = storage.set_last_active_ancestor(*ancestor); !st) return st.error();
  if (auto st = storage.purge_aums(to_delete); !st) return st.error();
  return *ancestor;
}

}  // namespace latchkey::tka
