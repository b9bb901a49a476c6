// Signer: something that can sign AUMs (upstream tka/builder.go Signer), and
// its plain implementation, an Ed25519 private key (as upstream's
// key.NLPrivate and test signer do). A signer may return several signatures
// (e.g. a multi-key signer), each carrying the ID of the key that made it.
#pragma once

#include <vector>

#include "base/result.h"
#include "crypto/ed25519.h"
#include "tka/key.h"
#include "tka/types.h"

namespace latchkey::tka {

class Signer {
 public:
  virtual ~Signer() = default;
  // Signatures over the AUM whose signature hash is `sig_hash`.
  virtual Result<std::vector<AumSignature>> sign_aum(const AumSigHash& sig_hash) const = 0;
};

// Signs with one Ed25519 private key; the key ID is its public key.
class Ed25519Signer final : public Signer {
 public:
  explicit Ed25519Signer(const crypto::Ed25519Private& priv) : priv_(priv) {}

  Result<std::vector<AumSignature>> sign_aum(const AumSigHash& sig_hash) const override;

  crypto::Ed25519Public public_key() const { return crypto::ed25519_public(priv_); }
  // The trusted-key form of this signer's public key, with `votes`.
  Key key(std::uint64_t votes) const;

 private:
  crypto::Ed25519Private priv_;
};

}  // namespace latchkey::tka
