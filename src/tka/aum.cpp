#include "tka/aum.h"

#include <algorithm>
#include <array>

#include "cbor/encoder.h"
#include "cbor/unmarshal.h"
#include "crypto/blake2s.h"

namespace latchkey::tka {

std::string aum_kind_name(AumKind kind) {
  switch (kind) {
    case AumKind::Invalid: return "invalid";
    case AumKind::AddKey: return "add-key";
    case AumKind::RemoveKey: return "remove-key";
    case AumKind::NoOp: return "no-op";
    case AumKind::UpdateKey: return "update-key";
    case AumKind::Checkpoint: return "checkpoint";
  }
  return "AUM?<" + std::to_string(static_cast<unsigned>(kind)) + ">";
}

namespace {

void encode_signature(cbor::Encoder& enc, const AumSignature& sig) {
  enc.map_header(2);
  enc.uint(1);
  enc.nullable_bytes(sig.key_id);
  enc.uint(2);
  enc.nullable_bytes(sig.signature);
}

cbor::MaybeError decode_signature(cbor::Reader& r, AumSignature& sig) {
  static constexpr std::array<std::uint64_t, 2> kFields{1, 2};
  return cbor::decode_struct(r, "tkatype.Signature", kFields, [&sig](std::size_t field, cbor::Reader& fr) {
    return field == 0 ? cbor::decode_byte_slice(fr, sig.key_id, "tkatype.KeyID")
                      : cbor::decode_byte_slice(fr, sig.signature, "[]uint8");
  });
}

}  // namespace

void encode_aum(cbor::Encoder& enc, const Aum& aum, bool with_signatures) {
  const bool has_key_id = aum.key_id && !aum.key_id->empty();
  const bool has_meta = aum.meta && !aum.meta->empty();
  const bool has_sigs = with_signatures && !aum.signatures.empty();
  const std::size_t fields = 2 + (aum.key ? 1 : 0) + (has_key_id ? 1 : 0) + (aum.state ? 1 : 0) +
                             (aum.votes ? 1 : 0) + (has_meta ? 1 : 0) + (has_sigs ? 1 : 0);
  enc.map_header(fields);
  enc.uint(1);
  enc.uint(static_cast<std::uint8_t>(aum.kind));
  enc.uint(2);
  enc.nullable_bytes(aum.prev_aum_hash);
  if (aum.key) {
    enc.uint(3);
    encode_key(enc, *aum.key);
  }
  if (has_key_id) {
    enc.uint(4);
    enc.bytes(*aum.key_id);
  }
  if (aum.state) {
    enc.uint(5);
    encode_state(enc, *aum.state);
  }
  if (aum.votes) {
    enc.uint(6);
    enc.uint(*aum.votes);
  }
  if (has_meta) {
    enc.uint(7);
    cbor::write_text_map(enc, *aum.meta);
  }
  if (has_sigs) {
    enc.uint(23);
    enc.array_header(aum.signatures.size());
    for (const auto& sig : aum.signatures) encode_signature(enc, sig);
  }
}

cbor::MaybeError decode_aum(cbor::Reader& r, Aum& aum) {
  static constexpr std::array<std::uint64_t, 8> kFields{1, 2, 3, 4, 5, 6, 7, 23};
  return cbor::decode_struct(r, "tka.AUM", kFields, [&aum](std::size_t field, cbor::Reader& fr) -> cbor::MaybeError {
    switch (field) {
      case 0: {
        std::uint64_t kind = static_cast<std::uint8_t>(aum.kind);
        auto err = cbor::decode_uint(fr, kind, 0xff, "tka.AUMKind");
        aum.kind = static_cast<AumKind>(kind);
        return err;
      }
      case 1: return cbor::decode_byte_slice(fr, aum.prev_aum_hash, "tka.PrevAUMHash");
      case 2: return cbor::decode_pointer(fr, aum.key, [](cbor::Reader& pr, Key& k) { return decode_key(pr, k); });
      case 3: return cbor::decode_byte_slice(fr, aum.key_id, "tkatype.KeyID");
      case 4:
        return cbor::decode_pointer(fr, aum.state, [](cbor::Reader& pr, State& s) { return decode_state(pr, s); });
      case 5:
        return cbor::decode_pointer(fr, aum.votes, [](cbor::Reader& pr, std::uint64_t& v) {
          return cbor::decode_uint(pr, v, UINT64_MAX, "uint");
        });
      case 6: return cbor::decode_string_map(fr, aum.meta, "map[string]string");
      default: {
        std::optional<std::vector<AumSignature>> sigs;
        auto err = cbor::decode_slice(fr, sigs, "[]tkatype.Signature", decode_signature);
        aum.signatures = sigs ? std::move(*sigs) : std::vector<AumSignature>{};
        return err;
      }
    }
  });
}

Bytes Aum::serialize() const {
  cbor::Encoder enc;
  enc.reserve(128);
  encode_aum(enc, *this);
  return enc.take();
}

Result<Aum> Aum::unserialize(ByteView data) {
  Aum aum;
  if (auto st = cbor::unmarshal(data, [&aum](cbor::Reader& r) { return decode_aum(r, aum); }); !st) {
    return st.error();
  }
  return aum;
}

AumHash Aum::hash() const {
  cbor::Encoder enc;
  enc.reserve(128);
  encode_aum(enc, *this);
  return AumHash{crypto::blake2s256(enc.out())};
}

AumSigHash Aum::sig_hash() const {
  cbor::Encoder enc;
  enc.reserve(128);
  encode_aum(enc, *this, /*with_signatures=*/false);
  return crypto::blake2s256(enc.out());
}

std::optional<AumHash> Aum::parent() const {
  if (!prev_aum_hash || prev_aum_hash->empty()) return std::nullopt;
  AumHash h;
  std::copy_n(prev_aum_hash->begin(), std::min(prev_aum_hash->size(), h.bytes.size()), h.bytes.begin());
  return h;
}

Status Aum::static_validate() const {
  if (key) {
    if (auto st = key->static_validate(); !st) return st;
  }
  if (prev_aum_hash && prev_aum_hash->empty()) return Error{"absent parent must be represented by a nil slice"};
  for (std::size_t i = 0; i < signatures.size(); ++i) {
    const auto& sig = signatures[i];
    const std::size_t id_len = sig.key_id ? sig.key_id->size() : 0;
    const std::size_t sig_len = sig.signature ? sig.signature->size() : 0;
    if (id_len != 32 || sig_len != crypto::kEd25519SignatureSize) {
      return Error{"signature " + std::to_string(i) + " has missing keyID or malformed signature"};
    }
  }
  if (state) {
    if (auto st = state->static_validate_checkpoint(); !st) return Error{"checkpoint state: " + st.message()};
  }

  switch (kind) {
    case AumKind::AddKey:
      if (!key) return Error{"AddKey AUMs must contain a key"};
      if (key_id || state || votes || meta) return Error{"AddKey AUMs may only specify a Key"};
      break;
    case AumKind::RemoveKey:
      if (!key_id || key_id->empty()) return Error{"RemoveKey AUMs must specify a key ID"};
      if (key || state || votes || meta) return Error{"RemoveKey AUMs may only specify a KeyID"};
      break;
    case AumKind::UpdateKey:
      if (!key_id || key_id->empty()) return Error{"UpdateKey AUMs must specify a key ID"};
      if (!meta && !votes) return Error{"UpdateKey AUMs must contain an update to votes or key metadata"};
      if (key || state) return Error{"UpdateKey AUMs may only specify KeyID, Votes, and Meta"};
      break;
    case AumKind::Checkpoint:
      if (!state) return Error{"Checkpoint AUMs must specify the state"};
      if (key_id || key || votes || meta) return Error{"Checkpoint AUMs may only specify State"};
      break;
    default:
      // No-op, and kinds this version does not know (future kinds may only
      // add features, so old versions can ignore them).
      break;
  }
  return {};
}

std::uint64_t Aum::weight(const State& state_at_parent) const {
  std::uint64_t total = 0;
  std::vector<const Bytes*> seen;
  for (const auto& sig : signatures) {
    if (!sig.key_id || sig.key_id->size() != 32) continue;  // upstream panics; static validation rules it out
    auto found = state_at_parent.find_key(*sig.key_id);
    if (!found) continue;
    if (std::any_of(seen.begin(), seen.end(), [&sig](const Bytes* s) { return *s == *sig.key_id; })) continue;
    total += (*found)->votes;
    seen.push_back(&*sig.key_id);
  }
  return total;
}

void Aum::sign(const crypto::Ed25519Private& priv) {
  const crypto::Ed25519Public pub = crypto::ed25519_public(priv);
  const AumSigHash digest = sig_hash();
  const crypto::Ed25519Signature s = crypto::ed25519_sign(priv, digest);
  signatures.push_back(AumSignature{Bytes(pub.begin(), pub.end()), Bytes(s.begin(), s.end())});
}

}  // namespace latchkey::tka
