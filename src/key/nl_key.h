// Tailnet Lock keys (upstream types/key/nl.go): the Ed25519 key pair a node
// uses to sign AUMs and node-key signatures. Text forms "nlpriv:<hex of the
// 64-byte private key (seed || public)>" and "nlpub:<hex>"; the CLI shows
// the public key as "tlpub:<hex>", and parsing accepts either prefix. A
// 25519 key's ID in the authority is its 32-byte public key.
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/ed25519.h"
#include "key/key_hash.h"

namespace latchkey::key {

class NLPublic {
 public:
  static constexpr std::string_view kTextPrefix = "nlpub:";
  static constexpr std::string_view kCliTextPrefix = "tlpub:";

  NLPublic() = default;  // the zero key
  static NLPublic from_raw(const crypto::Ed25519Public& raw) { return NLPublic(raw); }
  // Accepts "nlpub:<hex>" and "tlpub:<hex>".
  static Result<NLPublic> parse(std::string_view text);

  const crypto::Ed25519Public& raw() const { return k_; }
  bool is_zero() const { return k_ == crypto::Ed25519Public{}; }
  std::string to_string() const;   // "nlpub:<hex>" (MarshalText)
  std::string cli_string() const;  // "tlpub:<hex>"
  // The tka key ID (upstream tkatype.KeyID): the public key bytes.
  Bytes key_id() const { return Bytes(k_.begin(), k_.end()); }

  // Signature checks under the two rule sets Tailnet Lock uses: ZIP-215 for
  // AUMs and direct/credential node-key signatures, Go's crypto/ed25519 for
  // rotation signatures (see crypto/ed25519.h).
  bool verify_zip215(ByteView message, ByteView signature) const;
  bool verify_go(ByteView message, ByteView signature) const;

  friend bool operator==(const NLPublic&, const NLPublic&) = default;
  friend auto operator<=>(const NLPublic&, const NLPublic&) = default;

 private:
  explicit NLPublic(const crypto::Ed25519Public& raw) : k_(raw) {}
  crypto::Ed25519Public k_{};
};

class NLPrivate {
 public:
  static constexpr std::string_view kTextPrefix = "nlpriv:";

  NLPrivate() = default;  // the zero key
  static NLPrivate generate();
  static NLPrivate from_seed(const crypto::Ed25519Seed& seed);
  // The 64-byte form seed || public, taken as is (as upstream's text form,
  // the public half is not rederived from the seed).
  static NLPrivate from_raw(const crypto::Ed25519Private& raw) { return NLPrivate(raw); }
  static Result<NLPrivate> parse(std::string_view text);

  const crypto::Ed25519Private& raw() const { return k_; }
  bool is_zero() const;
  // The public half stored in the private key (bytes 32..63); the zero key
  // gives the zero public key, as upstream.
  NLPublic public_key() const;
  Bytes key_id() const { return public_key().key_id(); }
  std::string to_string() const;  // "nlpriv:<hex>"

  // An Ed25519 signature over message (an AUM or node-key-signature sighash).
  crypto::Ed25519Signature sign(ByteView message) const;

  // Constant time.
  friend bool operator==(const NLPrivate& a, const NLPrivate& b);

 private:
  explicit NLPrivate(const crypto::Ed25519Private& raw) : k_(raw) {}
  crypto::Ed25519Private k_{};
};

}  // namespace latchkey::key

template <>
struct std::hash<latchkey::key::NLPublic> : latchkey::key::KeyHash<latchkey::key::NLPublic> {};
