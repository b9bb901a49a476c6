// Small wire types shared by the Tailnet Lock code (upstream
// types/tkatype/tkatype.go): key IDs, AUM signatures, signature digests.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/bytes.h"

namespace latchkey::tka {

// KeyID: identifies a trusted key. For Ed25519 keys it is the 32-byte public
// key, but it travels as a byte string of any length.
using KeyId = Bytes;

// Free-form key metadata (Go map[string]string).
using Metadata = std::map<std::string, std::string>;

// A Go []byte that may be nil: nullopt is nil (encoded as CBOR null), an
// empty vector is present but empty (encoded as an empty byte string).
using NullableBytes = std::optional<Bytes>;

// BLAKE2s-256 digests that signatures are made over.
using AumSigHash = ByteArray<32>;  // an AUM without its signatures
using NksSigHash = ByteArray<32>;  // a NodeKeySignature without its Signature

// One signature over an AUM (tkatype.Signature): CBOR map {1: KeyID,
// 2: Signature}, both always present (null when nil).
struct AumSignature {
  NullableBytes key_id;
  NullableBytes signature;

  bool operator==(const AumSignature&) const = default;
};

}  // namespace latchkey::tka
