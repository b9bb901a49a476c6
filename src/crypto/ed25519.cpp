#include "crypto/ed25519.h"

#include <sodium.h>

#include <cstring>

#include "crypto/ed25519_challenge.h"
#include "crypto/ed25519_double_base.h"
#include "crypto/ed25519_key_cache.h"
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

// The path both public verifiers take: A from the key cache, R' = [S]B - [k]A
// with the static base-point table, then R' encoded and compared with the
// R bytes (one inversion). Equal encodings settle both rules (R is then
// the canonical encoding of R', so [8](R' - R) is the identity as well).
// Otherwise Go's rule rejects, and ZIP-215 decodes R leniently and checks
// the cofactored equation, which small-order components and non-canonical
// R encodings can still satisfy.
bool verify_with_cache(ByteView public_key, ByteView message, ByteView signature, bool zip215) {
  if (!sizes_ok(public_key, signature)) return false;
  if ((signature[63] & 0xe0) != 0) return false;
  const std::shared_ptr<const ed::DecodedKey> a = ed::verifier_key_cache().get(public_key.data());
  if (!a) return false;
  if (!ed::scalar_bytes_are_canonical(signature.data() + 32)) return false;
  thread_local ed::ChallengeHasher hasher;
  const ed::Scalar k = hasher(signature.data(), public_key.data(), message);
  const ed::Scalar s = ed::scalar_from_bytes(signature.data() + 32);
  const ed::Point r = a->wide ? ed::base_mult_minus_vartime(s, k, *a->wide)
                              : ed::base_mult_minus_vartime(s, k, a->multiples);
  const std::array<std::uint8_t, 32> encoded = ed::encode_point(r);
  if (std::memcmp(encoded.data(), signature.data(), 32) == 0) return true;
  if (!zip215) return false;
  const std::optional<ed::AffinePoint> check_r = ed::decode_point(signature.data());
  if (!check_r) return false;
  return ed::is_identity(ed::mul_by_cofactor(ed::point_sub(r, ed::to_cached(ed::to_extended(*check_r)))));
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
  return verify_with_cache(public_key, message, signature, false);
}

bool ed25519_verify_zip215(ByteView public_key, ByteView message, ByteView signature) {
  return verify_with_cache(public_key, message, signature, true);
}

}  // namespace latchkey::crypto
