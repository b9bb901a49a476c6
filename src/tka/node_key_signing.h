// What a signing node does with its own lock key (upstream
// ipn/ipnlocal/tailnet-lock.go signNodeKey and the keys of `tailscale lock
// init/add`): a direct signature authorizing a node key, and the trusted-key
// entry for a lock public key. Kept apart from sig.h (the signature format
// and its verification), which most of the server includes.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "key/nl_key.h"
#include "key/node_key.h"
#include "tka/key.h"

namespace latchkey::tka {

// A direct NodeKeySignature of `node_key` by `signer`, wrapping
// `wrapping_pubkey` (the signed node's own lock key, which may later sign
// its rotations; empty for none), serialized.
Bytes sign_node_key(const key::NLPrivate& signer, const key::NodePublic& node_key, ByteView wrapping_pubkey);

// The trusted Ed25519 key for `pub` with `votes`.
Key trusted_key(const key::NLPublic& pub, std::uint64_t votes = 1);

}  // namespace latchkey::tka
