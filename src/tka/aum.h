// AUM: an Authority Update Message, one link of the Tailnet Lock chain
// (upstream tka/aum.go). Serialization is CTAP2-canonical CBOR, byte for
// byte as upstream; decoding accepts exactly what upstream's strict decoder
// accepts (see cbor/unmarshal.h). An AUM's hash is BLAKE2s-256 over its
// canonical re-encoding, never over received bytes.
//
// CBOR map keys: 1 MessageKind (always), 2 PrevAUMHash (always; null when
// nil, empty byte string when empty), 3 Key, 5 State, 6 Votes (whenever
// set), 4 KeyID, 7 Meta, 23 Signatures (only when non-empty).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/ed25519.h"
#include "tka/aum_hash.h"
#include "tka/key.h"
#include "tka/state.h"
#include "tka/types.h"

namespace latchkey::tka {

// AUMKind (a uint8 on the wire). Values outside 0..5 are valid AUMs of a
// kind this version does not know: they pass validation and apply as no-ops.
enum class AumKind : std::uint8_t {
  Invalid = 0,
  AddKey = 1,
  RemoveKey = 2,
  NoOp = 3,
  UpdateKey = 4,
  Checkpoint = 5,
};

// Upstream AUMKind.String(): "invalid", "add-key", "remove-key", "no-op",
// "update-key", "checkpoint", or "AUM?<n>".
std::string aum_kind_name(AumKind kind);

struct Aum {
  AumKind kind = AumKind::Invalid;
  // Hash of the parent AUM; nullopt (nil) for a genesis AUM. A present but
  // empty value is distinct on the wire and fails static validation.
  NullableBytes prev_aum_hash;
  std::optional<Key> key;                 // AddKey
  NullableBytes key_id;                   // RemoveKey, UpdateKey (omitted on the wire when empty)
  std::optional<State> state;             // Checkpoint
  std::optional<std::uint64_t> votes;     // UpdateKey (Go *uint)
  std::optional<Metadata> meta;           // UpdateKey (omitted on the wire when empty)
  std::vector<AumSignature> signatures;

  // Upstream Serialize: canonical CBOR.
  Bytes serialize() const;
  // Upstream Unserialize: strict decode; the error text is upstream's.
  static Result<Aum> unserialize(ByteView data);

  // BLAKE2s-256 of serialize().
  AumHash hash() const;
  // BLAKE2s-256 of the serialization without signatures: what signers sign.
  AumSigHash sig_hash() const;
  // The parent's hash when prev_aum_hash is non-empty (upstream copies the
  // first 32 bytes, zero-padding shorter values).
  std::optional<AumHash> parent() const;

  // Upstream StaticValidate, with its checks and error texts.
  Status static_validate() const;

  // Upstream Weight: sum of the votes of the distinct keys of `state` that
  // signed this AUM (signatures with unknown keys count nothing). The caller
  // must have verified the signatures; key IDs must be 32 bytes.
  std::uint64_t weight(const State& state) const;

  // Upstream sign25519: appends a signature of sig_hash() by `priv`, whose
  // key ID is its public key.
  void sign(const crypto::Ed25519Private& priv);

  bool operator==(const Aum&) const = default;
};

// CBOR codec hooks (the encoder can leave the signatures out).
void encode_aum(cbor::Encoder& enc, const Aum& aum, bool with_signatures = true);
cbor::MaybeError decode_aum(cbor::Reader& r, Aum& aum);

}  // namespace latchkey::tka
