#include "tka/signer.h"

namespace latchkey::tka {

Result<std::vector<AumSignature>> Ed25519Signer::sign_aum(const AumSigHash& sig_hash) const {
  const crypto::Ed25519Public pub = crypto::ed25519_public(priv_);
  const crypto::Ed25519Signature sig = crypto::ed25519_sign(priv_, sig_hash);
  return std::vector<AumSignature>{AumSignature{Bytes(pub.begin(), pub.end()), Bytes(sig.begin(), sig.end())}};
}

Key Ed25519Signer::key(std::uint64_t votes) const {
  const crypto::Ed25519Public pub = crypto::ed25519_public(priv_);
  Key k;
  k.kind = KeyKind::Ed25519;
  k.votes = votes;
  k.public_key = Bytes(pub.begin(), pub.end());
  return k;
}

}  // namespace latchkey::tka
