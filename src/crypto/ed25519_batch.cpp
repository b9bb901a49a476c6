// ZIP-215 batch verification (declared in ed25519.h). The same equation as
// ed25519consensus's BatchVerifier (batch.go), with terms of a repeated
// public key merged before the multiscalar multiplication: Tailnet Lock
// chains are signed by a handful of keys, so the batch costs one point
// decoding (of R) and one 128-bit bucket addition per signature.
#include <cstring>
#include <unordered_map>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/ed25519_challenge.h"
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

}  // namespace

bool ed25519_verify_zip215_batch(std::span<const Ed25519BatchItem> items) {
  const std::size_t n = items.size();
  if (n == 0) return true;

  // Shape checks first, so a malformed item costs nothing else.
  std::vector<const std::uint8_t*> r_encodings(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Ed25519BatchItem& item = items[i];
    if (item.public_key.size() != kEd25519PublicSize || item.signature.size() != kEd25519SignatureSize) return false;
    if (!ed::scalar_bytes_are_canonical(item.signature.data() + 32)) return false;
    r_encodings[i] = item.signature.data();
  }

  // Distinct public keys (by their bytes: two encodings of one point hash
  // differently into k, but may share a term only if the bytes match).
  std::vector<std::size_t> key_of_item(n);
  std::vector<const std::uint8_t*> key_encodings;
  std::unordered_map<ByteArray<32>, std::size_t, KeyBytesHash> key_index;
  for (std::size_t i = 0; i < n; ++i) {
    ByteArray<32> key;
    std::memcpy(key.data(), items[i].public_key.data(), key.size());
    auto [it, inserted] = key_index.try_emplace(key, key_encodings.size());
    if (inserted) key_encodings.push_back(items[i].public_key.data());
    key_of_item[i] = it->second;
  }

  std::vector<ed::AffinePoint> r_points(n), key_points(key_encodings.size());
  if (!ed::decode_points(r_encodings, r_points)) return false;
  if (!ed::decode_points(key_encodings, key_points)) return false;

  std::vector<ed::ShortScalar> weights(n);
  random_bytes({reinterpret_cast<std::uint8_t*>(weights.data()), n * sizeof(ed::ShortScalar)});

  // Short terms: [z_i]R_i. Long terms: [-sum z_i S_i]B and [sum z_i k_i]A_j.
  std::vector<ed::Scalar> r_scalars(n);
  ed::ScalarAccumulator b_coefficient;
  std::vector<ed::ScalarAccumulator> key_coefficients(key_encodings.size());
  ed::ChallengeHasher challenge;
  for (std::size_t i = 0; i < n; ++i) {
    const Ed25519BatchItem& item = items[i];
    const ed::ShortScalar z = weights[i];
    const ed::Scalar k = challenge(item.signature.data(), item.public_key.data(), item.message);
    key_coefficients[key_of_item[i]].add_product(z, k);
    b_coefficient.add_product(z, ed::scalar_from_bytes(item.signature.data() + 32));
    r_scalars[i] = ed::Scalar{{z.lo, z.hi, 0, 0}};
  }

  std::vector<ed::Scalar> long_scalars;
  std::vector<ed::AffinePoint> long_points;
  long_scalars.reserve(key_points.size() + 1);
  long_points.reserve(key_points.size() + 1);
  long_scalars.push_back(ed::scalar_negate(b_coefficient.reduce()));
  long_points.push_back(ed::basepoint());
  for (std::size_t j = 0; j < key_points.size(); ++j) {
    long_scalars.push_back(key_coefficients[j].reduce());
    long_points.push_back(key_points[j]);
  }

  const ed::Point short_sum = ed::multiscalar_mult_vartime(r_scalars, r_points);
  const ed::Point long_sum = ed::multiscalar_mult_vartime(long_scalars, long_points);
  const ed::Point total = ed::point_add(short_sum, ed::to_cached(long_sum));
  return ed::is_identity(ed::mul_by_cofactor(total));
}

}  // namespace latchkey::crypto
