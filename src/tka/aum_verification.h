// Verification of an AUM before it may be stored (upstream tka/tka.go
// aumVerify and checkParent): static validity, the parent link, at least one
// signature, every signature by a key trusted in the state at the parent and
// valid under ZIP-215, and never removing the last trusted key.
//
// The Ed25519 equations are the expensive part, so they can be deferred:
// check_aum_deferring_signatures() performs every other check in upstream's order and appends the
// equations it would have checked to a SignatureBatch, whose entries stay in
// that order. A caller that verifies the batch and, on failure, looks for the
// first bad entry reports exactly the error upstream's sequential checks
// would have reported.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "base/result.h"
#include "crypto/ed25519.h"
#include "tka/aum.h"
#include "tka/state.h"

namespace latchkey::tka {

// One deferred signature check over an AUM's signature hash.
struct DeferredSignature {
  crypto::Ed25519Public public_key{};
  AumSigHash digest{};
  crypto::Ed25519Signature signature{};
  std::size_t update_index = 0;     // position of the AUM in its batch
  std::size_t signature_index = 0;  // position of the signature in the AUM
};

// Deferred signature checks, in the order upstream would check them.
class SignatureBatch {
 public:
  void add(const DeferredSignature& sig) { entries_.push_back(sig); }
  void reserve(std::size_t n) { entries_.reserve(n); }
  std::size_t size() const { return entries_.size(); }
  const std::vector<DeferredSignature>& entries() const { return entries_; }

  // True when every signature is valid under ZIP-215 (one batched check;
  // ZIP-215 batch and single verification accept the same signatures).
  bool all_valid() const;
  // The first invalid entry, checked one at a time; nullopt when all pass.
  std::optional<DeferredSignature> first_invalid() const;

 private:
  std::vector<DeferredSignature> entries_;
};

// Upstream aumVerify (with checkParent) with the Ed25519 equations deferred
// to `batch` (tagged with `update_index`). `sig_hash` is aum.sig_hash(). A
// genesis (bootstrap) AUM is not checked against the state's parent.
Status check_aum_deferring_signatures(const Aum& aum, const AumSigHash& sig_hash, const State& state,
                                      bool is_genesis, std::size_t update_index, SignatureBatch& batch);

// Upstream aumVerify, signatures included: check_aum_deferring_signatures
// followed by the deferred checks, reporting what upstream reports first.
Status verify_aum_now(const Aum& aum, const State& state, bool is_genesis);

}  // namespace latchkey::tka
