#include "crypto/x25519.h"

#include <sodium.h>

#include "crypto/random.h"

namespace latchkey::crypto {

void x25519_clamp(X25519Scalar& scalar) {
  scalar[0] &= 248;
  scalar[31] &= 127;
  scalar[31] |= 64;
}

X25519Scalar x25519_generate() {
  X25519Scalar s;
  random_bytes(s);
  x25519_clamp(s);
  return s;
}

X25519Point x25519_public(const X25519Scalar& scalar) {
  ensure_sodium();
  X25519Point p;
  crypto_scalarmult_curve25519_base(p.data(), scalar.data());
  return p;
}

Result<X25519Point> x25519_shared(const X25519Scalar& scalar, const X25519Point& point) {
  ensure_sodium();
  X25519Point out;
  // libsodium returns -1 exactly when the output is all zeros.
  if (crypto_scalarmult_curve25519(out.data(), scalar.data(), point.data()) != 0) {
    return Error{"x25519: peer public key has small order (all-zero shared secret)"};
  }
  return out;
}

}  // namespace latchkey::crypto
