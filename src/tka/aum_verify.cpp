#include "tka/aum_verify.h"

#include "base/hex.h"

namespace latchkey::tka {

Status check_parent(const Aum& aum, const State& state) {
  const auto parent = aum.parent();
  if (!parent) return Error{"aum has no parent"};
  if (!state.last_aum_hash) return Error{"cannot check update parent hash against a state with no previous AUM"};
  if (*state.last_aum_hash != *parent) {
    return Error{"aum with parent &" + hex_encode(state.last_aum_hash->bytes) +
                 " cannot be applied to a state with parent " + hex_encode(parent->bytes)};
  }
  return {};
}

Status aum_verify(const Aum& aum, const State& state, bool is_genesis) {
  if (auto st = aum.static_validate(); !st) return Error{"invalid: " + st.message()};
  if (!is_genesis) {
    if (auto st = check_parent(aum, state); !st) return st;
  }
  if (aum.signatures.empty()) return Error{"unsigned AUM"};
  const AumSigHash digest = aum.sig_hash();
  for (std::size_t i = 0; i < aum.signatures.size(); ++i) {
    const auto& sig = aum.signatures[i];
    auto key = state.find_key(sig.key_id ? ByteView(*sig.key_id) : ByteView());
    if (!key) return Error{"bad keyID on signature " + std::to_string(i) + ": " + key.message()};
    if (auto st = verify_aum_signature(sig, digest, **key); !st) {
      return Error{"signature " + std::to_string(i) + ": " + st.message()};
    }
  }
  if (aum.kind == AumKind::RemoveKey && state.keys && state.keys->size() == 1) {
    auto only = state.keys->front().id();
    if (only && aum.key_id && *aum.key_id == *only) return Error{"cannot remove the last key in the state"};
  }
  return {};
}

}  // namespace latchkey::tka
