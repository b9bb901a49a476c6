// ZIP-215 batch verification (declared in ed25519.h). The same equation as
// ed25519consensus's BatchVerifier (batch.go), with terms of a repeated
// public key merged before the multiscalar multiplication: Tailnet Lock
// chains are signed by a handful of keys, so the batch costs one point
// decoding (of R) and one 128-bit bucket addition per signature.
#include <sodium.h>

#include <cstring>
#include <unordered_map>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/ed25519_msm.h"
#include "crypto/ed25519_point.h"
#include "crypto/ed25519_scalar.h"
#include "crypto/random.h"

namespace latchkey::crypto {

namespace ed = edwards25519;

namespace {

struct KeyBytesHash {
  std::size_t operator()(const ByteArray<32>& k) const {
    std::uint64_t h;
    std::memcpy(&h, k.data(), sizeof h);
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

// All items signed by one public key: its point and sum z_i k_i.
struct KeyTerm {
  ed::AffinePoint point;
  ed::ScalarAccumulator coefficient;
};

}  // namespace

bool ed25519_verify_zip215_batch(std::span<const Ed25519BatchItem> items) {
  const std::size_t n = items.size();
  if (n == 0) return true;

  std::vector<ed::ShortScalar> weights(n);
  random_bytes({reinterpret_cast<std::uint8_t*>(weights.data()), n * sizeof(ed::ShortScalar)});

  // Short terms: [z_i]R_i. Long terms: [-sum z_i S_i]B and [sum z_i k_i]A_j.
  std::vector<ed::Scalar> r_scalars(n);
  std::vector<ed::AffinePoint> r_points(n);
  ed::ScalarAccumulator b_coefficient;
  std::vector<KeyTerm> keys;
  std::unordered_map<ByteArray<32>, std::size_t, KeyBytesHash> key_index;

  for (std::size_t i = 0; i < n; ++i) {
    const Ed25519BatchItem& item = items[i];
    if (item.public_key.size() != kEd25519PublicSize || item.signature.size() != kEd25519SignatureSize) return false;
    const std::uint8_t* sig = item.signature.data();
    if (!ed::scalar_bytes_are_canonical(sig + 32)) return false;
    const std::optional<ed::AffinePoint> r = ed::decode_point(sig);
    if (!r) return false;

    ByteArray<32> key;
    std::memcpy(key.data(), item.public_key.data(), key.size());
    auto [it, inserted] = key_index.try_emplace(key, keys.size());
    if (inserted) {
      const std::optional<ed::AffinePoint> a = ed::decode_point(key.data());
      if (!a) return false;
      keys.push_back(KeyTerm{*a, {}});
    }

    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, sig, 32);
    crypto_hash_sha512_update(&st, key.data(), key.size());
    crypto_hash_sha512_update(&st, item.message.data(), item.message.size());
    std::uint8_t digest[crypto_hash_sha512_BYTES];
    crypto_hash_sha512_final(&st, digest);
    const ed::Scalar k = ed::scalar_reduce_wide(digest);

    const ed::ShortScalar z = weights[i];
    keys[it->second].coefficient.add_product(z, k);
    b_coefficient.add_product(z, ed::scalar_from_bytes(sig + 32));
    r_scalars[i] = ed::Scalar{{z.lo, z.hi, 0, 0}};
    r_points[i] = *r;
  }

  std::vector<ed::Scalar> long_scalars;
  std::vector<ed::AffinePoint> long_points;
  long_scalars.reserve(keys.size() + 1);
  long_points.reserve(keys.size() + 1);
  long_scalars.push_back(ed::scalar_negate(b_coefficient.reduce()));
  long_points.push_back(ed::basepoint());
  for (const KeyTerm& t : keys) {
    long_scalars.push_back(t.coefficient.reduce());
    long_points.push_back(t.point);
  }

  const ed::Point short_sum = ed::multiscalar_mult_vartime(r_scalars, r_points);
  const ed::Point long_sum = ed::multiscalar_mult_vartime(long_scalars, long_points);
  const ed::Point total = ed::point_add(short_sum, ed::to_cached(long_sum));
  return ed::is_identity(ed::mul_by_cofactor(total));
}

}  // namespace latchkey::crypto
