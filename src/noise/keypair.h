// A static X25519 keypair with its public half computed once. The server's
// Noise control key is one of these (its public half enters every handshake,
// so it is derived once at startup, not per connection), and so is a
// client's machine key.
#pragma once

#include "crypto/x25519.h"

namespace latchkey::noise {

struct Keypair {
  crypto::X25519Scalar private_key{};
  crypto::X25519Point public_key{};

  // Derives the public half (one fixed-base scalar multiplication).
  static Keypair from_private(const crypto::X25519Scalar& private_key) {
    return Keypair{private_key, crypto::x25519_public(private_key)};
  }
  // A fresh random keypair.
  static Keypair generate() { return from_private(crypto::x25519_generate()); }
};

}  // namespace latchkey::noise
