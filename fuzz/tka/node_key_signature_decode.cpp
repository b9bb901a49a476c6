// Fuzzes NodeKeySignature decoding with upstream's decoder rules: no input
// may crash; an accepted signature re-encodes canonically, decodes again to
// the same value and re-encodes identically; the inspection helpers and a
// verification against a fixed state run without crashing.
#include <cstdint>
#include <cstdlib>

#include "tka/sig.h"

namespace {
void require(bool cond) {
  if (!cond) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace latchkey;
  const ByteView input(data, size);
  auto sig = tka::NodeKeySignature::unserialize(input);
  if (!sig.ok()) return 0;
  const Bytes encoded = sig->serialize();
  auto again = tka::NodeKeySignature::unserialize(encoded);
  require(again.ok());
  require(*again == *sig);
  require(again->serialize() == encoded);
  (void)sig->sig_hash();
  (void)sig->authorizing_key_id();
  (void)sig->wrapping_public();
  (void)sig->rotation_details();
  (void)sig->to_string();
  // Verification against a state trusting the signature's own key ID.
  tka::State state;
  state.keys.emplace();
  tka::Key key;
  key.kind = tka::KeyKind::Ed25519;
  key.votes = 1;
  if (auto id = sig->authorizing_key_id(); id.ok()) key.public_key = *id;
  state.keys->push_back(key);
  key::NodePublic node_key;
  if (auto np = key::NodePublic::from_binary(sig->pubkey); np.ok()) node_key = *np;
  (void)tka::node_key_authorized(state, node_key, input);
  return 0;
}
