// NodeKeySignature: a signature authorizing a node key under Tailnet Lock
// (upstream tka/sig.go), in three kinds:
//  - direct: a trusted key signs a node key (ZIP-215 verification);
//  - credential: a trusted key certifies a wrapping public key (ZIP-215),
//    never valid alone (pre-signed, "wrapped" auth keys);
//  - rotation: the wrapping key of the nested signature signs a new node key
//    (Go crypto/ed25519 verification), nested recursively up to the CBOR
//    nesting limit.
// Plus re-signing for a new node key, signing with a credential, wrapped
// auth keys (`<authkey>--TL<sig>-<priv>`), and verification against an
// authority's State (upstream Authority.NodeKeyAuthorizedWithDetails).
//
// CBOR form: {1: SigKind, 2: Pubkey, 3: KeyID, 4: Signature, 5: Nested,
// 6: WrappingPubkey}, keys 2..6 only when non-empty.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/encoder.h"
#include "cbor/unmarshal.h"
#include "crypto/ed25519.h"
#include "key/node_key.h"
#include "tka/key.h"
#include "tka/state.h"
#include "tka/types.h"

namespace latchkey::tka {

enum class SigKind : std::uint8_t {
  Invalid = 0,
  Direct = 1,
  Rotation = 2,
  Credential = 3,
};

// Upstream SigKind.String(): "invalid", "direct", "rotation", "credential",
// or "Sig?<n>".
std::string sig_kind_name(SigKind kind);

// Upstream's maximum number of node keys kept in a rotation chain by
// resign_node_key_signature (CBOR nesting limit 16).
inline constexpr std::size_t kMaxPrevNodeKeys = 15;

struct RotationDetails;

struct NodeKeySignature {
  SigKind kind = SigKind::Invalid;
  Bytes pubkey;           // binary node key ("np" + 32, key::NodePublic::to_binary) for direct and rotation
  Bytes key_id;           // trusted key, for direct and credential
  Bytes signature;        // Ed25519 signature over sig_hash()
  std::unique_ptr<NodeKeySignature> nested;  // rotation only
  Bytes wrapping_pubkey;  // key that must sign a signature embedding this one

  NodeKeySignature() = default;
  NodeKeySignature(const NodeKeySignature& other);
  NodeKeySignature& operator=(const NodeKeySignature& other);
  NodeKeySignature(NodeKeySignature&&) noexcept = default;
  NodeKeySignature& operator=(NodeKeySignature&&) noexcept = default;
  ~NodeKeySignature() = default;
  bool operator==(const NodeKeySignature& other) const;

  Bytes serialize() const;
  // Strict decode with upstream's decoder rules (nesting limit 16).
  static Result<NodeKeySignature> unserialize(ByteView data);

  // BLAKE2s-256 of the serialization without the Signature field.
  NksSigHash sig_hash() const;

  // Upstream UnverifiedAuthorizingKeyID: the trusted key's ID, found through
  // nested rotations.
  Result<KeyId> authorizing_key_id() const;
  // Upstream UnverifiedWrappingPublic: WrappingPubkey, or for a rotation the
  // nested signature's, recursively; nullopt when there is none.
  std::optional<Bytes> wrapping_public() const;

  // Upstream verifySignature: checks this signature against the trusted
  // `verification_key` and, for direct and rotation kinds, that it
  // authorizes `node_key`. Rotation signatures use Go crypto/ed25519 rules,
  // direct and credential ones ZIP-215.
  Status verify(const key::NodePublic& node_key, const Key& verification_key) const;

  // Upstream rotationDetails: nullopt for kinds other than rotation.
  Result<std::optional<RotationDetails>> rotation_details() const;

  // Upstream String(): one "Field: value" line per set field, nested
  // signatures indented by two spaces.
  std::string to_string() const;
};

struct RotationDetails {
  // Node keys rotated out, newest first.
  std::vector<key::NodePublic> prev_node_keys;
  // The first signature of the chain (usually direct or credential); empty
  // if the chain ends in a rotation without a nested signature.
  std::optional<NodeKeySignature> initial_sig;
};

// CBOR codec hooks.
void encode_node_key_signature(cbor::Encoder& enc, const NodeKeySignature& sig, bool with_signature = true);
cbor::MaybeError decode_node_key_signature(cbor::Reader& r, NodeKeySignature& sig);

// Upstream Authority.NodeKeyAuthorizedWithDetails, given the authority's
// current state: decodes `marshaled`, finds the authorizing key among the
// trusted keys and verifies. Returns rotation details for rotation
// signatures, nullopt otherwise. Errors are upstream's ("unserialize: ...",
// "credential signatures cannot authorize nodes on their own", "key: key
// not found", "invalid signature", "signature does not authorize nodeKey",
// "nested: ...", ...).
Result<std::optional<RotationDetails>> node_key_authorized(const State& state, const key::NodePublic& node_key,
                                                           ByteView marshaled);

// node_key_authorized for many signatures at once (the server's
// init/finish): the same verdict for each item, with the Ed25519 checks of
// plain direct signatures (by far the common case) done in one batch
// (crypto::ed25519_verify_zip215_batch, whose verdict equals the single
// ZIP-215 verifier's); every other signature goes through
// node_key_authorized itself. Returns the index of the first item (in
// order) that node_key_authorized refuses and its error, or nullopt when
// every item is authorized.
struct NodeKeyToAuthorize {
  key::NodePublic node_key;
  ByteView marshaled;  // must stay valid during the call
};
struct NodeKeyRefusal {
  std::size_t index = 0;
  Error error;
};
std::optional<NodeKeyRefusal> node_keys_authorized(const State& state, std::span<const NodeKeyToAuthorize> items);

// Upstream ResignNKS: a rotation signature by `rotation_key` for `node_key`
// wrapping the old signature (chains are trimmed to kMaxPrevNodeKeys node
// keys, re-signed by `rotation_key`); the old signature verbatim if it is
// already for `node_key`.
Result<Bytes> resign_node_key_signature(const crypto::Ed25519Private& rotation_key, const key::NodePublic& node_key,
                                        ByteView old_signature);

// Upstream SignByCredential: a rotation signature by `credential_private`
// for `node_key` wrapping the credential signature `credential`.
Result<Bytes> sign_by_credential(const crypto::Ed25519Private& credential_private, const NodeKeySignature& credential,
                                 const key::NodePublic& node_key);

// Upstream DecodeWrappedAuthkey.
struct WrappedAuthKey {
  std::string auth_key;                     // without the wrapping suffix when wrapped
  bool is_wrapped = false;
  std::optional<NodeKeySignature> signature;  // the credential, when wrapped
  Bytes private_key;                        // Ed25519 private key (as given), when wrapped
  std::vector<std::string> log;             // upstream's diagnostics for malformed suffixes
};
WrappedAuthKey decode_wrapped_auth_key(std::string_view wrapped);

}  // namespace latchkey::tka
