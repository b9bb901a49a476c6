#include "tka/state.h"

#include <argon2.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "tka/aum.h"

namespace latchkey::tka {
namespace {

constexpr std::string_view kDisablementSalt = "tailscale network-lock disablement salt";

bool same_bytes(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

ByteView view_of(const NullableBytes& b) { return b ? ByteView(*b) : ByteView(); }

}  // namespace

Result<const Key*> State::find_key(ByteView key_id) const {
  if (keys) {
    for (const Key& k : *keys) {
      if (k.kind != KeyKind::Ed25519) return Error{"unknown key kind: " + key_kind_name(k.kind)};
      if (same_bytes(view_of(k.public_key), key_id)) return &k;
    }
  }
  return Error{kErrNoSuchKey};
}

Result<Key> State::get_key(ByteView key_id) const {
  auto found = find_key(key_id);
  if (!found) return found.error();
  return **found;
}

Status State::static_validate_checkpoint() const {
  if (last_aum_hash) return Error{"cannot specify a parent AUM"};
  const std::size_t num_ds = disablement_values ? disablement_values->size() : 0;
  if (num_ds == 0) return Error{"at least one disablement secret required"};
  if (num_ds > kMaxDisablementValues) {
    return Error{"too many disablement values (" + std::to_string(num_ds) + ", max " +
                 std::to_string(kMaxDisablementValues) + ")"};
  }
  const auto& dvs = *disablement_values;
  for (std::size_t i = 0; i < dvs.size(); ++i) {
    const ByteView ds = view_of(dvs[i]);
    if (ds.size() != kDisablementLength) {
      return Error{"disablement[" + std::to_string(i) + "]: invalid length (got " + std::to_string(ds.size()) +
                   ", want " + std::to_string(kDisablementLength) + ")"};
    }
    for (std::size_t j = 0; j < dvs.size(); ++j) {
      if (i != j && same_bytes(ds, view_of(dvs[j]))) {
        return Error{"disablement[" + std::to_string(i) + "]: duplicates disablement[" + std::to_string(j) + "]"};
      }
    }
  }

  const std::size_t num_keys = keys ? keys->size() : 0;
  if (num_keys == 0) return Error{"at least one key is required"};
  if (num_keys > kMaxKeys) {
    return Error{"too many keys (" + std::to_string(num_keys) + ", max " + std::to_string(kMaxKeys) + ")"};
  }
  const auto& ks = *keys;
  for (std::size_t i = 0; i < ks.size(); ++i) {
    if (auto st = ks[i].static_validate(); !st) return Error{"key[" + std::to_string(i) + "]: " + st.message()};
  }
  for (std::size_t i = 0; i < ks.size(); ++i) {
    for (std::size_t j = 0; j < ks.size(); ++j) {
      if (i == j) continue;
      auto id1 = ks[i].id();
      if (!id1) return Error{"key[" + std::to_string(i) + "]: " + id1.message()};
      auto id2 = ks[j].id();
      if (!id2) return Error{"key[" + std::to_string(j) + "]: " + id2.message()};
      if (*id1 == *id2) return Error{"key[" + std::to_string(i) + "]: duplicates key[" + std::to_string(j) + "]"};
    }
  }
  return {};
}

State State::clone_for_update(const Aum& update) const {
  State out = *this;
  out.last_aum_hash = update.hash();
  return out;
}

bool State::parent_matches(const Aum& update) const {
  if (!last_aum_hash) return true;
  return update.prev_aum_hash && same_bytes(last_aum_hash->bytes, *update.prev_aum_hash);
}

Result<State> State::apply_verified_aum(const Aum& update) const {
  if (!parent_matches(update)) return Error{"parent AUMHash mismatch"};

  auto next_from = [&update](const State& base) { return base.clone_for_update(update); };

  switch (update.kind) {
    case AumKind::Checkpoint: {
      if (!update.state) return Error{"missing checkpoint state"};
      if (update.state->state_id1 != state_id1 || update.state->state_id2 != state_id2) {
        return Error{"checkpointed state has an incorrect stateID"};
      }
      return next_from(*update.state);
    }
    case AumKind::AddKey: {
      if (!update.key) return Error{"no key to add provided"};
      auto id = update.key->id();
      if (!id) return id.error();
      if (find_key(*id)) return Error{"key already exists"};
      State out = next_from(*this);
      if (!out.keys) out.keys.emplace();
      out.keys->push_back(*update.key);
      return out;
    }
    case AumKind::UpdateKey: {
      const ByteView id = view_of(update.key_id);
      auto found = get_key(id);
      if (!found) return found.error();
      Key k = std::move(*found);
      if (update.votes) k.votes = *update.votes;
      if (update.meta) k.meta = update.meta;
      if (auto st = k.static_validate(); !st) return Error{"updated key fails validation: " + st.message()};
      State out = next_from(*this);
      for (Key& existing : *out.keys) {
        auto existing_id = existing.id();
        if (!existing_id) return existing_id.error();
        if (same_bytes(*existing_id, id)) existing = k;
      }
      return out;
    }
    case AumKind::RemoveKey: {
      const ByteView id = view_of(update.key_id);
      std::optional<std::size_t> idx;
      if (keys) {
        for (std::size_t i = 0; i < keys->size(); ++i) {
          auto kid = (*keys)[i].id();
          if (!kid) return kid.error();
          if (same_bytes(id, *kid)) {
            idx = i;
            break;
          }
        }
      }
      if (!idx) return Error{kErrNoSuchKey};
      State out = next_from(*this);
      out.keys->erase(out.keys->begin() + static_cast<std::ptrdiff_t>(*idx));
      return out;
    }
    default:
      // No-op, and kinds this version does not know: future kinds may only
      // add features, so they are applied as no-ops.
      return next_from(*this);
  }
}

Bytes disablement_kdf(ByteView secret) {
  Bytes out(kDisablementLength);
  static const std::uint8_t kEmpty = 0;
  const void* pwd = secret.empty() ? static_cast<const void*>(&kEmpty) : static_cast<const void*>(secret.data());
  const int rc = argon2i_hash_raw(4, 16 * 1024, 4, pwd, secret.size(), kDisablementSalt.data(),
                                  kDisablementSalt.size(), out.data(), out.size());
  if (rc != ARGON2_OK) out.assign(kDisablementLength, 0);  // cannot happen with these fixed parameters
  return out;
}

bool State::check_disablement(ByteView secret) const {
  if (!disablement_values) return false;
  const Bytes derived = disablement_kdf(secret);
  bool match = false;
  for (const auto& candidate : *disablement_values) {
    // Constant time per candidate (subtle.ConstantTimeCompare).
    const ByteView c = view_of(candidate);
    if (c.size() == derived.size() && constant_time_equal(c, derived)) match = true;
  }
  return match;
}

void encode_state(cbor::Encoder& enc, const State& state) {
  enc.map_header(3 + (state.state_id1 != 0 ? 1 : 0) + (state.state_id2 != 0 ? 1 : 0));
  enc.uint(1);
  if (state.last_aum_hash) {
    enc.bytes(state.last_aum_hash->bytes);
  } else {
    enc.null();
  }
  enc.uint(2);
  if (state.disablement_values) {
    enc.array_header(state.disablement_values->size());
    for (const auto& dv : *state.disablement_values) enc.nullable_bytes(dv);
  } else {
    enc.null();
  }
  enc.uint(3);
  if (state.keys) {
    enc.array_header(state.keys->size());
    for (const auto& k : *state.keys) encode_key(enc, k);
  } else {
    enc.null();
  }
  if (state.state_id1 != 0) {
    enc.uint(4);
    enc.uint(state.state_id1);
  }
  if (state.state_id2 != 0) {
    enc.uint(5);
    enc.uint(state.state_id2);
  }
}

cbor::MaybeError decode_state(cbor::Reader& r, State& state) {
  static constexpr std::array<std::uint64_t, 5> kFields{1, 2, 3, 4, 5};
  return cbor::decode_struct(r, "tka.State", kFields, [&state](std::size_t field, cbor::Reader& fr) -> cbor::MaybeError {
    switch (field) {
      case 0:
        return cbor::decode_pointer(fr, state.last_aum_hash, [](cbor::Reader& pr, AumHash& h) {
          return cbor::decode_byte_array(pr, h.bytes, "tka.AUMHash");
        });
      case 1:
        return cbor::decode_slice(fr, state.disablement_values, "[][]uint8", [](cbor::Reader& er, NullableBytes& b) {
          return cbor::decode_byte_slice(er, b, "[]uint8");
        });
      case 2:
        return cbor::decode_slice(fr, state.keys, "[]tka.Key", [](cbor::Reader& er, Key& k) { return decode_key(er, k); });
      case 3: return cbor::decode_uint(fr, state.state_id1, UINT64_MAX, "uint64");
      default: return cbor::decode_uint(fr, state.state_id2, UINT64_MAX, "uint64");
    }
  });
}

Bytes State::serialize() const {
  cbor::Encoder enc;
  encode_state(enc, *this);
  return enc.take();
}

Result<State> State::unserialize(ByteView data) {
  State state;
  if (auto st = cbor::unmarshal(data, [&state](cbor::Reader& r) { return decode_state(r, state); }); !st) {
    return st.error();
  }
  return state;
}

}  // namespace latchkey::tka
