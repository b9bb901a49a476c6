#include "tka/chain.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "base/hex.h"

namespace latchkey::tka {
namespace {

std::string limit_exceeded(int max_iterations) {
  return "iteration limit exceeded (" + std::to_string(max_iterations) + ")";
}

// Go's %X applied to an AUMHash formats its String() (base32) as upper-case
// hex; upstream's messages use it in a few places.
std::string go_upper_hex_of_text(const AumHash& h) {
  std::string hex = hex_encode(as_bytes(h.to_string()));
  std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) { return c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c; });
  return hex;
}

// True when candidate `a` wins over `b` in fork resolution.
bool preferred(std::uint64_t weight_a, AumKind kind_a, const AumHash& hash_a, std::uint64_t weight_b, AumKind kind_b,
               const AumHash& hash_b) {
  if (weight_a != weight_b) return weight_a > weight_b;
  if (kind_a != kind_b && (kind_a == AumKind::RemoveKey || kind_b == AumKind::RemoveKey)) {
    return kind_a == AumKind::RemoveKey;
  }
  return hash_a < hash_b;
}

Result<std::optional<ChainPosition>> advance_by_primary(const State& state, std::vector<Aum>& children) {
  if (children.empty()) return std::optional<ChainPosition>{};
  const std::size_t pick = pick_next_aum(state, children);
  auto next = state.apply_verified_aum(children[pick]);
  if (!next) return Error{"advancing state: " + next.message()};
  return std::optional<ChainPosition>{ChainPosition{std::move(children[pick]), std::move(*next)}};
}

}  // namespace

Result<std::vector<Chain>> compute_chain_candidates(const AumStorage& storage,
                                                    const std::optional<AumHash>& last_known_oldest,
                                                    int max_iterations) {
  auto heads = storage.heads();
  if (!heads) return Error{"reading heads: " + heads.message()};

  struct Candidate {
    Chain chain;
    AumHash sort_key;
  };
  std::vector<Candidate> candidates;
  candidates.reserve(heads->size());
  for (auto& head : *heads) {
    AumHash h = head.hash();
    Chain c;
    c.oldest = head;
    c.head = std::move(head);
    candidates.push_back(Candidate{std::move(c), h});
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.sort_key < b.sort_key; });

  // Walk every candidate back one parent per round until none can move.
  bool again = true;
  for (int i = 0; again; ++i) {
    if (i >= max_iterations) return Error{limit_exceeded(max_iterations)};
    again = false;
    for (auto& cand : candidates) {
      auto parent_hash = cand.chain.oldest.parent();
      if (!parent_hash) continue;
      auto parent = storage.aum(*parent_hash);
      if (!parent) {
        if (is_not_found(parent.error())) continue;
        return Error{"reading parent " + parent_hash->to_string() + ": " + parent.message()};
      }
      cand.chain.oldest = std::move(*parent);
      if (last_known_oldest && *last_known_oldest == *parent_hash) cand.chain.chains_through_active = true;
      again = true;
    }
  }

  std::vector<Chain> out;
  out.reserve(candidates.size());
  for (auto& cand : candidates) out.push_back(std::move(cand.chain));
  return out;
}

std::size_t pick_next_aum(const State& state_at_parent, std::span<const Aum> candidates) {
  if (candidates.size() <= 1) return 0;
  std::size_t best = 0;
  std::uint64_t best_weight = candidates[0].weight(state_at_parent);
  AumHash best_hash = candidates[0].hash();
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    const std::uint64_t w = candidates[i].weight(state_at_parent);
    const AumHash h = candidates[i].hash();
    if (preferred(w, candidates[i].kind, h, best_weight, candidates[best].kind, best_hash)) {
      best = i;
      best_weight = w;
      best_hash = h;
    }
  }
  return best;
}

Result<ChainPosition> fast_forward_with(const AumStorage& storage, int max_iterations, State start,
                                        const ChainAdvancer& advance, const ChainStop& stop) {
  if (!start.last_aum_hash) return Error{"invalid initial state"};
  auto first = storage.aum(*start.last_aum_hash);
  if (!first) return Error{"reading next (" + start.last_aum_hash->to_string() + "): " + first.message()};

  ChainPosition cur{std::move(*first), std::move(start)};
  for (int i = 0; i < max_iterations; ++i) {
    if (stop && stop(cur.aum, cur.state)) return cur;
    // The state's last AUM hash is the hash of the current AUM.
    const AumHash cur_hash = *cur.state.last_aum_hash;
    auto children = storage.child_aums(cur_hash);
    if (!children) {
      return Error{"getting children of " + go_upper_hex_of_text(cur_hash) + ": " + children.message()};
    }
    auto next = advance(cur.state, *children);
    if (!next) return Error{"advance " + go_upper_hex_of_text(cur_hash) + ": " + next.message()};
    if (!*next) return cur;  // no children: this is the head
    cur = std::move(**next);
  }
  return Error{limit_exceeded(max_iterations)};
}

