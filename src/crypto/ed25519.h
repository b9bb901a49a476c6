// Ed25519 signatures: signing (RFC 8032, libsodium) and two verifiers with
// different acceptance rules, both needed for Tailnet Lock compatibility:
//
//  - ed25519_verify: Go's crypto/ed25519 rules (rotation signatures). A may
//    be any encoding that decodes to a curve point (non-canonical y and
//    small-order points accepted), S must be canonical (< L), and the
//    cofactorless R' = [S]B - [k]A must re-encode to exactly the R bytes.
//  - ed25519_verify_zip215: ZIP-215 rules as github.com/hdevalence/
//    ed25519consensus (AUM signatures, direct and credential node-key
//    signatures). A and R may be non-canonical encodings, S < L, and the
//    cofactored equation [8]([S]B - R - [k]A) = identity must hold.
//
// Fast path: a signature libsodium's strict verifier accepts is accepted by
// both rule sets, so libsodium answers first; only its rejections go through
// the exact rule (see ed25519_point.h for the group code that does that).
#pragma once

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

}  // namespace latchkey::crypto
