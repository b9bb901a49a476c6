#include "crypto/ed25519.h"

#include <sodium.h>

#include <cstring>

#include "crypto/random.h"

namespace latchkey::crypto {

Ed25519Private ed25519_from_seed(const Ed25519Seed& seed) {
  ensure_sodium();
  Ed25519Public pub;
  Ed25519Private priv;
  crypto_sign_seed_keypair(pub.data(), priv.data(), seed.data());
  return priv;
}

Ed25519Private ed25519_generate() {
  Ed25519Seed seed;
  random_bytes(seed);
  return ed25519_from_seed(seed);
}

Ed25519Public ed25519_public(const Ed25519Private& priv) {
  Ed25519Public pub;
  std::memcpy(pub.data(), priv.data() + kEd25519SeedSize, pub.size());
  return pub;
}

Ed25519Signature ed25519_sign(const Ed25519Private& priv, ByteView message) {
  ensure_sodium();
  Ed25519Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), priv.data());
  return sig;
}

namespace {
bool sodium_verify(ByteView public_key, ByteView message, ByteView signature) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
}
}  // namespace

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != kEd25519PublicSize || signature.size() != kEd25519SignatureSize) return false;
  return sodium_verify(public_key, message, signature);
}

bool ed25519_verify_zip215(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != kEd25519PublicSize || signature.size() != kEd25519SignatureSize) return false;
  return sodium_verify(public_key, message, signature);
}

}  // namespace latchkey::crypto