Result<ChainPosition> fast_forward(const AumStorage& storage, int max_iterations, State start, const ChainStop& stop) {
  return fast_forward_with(storage, max_iterations, std::move(start), advance_by_primary, stop);
}

Result<State> compute_state_at(const AumStorage& storage, int max_iterations, const AumHash& want) {
  auto top = storage.aum(want);
  if (!top) return top.error();

  // Walk back to a starting point whose state is known without history: a
  // checkpoint (it carries the state) or a genesis AUM (applied to nothing).
  Aum cur = std::move(*top);
  AumHash cur_hash = want;
  State state;
  std::unordered_set<AumHash> path;
  for (int i = 0;; ++i) {
    if (i > max_iterations) return Error{limit_exceeded(max_iterations)};
    path.insert(cur_hash);

    if (cur.kind == AumKind::Checkpoint) {
      if (!cur.state) return Error{"missing checkpoint state"};
      state = *cur.state;
      state.last_aum_hash = cur_hash;
      break;
    }
    auto parent = cur.parent();
    if (!parent) {
      if (cur.kind == AumKind::NoOp || cur.kind == AumKind::AddKey) {
        auto genesis = State{}.apply_verified_aum(cur);
        if (!genesis) return Error{"applying genesis (" + cur_hash.to_string() + "): " + genesis.message()};
        state = std::move(*genesis);
        break;
      }
      return Error{"invalid genesis update: " + cur_hash.to_string() + " (" + aum_kind_name(cur.kind) + ")"};
    }
    auto parent_aum = storage.aum(*parent);
    if (!parent_aum) return Error{"reading parent (" + parent->to_string() + "): " + parent_aum.message()};
    cur = std::move(*parent_aum);
    cur_hash = *parent;
  }

  // Replay forward along the path just walked, which (for an AUM off the
  // active chain) is not necessarily where fork resolution would go.
  auto follow_path = [&path](const State& s, std::vector<Aum>& children) -> Result<std::optional<ChainPosition>> {
    for (auto& c : children) {
      if (path.count(c.hash()) == 0) continue;
      auto next = s.apply_verified_aum(c);
      if (!next) return Error{"advancing state: " + next.message()};
      return std::optional<ChainPosition>{ChainPosition{std::move(c), std::move(*next)}};
    }
    return Error{"no candidate matching path"};
  };
  auto end = fast_forward_with(storage, max_iterations, std::move(state), follow_path,
                               [&want](const Aum&, const State& s) { return *s.last_aum_hash == want; });
  if (!end) return end.error();
  if (*end->state.last_aum_hash != want) return Error{"unexpected fastForward outcome"};
  return std::move(end->state);
}

Result<AumHash> compute_active_ancestor(std::span<const Chain> chains) {
  // Distinct oldest AUMs; for each, whether (the last chain seen with it)
  // passed through the previous run's ancestor, as upstream's map keeps.
  std::vector<std::pair<AumHash, bool>> ancestors;
  for (const auto& c : chains) {
    const AumHash h = c.oldest.hash();
    auto it = std::find_if(ancestors.begin(), ancestors.end(), [&h](const auto& e) { return e.first == h; });
    if (it == ancestors.end()) {
      ancestors.emplace_back(h, c.chains_through_active);
    } else {
      it->second = c.chains_through_active;
    }
  }
  if (ancestors.size() == 1) return ancestors.front().first;
  for (const auto& [h, through_active] : ancestors) {
    if (through_active) return h;
  }
  return Error{"multiple distinct chains"};
}

Result<Chain> compute_active_chain(const AumStorage& storage, const std::optional<AumHash>& last_known_oldest,
                                   int max_iterations) {
  auto chains = compute_chain_candidates(storage, last_known_oldest, max_iterations);
  if (!chains) return Error{"computing candidates: " + chains.message()};
  if (chains->empty()) return Error{"no chain candidates in AUM storage"};

  auto oldest_hash = compute_active_ancestor(*chains);
  if (!oldest_hash) return Error{"computing ancestor: " + oldest_hash.message()};
  auto ancestor = storage.aum(*oldest_hash);
  if (!ancestor) return ancestor.error();

  auto state = compute_state_at(storage, max_iterations, *oldest_hash);
  if (!state) return Error{"bootstrapping state: " + state.message()};
  auto end = fast_forward(storage, max_iterations, std::move(*state));
  if (!end) return Error{"fast forward: " + end.message()};

  Chain out;
  out.oldest = std::move(*ancestor);
  out.head = std::move(end->aum);
  out.state = std::move(end->state);
  return out;
}

}  // namespace latchkey::tka
