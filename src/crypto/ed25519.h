// Ed25519 signatures: signing (RFC 8032, libsodium) and two verifiers with
// different acceptance rules, both needed for Tailnet Lock compatibility
// (upstream tka/sig.go, tka/aum.go):
//
//  - ed25519_verify: exactly Go's crypto/ed25519.Verify (rotation
//    signatures). Rejects sig[63] & 0xe0 != 0; A is decoded leniently as
//    filippo.io/edwards25519 Point.SetBytes does (y >= p and x = 0 with the
//    sign bit set accepted, small- and mixed-order points accepted, only
//    encodings with no curve point rejected); S must be canonical (< L);
//    k = SHA-512(R || A || M) mod L over the original bytes; the cofactorless
//    R' = [S]B - [k]A must re-encode to exactly the 32 R bytes.
//  - ed25519_verify_zip215: exactly github.com/hdevalence/ed25519consensus
//    v0.2.0 Verify (AUM signatures, direct and credential node-key
//    signatures). A and R both decoded leniently as above, S < L, k from the
//    original bytes, and the cofactored [8]([S]B - R - [k]A) must be the
//    identity.
//
// Both public verifiers run one code path (ed25519.cpp): A comes from a
// small cache of decoded keys (ed25519_key_cache.h), R' = [S]B - [k]A from
// the double-base multiplication with a static base-point table
// (ed25519_double_base.h), and R' is encoded and compared with the R bytes;
// equal bytes settle both rules, and only ZIP-215 goes on, when they
// differ, to decode R and check the cofactored equation. This is faster
// than libsodium's crypto_sign_verify_detached (docs/performance.md), so
// libsodium is not consulted. The group code is ours (ed25519_field.h,
// ed25519_point.h): libsodium and OpenSSL reject the lenient encodings
// these rules must accept. SHA-512 comes from OpenSSL, the reduction mod L
// from libsodium (crypto_core_ed25519_scalar_reduce), well-tested code
// that needs no leniency.
//
// Batch verification (ed25519_verify_zip215_batch) checks many ZIP-215
// signatures at once with one random linear combination; see below.
#pragma once

#include <span>

#include "base/bytes.h"

namespace latchkey::crypto {

constexpr std::size_t kEd25519SeedSize = 32;
constexpr std::size_t kEd25519PublicSize = 32;
constexpr std::size_t kEd25519PrivateSize = 64;  // seed || public, as Go
constexpr std::size_t kEd25519SignatureSize = 64;

using Ed25519Seed = ByteArray<kEd25519SeedSize>;
using Ed25519Public = ByteArray<kEd25519PublicSize>;
using Ed25519Private = ByteArray<kEd25519PrivateSize>;
using Ed25519Signature = ByteArray<kEd25519SignatureSize>;

Ed25519Private ed25519_from_seed(const Ed25519Seed& seed);
Ed25519Private ed25519_generate();
Ed25519Public ed25519_public(const Ed25519Private& priv);

Ed25519Signature ed25519_sign(const Ed25519Private& priv, ByteView message);

// Sizes are checked: a public key that is not 32 bytes or a signature that is
// not 64 bytes fails verification.
bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature);
bool ed25519_verify_zip215(ByteView public_key, ByteView message, ByteView signature);

// The same two rules computed the plain way, as a reference for tests,
// fuzzing and benchmarks: A decoded on every call, the generic
// double_scalar_mult_base_vartime, and for ZIP-215 always the cofactored
// equation. The verdicts are identical to the functions above.
bool ed25519_verify_exact(ByteView public_key, ByteView message, ByteView signature);
bool ed25519_verify_zip215_exact(ByteView public_key, ByteView message, ByteView signature);

// One (public key, message, signature) triple of a batch. The views must stay
// valid during the call; nothing is retained afterwards.
struct Ed25519BatchItem {
  ByteView public_key;
  ByteView message;
  ByteView signature;
};

// True iff every item verifies under ed25519_verify_zip215 (true for an empty
// batch). Checks [8]( -[sum z_i S_i]B + sum [z_i]R_i + sum [z_i k_i]A_i ) = 0
// for fresh random 128-bit z_i with one multiscalar multiplication; terms of
// items that share a public key (same 32 bytes) are merged into one. Because
// the check is cofactored, a batch accepts exactly when all singles accept
// (a false accept needs a 2^-128 coincidence of the random weights). A false
// result does not say which item failed: verify the items one by one to find
// it. Nothing is cached across calls.
bool ed25519_verify_zip215_batch(std::span<const Ed25519BatchItem> items);

}  // namespace latchkey::crypto
