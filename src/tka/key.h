// Key: a public key trusted by the Tailnet Key Authority, with its votes
// (weight in fork resolution) and free-form metadata (upstream tka/key.go),
// plus the check of one AUM signature against a key (upstream tka/verify.go
// signatureVerify: ZIP-215 rules).
//
// CBOR form (CTAP2 canonical): {1: kind, 2: votes, 3: public (null when
// nil), 12: meta (only when non-empty)}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/encoder.h"
#include "cbor/unmarshal.h"
#include "tka/types.h"

namespace latchkey::tka {

// KeyKind (a uint8 on the wire; values other than these pass through).
enum class KeyKind : std::uint8_t {
  Invalid = 0,
  Ed25519 = 1,  // upstream Key25519
};

// Upstream KeyKind.String(): "invalid", "25519", or "Key?<n>".
std::string key_kind_name(KeyKind kind);

// Limits from upstream tka/limits.go and key.go.
inline constexpr std::uint64_t kMaxKeyVotes = 4096;
inline constexpr std::uint64_t kMaxMetaBytes = 512;

struct Key {
  KeyKind kind = KeyKind::Invalid;
  std::uint64_t votes = 0;               // Go uint
  NullableBytes public_key;              // Go []byte: nil and empty differ on the wire
  std::optional<Metadata> meta;          // Go map: nil or empty are both omitted on the wire

  // KeyID: the public key for Ed25519 keys; error "unknown key kind: <k>"
  // for any other kind.
  Result<KeyId> id() const;
  // Upstream Key.StaticValidate, checks in upstream's order: votes > 4096,
  // votes == 0, metadata > 512 bytes (sum of key and value lengths), kind.
  Status static_validate() const;

  Bytes serialize() const;
  // Strict decode of a lone Key, with upstream's decoder rules.
  static Result<Key> unserialize(ByteView data);

  bool operator==(const Key&) const = default;
};

// CBOR codec hooks used by the enclosing structures (AUM, State).
void encode_key(cbor::Encoder& enc, const Key& key);
cbor::MaybeError decode_key(cbor::Reader& r, Key& key);

// Upstream signatureVerify: `sig` must be a valid ZIP-215 Ed25519 signature
// over `digest` by `key`, which must be an Ed25519 key of 32 bytes. Errors:
// "ed25519 key has wrong length: N", "invalid signature",
// "unhandled key type: <kind>".
Status verify_aum_signature(const AumSignature& sig, const AumSigHash& digest, const Key& key);

}  // namespace latchkey::tka
