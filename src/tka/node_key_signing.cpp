#include "tka/node_key_signing.h"

#include "tka/sig.h"

namespace latchkey::tka {

Bytes sign_node_key(const key::NLPrivate& signer, const key::NodePublic& node_key, ByteView wrapping_pubkey) {
  NodeKeySignature sig;
  sig.kind = SigKind::Direct;
  const auto bin = node_key.to_binary();
  sig.pubkey = Bytes(bin.begin(), bin.end());
  sig.key_id = signer.key_id();
  sig.wrapping_pubkey = Bytes(wrapping_pubkey.begin(), wrapping_pubkey.end());
  const auto s = signer.sign(sig.sig_hash());
  sig.signature = Bytes(s.begin(), s.end());
  return sig.serialize();
}

Key trusted_key(const key::NLPublic& pub, std::uint64_t votes) {
  Key k;
  k.kind = KeyKind::Ed25519;
  k.votes = votes;
  k.public_key = pub.key_id();
  return k;
}

}  // namespace latchkey::tka
