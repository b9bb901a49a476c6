// X25519 variable-base scalar multiplication (RFC 7748 Montgomery ladder) on
// 4 x 64-bit limbs with the BMI2/ADX instructions (mulx, adcx, adox). The
// server spends almost all of a Noise handshake in four of these; this ladder
// runs them faster than libsodium's AVX (sandy2x) ladder on CPUs with ADX.
// x25519.cpp picks it at run time and keeps libsodium where it is absent.
#pragma once

#include <array>
#include <cstdint>

namespace latchkey::crypto::x25519_adx {

// True when this build has the ladder (x86-64) and the CPU has BMI2 and ADX.
bool available();

// out = X25519(scalar, u) exactly as RFC 7748 section 5 defines it: the
// scalar is clamped here, bit 255 of u is ignored and a non-canonical u
// (>= 2^255 - 19) is reduced. Constant time in scalar and u. Callable only
// when available().
void scalarmult(std::uint8_t out[32], const std::uint8_t scalar[32], const std::uint8_t u[32]);

// Two and three independent scalar multiplications run in lockstep: the same
// results as separate calls, in less time than they take one after another.
void scalarmult2(std::uint8_t out0[32], const std::uint8_t scalar0[32], const std::uint8_t u0[32],
                 std::uint8_t out1[32], const std::uint8_t scalar1[32], const std::uint8_t u1[32]);
void scalarmult3(std::uint8_t* const out[3], const std::uint8_t* const scalar[3], const std::uint8_t* const u[3]);

// The field arithmetic underneath, exposed for tests against an independent
// reference (x86-64 with BMI2/ADX only). Limbs are little-endian; inputs may
// be any value below 2^256 and results are below 2^256, congruent mod p.
namespace detail {
using Fe = std::array<std::uint64_t, 4>;
Fe mul(const Fe& a, const Fe& b);
Fe sqr(const Fe& a);
Fe mul_small(const Fe& a, std::uint32_t k);
Fe add(const Fe& a, const Fe& b);
Fe sub(const Fe& a, const Fe& b);
Fe invert(const Fe& a);
std::array<std::uint8_t, 32> canonical_bytes(const Fe& a);  // the residue < p
}  // namespace detail

}  // namespace latchkey::crypto::x25519_adx
