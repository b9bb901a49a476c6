// Fuzzes edwards25519 point decoding (the lenient filippo.io/edwards25519
// SetBytes rules) with arbitrary 32-byte inputs:
//  - whatever libsodium considers a valid point decodes and re-encodes to
//    the same bytes,
//  - a decoded point is on the curve, re-encodes canonically, and that
//    encoding decodes to the same point,
//  - a canonical input (y < p, and not x = 0 with the sign bit set)
//    re-encodes to itself,
//  - decoding several at once agrees with decoding one at a time.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/ed25519_field.h"
#include "crypto/ed25519_point.h"
#include "crypto/random.h"

namespace {

using namespace latchkey::crypto;
using namespace latchkey::crypto::edwards25519;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

bool on_curve(const AffinePoint& p) {
  const FieldElement x2 = fe_sq(p.x), y2 = fe_sq(p.y);
  return fe_equal(fe_sub(y2, x2), fe_add(kFeOne, fe_mul(kFeD, fe_mul(x2, y2))));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ensure_sodium();
  if (size < 32) return 0;
  const std::uint8_t* in = data;
  const std::optional<AffinePoint> p = decode_point(in);
  if (crypto_core_ed25519_is_valid_point(in) == 1) {
    check(p.has_value(), "libsodium-valid point rejected");
  }
  // Up to five more encodings from the rest of the input, decoded together.
  std::vector<const std::uint8_t*> many = {in};
  for (std::size_t at = 32; at + 32 <= size && many.size() < 6; at += 32) many.push_back(data + at);
  std::vector<AffinePoint> out(many.size());
  bool all = true;
  for (const std::uint8_t* e : many) all = all && decode_point(e).has_value();
  check(decode_points(many, out) == all, "decode_points disagrees with decode_point");
  if (all) {
    for (std::size_t i = 0; i < many.size(); ++i) {
      check(encode_point(to_extended(out[i])) == encode_point(to_extended(*decode_point(many[i]))),
            "decode_points gave a different point");
    }
  }
  if (!p) return 0;
  check(on_curve(*p), "decoded point not on the curve");
  const std::array<std::uint8_t, 32> enc = encode_point(to_extended(*p));
  const std::optional<AffinePoint> again = decode_point(enc.data());
  check(again.has_value() && point_equal(to_extended(*again), to_extended(*p)), "re-encoding does not round-trip");
  check(encode_point(to_extended(*again)) == enc, "canonical encoding not stable");
  // Canonical input: y < p and not (x = 0 with the sign bit set).
  std::uint8_t y[32];
  std::memcpy(y, in, 32);
  y[31] &= 0x7f;
  const bool y_canonical = fe_to_bytes(fe_from_bytes(y)) == std::to_array(y);
  const bool sign_meaningless = fe_is_zero(p->x) && (in[31] & 0x80) != 0;
  if (y_canonical && !sign_meaningless) check(std::memcmp(enc.data(), in, 32) == 0, "canonical input re-encoded differently");
  if (crypto_core_ed25519_is_valid_point(in) == 1) check(std::memcmp(enc.data(), in, 32) == 0, "libsodium-valid point re-encoded differently");
  return 0;
}
