#include "crypto/ed25519.h"

#include <sodium.h>

#include <cstring>

#include "crypto/ed25519_challenge.h"
#include "crypto/ed25519_point.h"
#include "crypto/ed25519_scalar.h"
#include "crypto/random.h"

namespace latchkey::crypto {

namespace ed = edwards25519;

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

bool sizes_ok(ByteView public_key, ByteView signature) {
  return public_key.size() == kEd25519PublicSize && signature.size() == kEd25519SignatureSize;
}

bool sodium_verify(ByteView public_key, ByteView message, ByteView signature) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
}

// [S]B - [k]A for a decoded A, or nothing when A or S is unacceptable. Both
// rules share this part; they differ in how the result is compared with R.
std::optional<ed::Point> s_b_minus_k_a(ByteView public_key, ByteView message, ByteView signature) {
  if ((signature[63] & 0xe0) != 0) return std::nullopt;
  const std::optional<ed::AffinePoint> a = ed::decode_point(public_key.data());
  if (!a) return std::nullopt;
  if (!ed::scalar_bytes_are_canonical(signature.data() + 32)) return std::nullopt;
  const ed::Scalar k = ed::ChallengeHasher()(signature.data(), public_key.data(), message);
  const ed::Scalar s = ed::scalar_from_bytes(signature.data() + 32);
  return ed::double_scalar_mult_base_vartime(k, ed::point_negate(ed::to_extended(*a)), s);
}

}  // namespace

bool ed25519_verify_exact(ByteView public_key, ByteView message, ByteView signature) {
  if (!sizes_ok(public_key, signature)) return false;
  const std::optional<ed::Point> r = s_b_minus_k_a(public_key, message, signature);
  if (!r) return false;
  const std::array<std::uint8_t, 32> encoded = ed::encode_point(*r);
  return std::memcmp(encoded.data(), signature.data(), 32) == 0;
}

bool ed25519_verify_zip215_exact(ByteView public_key, ByteView message, ByteView signature) {
  if (!sizes_ok(public_key, signature)) return false;
  const std::optional<ed::AffinePoint> check_r = ed::decode_point(signature.data());
  if (!check_r) return false;
  const std::optional<ed::Point> r = s_b_minus_k_a(public_key, message, signature);
  if (!r) return false;
  const ed::Point diff = ed::point_sub(*r, ed::to_cached(ed::to_extended(*check_r)));
  return ed::is_identity(ed::mul_by_cofactor(diff));
}

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  if (!sizes_ok(public_key, signature)) return false;
  return sodium_verify(public_key, message, signature) || ed25519_verify_exact(public_key, message, signature);
}

bool ed25519_verify_zip215(ByteView public_key, ByteView message, ByteView signature) {
  if (!sizes_ok(public_key, signature)) return false;
  return sodium_verify(public_key, message, signature) || ed25519_verify_zip215_exact(public_key, message, signature);
}

}  // namespace latchkey::crypto
