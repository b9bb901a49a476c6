// State: the Tailnet Key Authority's state at one point of the AUM chain
// (upstream tka/state.go): hash of the last applied AUM, disablement values,
// trusted keys and the two state IDs. Applying a verified AUM yields the next
// state; a checkpoint AUM carries a whole State.
//
// CBOR form: {1: LastAUMHash (null when absent), 2: DisablementValues,
// 3: Keys (both null when nil, [] when empty), 4: StateID1, 5: StateID2
// (each only when non-zero)}.
//
// Also the disablement KDF (Argon2i, 4 lanes) and the disablement check.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/encoder.h"
#include "cbor/unmarshal.h"
#include "tka/aum_hash.h"
#include "tka/key.h"
#include "tka/types.h"

namespace latchkey::tka {

struct Aum;

// Limits from upstream tka/limits.go.
inline constexpr std::size_t kMaxDisablementValues = 32;
inline constexpr std::size_t kMaxKeys = 512;
inline constexpr std::size_t kDisablementLength = 32;

// Upstream ErrNoSuchKey's text.
inline constexpr const char* kErrNoSuchKey = "key not found";

struct State {
  std::optional<AumHash> last_aum_hash;
  // Go [][]byte: the list and each value may be nil (kept for byte-exact
  // re-encoding of decoded checkpoints).
  std::optional<std::vector<NullableBytes>> disablement_values;
  std::optional<std::vector<Key>> keys;
  std::uint64_t state_id1 = 0;
  std::uint64_t state_id2 = 0;

  // The trusted key whose ID is `key_id`. Errors: kErrNoSuchKey, or the ID
  // error of a key of unknown kind met while searching (as upstream GetKey).
  Result<Key> get_key(ByteView key_id) const;
  // Same lookup without copying: a pointer into `keys`.
  Result<const Key*> find_key(ByteView key_id) const;

  // Upstream staticValidateCheckpoint: the checks a checkpoint's state must
  // pass (no parent, 1..32 disablement values of 32 bytes without
  // duplicates, 1..512 valid keys without duplicate IDs).
  Status static_validate_checkpoint() const;

  // Upstream cloneForUpdate: a copy whose LastAUMHash is update.hash() (how
  // a checkpoint's own state becomes the state at that checkpoint).
  State clone_for_update(const Aum& update) const;

  // Upstream parentMatches: a state without LastAUMHash accepts any AUM.
  bool parent_matches(const Aum& update) const;

  // Upstream applyVerifiedAUM: the state after `update`, which the caller
  // has already verified (static validation and signatures). Errors:
  // "parent AUMHash mismatch", "missing checkpoint state", "checkpointed
  // state has an incorrect stateID", "no key to add provided", "key already
  // exists", kErrNoSuchKey, "updated key fails validation: ...".
  Result<State> apply_verified_aum(const Aum& update) const;

  // True when DisablementKDF(secret) is one of the disablement values.
  bool check_disablement(ByteView secret) const;

  Bytes serialize() const;
  static Result<State> unserialize(ByteView data);

  bool operator==(const State&) const = default;
};

// Upstream DisablementKDF: Argon2i (version 0x13), time 4, memory 16 MiB,
// 4 lanes, salt "tailscale network-lock disablement salt", 32-byte output.
Bytes disablement_kdf(ByteView secret);

// CBOR codec hooks used by the AUM codec.
void encode_state(cbor::Encoder& enc, const State& state);
cbor::MaybeError decode_state(cbor::Reader& r, State& state);

}  // namespace latchkey::tka
