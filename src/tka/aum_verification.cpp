#include "tka/aum_verification.h"

#include <algorithm>

#include "base/hex.h"

namespace latchkey::tka {
namespace {

// Go's %x applied to an AUMHash formats its String() (base32) as hex.
std::string go_hex_of_text(const AumHash& h) { return hex_encode(as_bytes(h.to_string())); }

bool same_bytes(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

// Upstream checkParent: the AUM has a parent and it is the state's last AUM.
Status check_parent(const Aum& aum, const State& state) {
  auto parent = aum.parent();
  if (!parent) return Error{"aum has no parent"};
  if (!state.last_aum_hash) return Error{"cannot check update parent hash against a state with no previous AUM"};
  if (*state.last_aum_hash != *parent) {
    // Upstream prints the state's hash first, then the AUM's parent.
    return Error{"aum with parent " + go_hex_of_text(*state.last_aum_hash) + " cannot be applied to a state with parent " +
                 go_hex_of_text(*parent)};
  }
  return {};
}

}  // namespace

bool SignatureBatch::all_valid() const {
  if (entries_.empty()) return true;
  if (entries_.size() == 1) {
    const auto& e = entries_.front();
    return crypto::ed25519_verify_zip215(e.public_key, e.digest, e.signature);
  }
  std::vector<crypto::Ed25519BatchItem> items;
  items.reserve(entries_.size());
  for (const auto& e : entries_) items.push_back({e.public_key, e.digest, e.signature});
  return crypto::ed25519_verify_zip215_batch(items);
}

std::optional<DeferredSignature> SignatureBatch::first_invalid() const {
  for (const auto& e : entries_) {
    if (!crypto::ed25519_verify_zip215(e.public_key, e.digest, e.signature)) return e;
  }
  return std::nullopt;
}

Status check_aum_deferring_signatures(const Aum& aum, const AumSigHash& sig_hash, const State& state,
                                      bool is_genesis, std::size_t update_index, SignatureBatch& batch) {
  if (auto st = aum.static_validate(); !st) return Error{"invalid: " + st.message()};
  if (!is_genesis) {
    if (auto st = check_parent(aum, state); !st) return st;
  }
  if (aum.signatures.empty()) return Error{"unsigned AUM"};

  for (std::size_t i = 0; i < aum.signatures.size(); ++i) {
    const AumSignature& sig = aum.signatures[i];
    // Static validation guarantees a 32-byte key ID and a 64-byte signature.
    auto key = state.find_key(*sig.key_id);
    if (!key) return Error{"bad keyID on signature " + std::to_string(i) + ": " + key.message()};
    const Key& k = **key;
    if (k.kind != KeyKind::Ed25519 || !k.public_key || k.public_key->size() != crypto::kEd25519PublicSize) {
      // Wrong kind or length: verify_aum_signature reports it without
      // touching the signature.
      return Error{"signature " + std::to_string(i) + ": " + verify_aum_signature(sig, sig_hash, k).message()};
    }
    DeferredSignature d;
    std::copy_n(k.public_key->begin(), d.public_key.size(), d.public_key.begin());
    d.digest = sig_hash;
    std::copy_n(sig.signature->begin(), d.signature.size(), d.signature.begin());
    d.update_index = update_index;
    d.signature_index = i;
    batch.add(d);
  }

  if (aum.kind == AumKind::RemoveKey && state.keys && state.keys->size() == 1) {
    auto only = state.keys->front().id();
    if (only && same_bytes(aum.key_id ? ByteView(*aum.key_id) : ByteView(), *only)) {
      return Error{"cannot remove the last key in the state"};
    }
  }
  return {};
}

Status verify_aum_now(const Aum& aum, const State& state, bool is_genesis) {
  SignatureBatch batch;
  const AumSigHash sig_hash = aum.sig_hash();
  Status structural = check_aum_deferring_signatures(aum, sig_hash, state, is_genesis, 0, batch);
  // Signature failures come first: upstream checks each signature before
  // anything that follows it.
  if (auto bad = batch.first_invalid()) {
    return Error{"signature " + std::to_string(bad->signature_index) + ": invalid signature"};
  }
  return structural;
}

}  // namespace latchkey::tka
