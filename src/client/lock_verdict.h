// A peer's Tailnet Lock verdict, as upstream's peer filter decides it
// (ipn/ipnlocal/tailnet-lock.go tkaFilterNetmapLocked), split so that an
// authority change costs no cryptography where it need not:
//  - SigCheck: what a (node key, KeySignature) pair says on its own — decoded
//    once, its authorizing key ID, and the Ed25519 result once that key is
//    trusted. A Key25519 key ID is the public key itself, so the result
//    depends on the authority only through "is this key ID trusted".
//  - LockView: the authority the verdicts are judged against.
//  - judge(): the verdict from the two plus the rotation tracker's answer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "key/node_key.h"
#include "tka/state.h"

namespace latchkey::client {

enum class LockVerdict : std::uint8_t {
  None,          // no lock on this tailnet (or not for this node)
  Pending,       // lock wanted, no verified authority yet: admitted (fail-open)
  Exempt,        // UnsignedPeerAPIOnly: not subject to the lock
  Authorized,    // signature verifies against a trusted key
  Unsigned,      // no KeySignature
  Unauthorized,  // signature refused; the reason is upstream's error text
  ObsoleteKey,   // a key rotated away from (or a tie within one wrapping key)
};
inline constexpr std::size_t kLockVerdictCount = 7;

// "none", "pending", "exempt", "authorized", "unsigned", "unauthorized",
// "obsolete_key": the stable names of the status JSON.
std::string_view verdict_name(LockVerdict v);
// The verdicts upstream's filter drops (its FilteredPeers).
bool is_rejection(LockVerdict v);

// The authority verdicts are judged against. Immutable once built; shared.
struct LockView {
  enum class State : std::uint8_t { Off, Pending, Active };
  State state = State::Off;
  std::shared_ptr<const tka::State> authority;  // set iff Active

  static std::shared_ptr<const LockView> off();
  static std::shared_ptr<const LockView> pending();
  static std::shared_ptr<const LockView> active(tka::State authority);
};

// What a verified rotation signature tells the rotation tracker
// (upstream RotationDetails, reduced to what the tracker reads).
struct RotationFacts {
  std::vector<key::NodePublic> prev_node_keys;  // newest first
  // The wrapping key of the chain's initial signature when that signature
  // is direct (only such chains are grouped); empty otherwise.
  Bytes direct_wrapping_key;
  friend bool operator==(const RotationFacts&, const RotationFacts&) = default;
};

class SigCheck {
 public:
  enum class Shape : std::uint8_t { Unsigned, Malformed, Checkable };
  enum class Crypto : std::uint8_t { Unknown, Verified, Failed };

  SigCheck() = default;
  // Decodes and classifies; no cryptography.
  static SigCheck examine(const key::NodePublic& node_key, ByteView marshaled);

  Shape shape() const { return shape_; }
  Crypto crypto() const { return crypto_; }
  const Bytes& key_id() const { return key_id_; }
  // Direct signature for this node key by an Ed25519 key: batchable.
  bool plain_direct() const { return plain_direct_; }

  // Whether the authority trusts the signing key: the table's per-peer
  // question, answered without building upstream's error text.
  bool trusts(const tka::State& authority) const;
  // The same question for a verdict: nothing when trusted, else the reason
  // upstream gives ("key: key not found").
  std::optional<std::string> untrusted_reason(const tka::State& authority) const;
  // Runs the Ed25519 checks (upstream verifySignature and rotationDetails)
  // with the trusted key; a no-op when already done. `marshaled` must be
  // the signature this check was made from.
  void verify(const key::NodePublic& node_key, ByteView marshaled, const tka::State& authority);
  // Records a batch verification's outcome for a plain direct signature.
  void set_batch_verified() { crypto_ = Crypto::Verified; }

  // Malformed or failed: upstream's error text.
  const std::string& error() const { return error_; }
  // Verified rotation signature: what the rotation tracker needs.
  const std::optional<RotationFacts>& rotation() const { return rotation_; }

 private:
  Shape shape_ = Shape::Unsigned;
  Crypto crypto_ = Crypto::Unknown;
  bool plain_direct_ = false;
  Bytes key_id_;
  std::string error_;
  std::optional<RotationFacts> rotation_;
};

struct Judgement {
  LockVerdict verdict = LockVerdict::None;
  std::string reason;  // empty unless refused
};

// The verdict for a peer whose SigCheck is verified as far as the view
// needs (verify() done when the key is trusted). `obsolete` is the rotation
// tracker's answer for the peer's node key.
Judgement judge(const LockView& view, bool unsigned_peer_api_only, const SigCheck& check, bool obsolete);

// Ed25519 checks for many (node key, signature) pairs against one
// authority: plain direct signatures by trusted keys are verified in
// batches (a failing batch falls back to single checks, so each item gets
// its own verdict); everything else singly. Items already verified or whose
// key is untrusted are left alone.
struct VerifyItem {
  const key::NodePublic* node_key;
  ByteView marshaled;
  SigCheck* check;
};
void verify_all(std::span<const VerifyItem> items, const tka::State& authority);

}  // namespace latchkey::client
