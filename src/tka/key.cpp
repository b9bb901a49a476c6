#include "tka/key.h"

#include <array>

#include "cbor/wellformed.h"
#include "crypto/ed25519.h"

namespace latchkey::tka {

std::string key_kind_name(KeyKind kind) {
  switch (kind) {
    case KeyKind::Invalid: return "invalid";
    case KeyKind::Ed25519: return "25519";
  }
  return "Key?<" + std::to_string(static_cast<unsigned>(kind)) + ">";
}

Result<KeyId> Key::id() const {
  if (kind == KeyKind::Ed25519) return public_key.value_or(Bytes{});
  return Error{"unknown key kind: " + key_kind_name(kind)};
}

Status Key::static_validate() const {
  if (votes > kMaxKeyVotes) {
    return Error{"excessive key weight: " + std::to_string(votes) + " > " + std::to_string(kMaxKeyVotes)};
  }
  if (votes == 0) return Error{"key votes must be non-zero"};
  std::uint64_t meta_bytes = 0;
  if (meta) {
    for (const auto& [k, v] : *meta) meta_bytes += k.size() + v.size();
  }
  if (meta_bytes > kMaxMetaBytes) {
    return Error{"key metadata too big (" + std::to_string(meta_bytes) + " > " + std::to_string(kMaxMetaBytes) + ")"};
  }
  if (kind != KeyKind::Ed25519) return Error{"unrecognized key kind: " + key_kind_name(kind)};
  return {};
}

void encode_key(cbor::Encoder& enc, const Key& key) {
  const bool has_meta = key.meta && !key.meta->empty();
  enc.map_header(has_meta ? 4 : 3);
  enc.uint(1);
  enc.uint(static_cast<std::uint8_t>(key.kind));
  enc.uint(2);
  enc.uint(key.votes);
  enc.uint(3);
  enc.nullable_bytes(key.public_key);
  if (has_meta) {
    enc.uint(12);
    cbor::write_text_map(enc, *key.meta);
  }
}

cbor::MaybeError decode_key(cbor::Reader& r, Key& key) {
  static constexpr std::array<std::uint64_t, 4> kFields{1, 2, 3, 12};
  return cbor::decode_struct(r, "tka.Key", kFields, [&key](std::size_t field, cbor::Reader& fr) -> cbor::MaybeError {
    switch (field) {
      case 0: {
        std::uint64_t kind = static_cast<std::uint8_t>(key.kind);
        auto err = cbor::decode_uint(fr, kind, 0xff, "tka.KeyKind");
        key.kind = static_cast<KeyKind>(kind);
        return err;
      }
      case 1: return cbor::decode_uint(fr, key.votes, UINT64_MAX, "uint");
      case 2: return cbor::decode_byte_slice(fr, key.public_key, "[]uint8");
      default: return cbor::decode_string_map(fr, key.meta, "map[string]string");
    }
  });
}

Bytes Key::serialize() const {
  cbor::Encoder enc;
  encode_key(enc, *this);
  return enc.take();
}

Result<Key> Key::unserialize(ByteView data) {
  Key key;
  if (auto st = cbor::unmarshal(data, [&key](cbor::Reader& r) { return decode_key(r, key); }); !st) return st.error();
  return key;
}

Status verify_aum_signature(const AumSignature& sig, const AumSigHash& digest, const Key& key) {
  if (key.kind != KeyKind::Ed25519) return Error{"unhandled key type: " + key_kind_name(key.kind)};
  const Bytes empty;
  const Bytes& pub = key.public_key ? *key.public_key : empty;
  if (pub.size() != crypto::kEd25519PublicSize) {
    return Error{"ed25519 key has wrong length: " + std::to_string(pub.size())};
  }
  const Bytes& s = sig.signature ? *sig.signature : empty;
  if (!crypto::ed25519_verify_zip215(pub, digest, s)) return Error{"invalid signature"};
  return {};
}

}  // namespace latchkey::tka
