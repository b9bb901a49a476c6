#include "tka/sig.h"

#include <algorithm>
#include <array>

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/blake2s.h"

namespace latchkey::tka {
namespace {

// key.NLPublicFromEd25519Unsafe(b).CLIString(): "tlpub:" and the hex of b
// truncated or zero-padded to 32 bytes.
std::string tlpub_text(ByteView b) {
  ByteArray<32> k{};
  std::copy_n(b.begin(), std::min(b.size(), k.size()), k.begin());
  return "tlpub:" + hex_encode(k);
}

std::string trim_space(std::string s) {
  auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  while (!s.empty() && is_space(s.back())) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && is_space(s[start])) ++start;
  return s.substr(start);
}

void render(const NodeKeySignature& sig, int depth, std::string& out) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  out += indent + "SigKind: " + sig_kind_name(sig.kind) + "\n";
  if (!sig.pubkey.empty()) {
    auto np = key::NodePublic::from_binary(sig.pubkey);
    out += indent + "Pubkey: " + (np ? np->short_string() : "<error: " + np.message() + ">") + "\n";
  }
  if (!sig.key_id.empty()) out += indent + "KeyID: " + tlpub_text(sig.key_id) + "\n";
  if (!sig.wrapping_pubkey.empty()) out += indent + "WrappingPubkey: " + tlpub_text(sig.wrapping_pubkey) + "\n";
  if (sig.nested) {
    out += indent + "Nested:\n";
    render(*sig.nested, depth + 1, out);
  }
}

Bytes sign_hash(const crypto::Ed25519Private& priv, const NksSigHash& digest) {
  const auto s = crypto::ed25519_sign(priv, digest);
  return Bytes(s.begin(), s.end());
}

}  // namespace

std::string sig_kind_name(SigKind kind) {
  switch (kind) {
    case SigKind::Invalid: return "invalid";
    case SigKind::Direct: return "direct";
    case SigKind::Rotation: return "rotation";
    case SigKind::Credential: return "credential";
  }
  return "Sig?<" + std::to_string(static_cast<unsigned>(kind)) + ">";
}

NodeKeySignature::NodeKeySignature(const NodeKeySignature& other)
    : kind(other.kind),
      pubkey(other.pubkey),
      key_id(other.key_id),
      signature(other.signature),
      nested(other.nested ? std::make_unique<NodeKeySignature>(*other.nested) : nullptr),
      wrapping_pubkey(other.wrapping_pubkey) {}

NodeKeySignature& NodeKeySignature::operator=(const NodeKeySignature& other) {
  if (this != &other) *this = NodeKeySignature(other);
  return *this;
}

bool NodeKeySignature::operator==(const NodeKeySignature& other) const {
  if (kind != other.kind || pubkey != other.pubkey || key_id != other.key_id || signature != other.signature ||
      wrapping_pubkey != other.wrapping_pubkey) {
    return false;
  }
  if (!nested || !other.nested) return !nested && !other.nested;
  return *nested == *other.nested;
}

void encode_node_key_signature(cbor::Encoder& enc, const NodeKeySignature& sig, bool with_signature) {
  const bool has_sig = with_signature && !sig.signature.empty();
  enc.map_header(1 + (sig.pubkey.empty() ? 0 : 1) + (sig.key_id.empty() ? 0 : 1) + (has_sig ? 1 : 0) +
                 (sig.nested ? 1 : 0) + (sig.wrapping_pubkey.empty() ? 0 : 1));
  enc.uint(1);
  enc.uint(static_cast<std::uint8_t>(sig.kind));
  if (!sig.pubkey.empty()) {
    enc.uint(2);
    enc.bytes(sig.pubkey);
  }
  if (!sig.key_id.empty()) {
    enc.uint(3);
    enc.bytes(sig.key_id);
  }
  if (has_sig) {
    enc.uint(4);
    enc.bytes(sig.signature);
  }
  if (sig.nested) {
    enc.uint(5);
    encode_node_key_signature(enc, *sig.nested);
  }
  if (!sig.wrapping_pubkey.empty()) {
    enc.uint(6);
    enc.bytes(sig.wrapping_pubkey);
  }
}

cbor::MaybeError decode_node_key_signature(cbor::Reader& r, NodeKeySignature& sig) {
  static constexpr std::array<std::uint64_t, 6> kFields{1, 2, 3, 4, 5, 6};
  auto bytes_field = [](cbor::Reader& fr, Bytes& out) {
    NullableBytes v = std::move(out);
    auto err = cbor::decode_byte_slice(fr, v, "[]uint8");
    out = v ? std::move(*v) : Bytes{};
    return err;
  };
  return cbor::decode_struct(r, "tka.NodeKeySignature", kFields,
                             [&sig, &bytes_field](std::size_t field, cbor::Reader& fr) -> cbor::MaybeError {
                               switch (field) {
                                 case 0: {
                                   std::uint64_t kind = static_cast<std::uint8_t>(sig.kind);
                                   auto err = cbor::decode_uint(fr, kind, 0xff, "tka.SigKind");
                                   sig.kind = static_cast<SigKind>(kind);
                                   return err;
                                 }
                                 case 1: return bytes_field(fr, sig.pubkey);
                                 case 2: return bytes_field(fr, sig.key_id);
                                 case 3: return bytes_field(fr, sig.signature);
                                 case 4: {
                                   if (fr.peek_nil()) {
                                     fr.skip();
                                     sig.nested.reset();
                                     return std::nullopt;
                                   }
                                   if (!sig.nested) sig.nested = std::make_unique<NodeKeySignature>();
                                   return decode_node_key_signature(fr, *sig.nested);
                                 }
                                 default: return bytes_field(fr, sig.wrapping_pubkey);
                               }
                             });
}

Bytes NodeKeySignature::serialize() const {
  cbor::Encoder enc;
  enc.reserve(128);
  encode_node_key_signature(enc, *this);
  return enc.take();
}

Result<NodeKeySignature> NodeKeySignature::unserialize(ByteView data) {
  NodeKeySignature sig;
  if (auto st = cbor::unmarshal(data, [&sig](cbor::Reader& r) { return decode_node_key_signature(r, sig); }); !st) {
    return st.error();
  }
  return sig;
}

NksSigHash NodeKeySignature::sig_hash() const {
  cbor::Encoder enc;
  enc.reserve(128);
  encode_node_key_signature(enc, *this, /*with_signature=*/false);
  return crypto::blake2s256(enc.out());
}

Result<KeyId> NodeKeySignature::authorizing_key_id() const {
  const NodeKeySignature* s = this;
  // Iterative walk down nested rotations (depth is bounded by decoding, but
  // signatures built in memory need not be).
  while (true) {
    switch (s->kind) {
      case SigKind::Direct:
      case SigKind::Credential:
        if (s->key_id.empty()) return Error{"invalid signature: no keyID present"};
        return s->key_id;
      case SigKind::Rotation:
        if (!s->nested) return Error{"invalid signature: rotation signature missing nested signature"};
        s = s->nested.get();
        break;
      default:
        return Error{"unhandled signature type: " + sig_kind_name(s->kind)};
    }
  }
}

std::optional<Bytes> NodeKeySignature::wrapping_public() const {
  const NodeKeySignature* s = this;
  while (true) {
    if (!s->wrapping_pubkey.empty()) return s->wrapping_pubkey;
    if (s->kind != SigKind::Rotation || !s->nested) return std::nullopt;
    s = s->nested.get();
  }
}

Status NodeKeySignature::verify(const key::NodePublic& node_key, const Key& verification_key) const {
  if (kind != SigKind::Credential) {
    const auto node_bytes = node_key.to_binary();
    if (!std::equal(node_bytes.begin(), node_bytes.end(), pubkey.begin(), pubkey.end())) return Error{"signature does not authorize nodeKey"};
  }
  const NksSigHash digest = sig_hash();
  switch (kind) {
    case SigKind::Rotation: {
      if (!nested) return Error{"nested signatures must nest a signature"};
      auto verify_pub = nested->wrapping_public();
      if (!verify_pub) return Error{"missing rotation key"};
      if (verify_pub->size() != crypto::kEd25519PublicSize) {
        return Error{"bad rotation key length: " + std::to_string(verify_pub->size())};
      }
      if (!crypto::ed25519_verify(*verify_pub, digest, signature)) return Error{"invalid signature"};
      // Credentials certify a wrapping key, not a node key: nothing to check.
      key::NodePublic nested_pub;
      if (nested->kind != SigKind::Credential) {
        auto np = key::NodePublic::from_binary(nested->pubkey);
        if (!np) return Error{"nested pubkey: " + np.message()};
        nested_pub = *np;
      }
      if (auto st = nested->verify(nested_pub, verification_key); !st) return Error{"nested: " + st.message()};
      return {};
    }
    case SigKind::Direct:
    case SigKind::Credential: {
      if (nested) {
        return Error{"invalid signature: signatures of type " + sig_kind_name(kind) + " cannot nest another signature"};
      }
      if (verification_key.kind != KeyKind::Ed25519) {
        return Error{"unhandled key type: " + key_kind_name(verification_key.kind)};
      }
      const Bytes empty;
      const Bytes& pub = verification_key.public_key ? *verification_key.public_key : empty;
      if (pub.size() != crypto::kEd25519PublicSize) {
        return Error{"ed25519 key has wrong length: " + std::to_string(pub.size())};
      }
      if (crypto::ed25519_verify_zip215(pub, digest, signature)) return {};
      return Error{"invalid signature"};
    }
    default:
      return Error{"unhandled signature type: " + sig_kind_name(kind)};
  }
}

Result<std::optional<RotationDetails>> NodeKeySignature::rotation_details() const {
  if (kind != SigKind::Rotation) return std::optional<RotationDetails>{};
  RotationDetails details;
  const NodeKeySignature* n = nested.get();
  while (n) {
    if (!n->pubkey.empty()) {
      auto np = key::NodePublic::from_binary(n->pubkey);
      if (!np) return Error{"nested pubkey: " + np.message()};
      details.prev_node_keys.push_back(*np);
    }
    if (n->kind != SigKind::Rotation) break;
    n = n->nested.get();
  }
  if (n) details.initial_sig = *n;
  return std::optional<RotationDetails>(std::move(details));
}

std::string NodeKeySignature::to_string() const {
  std::string out;
  render(*this, 0, out);
  return trim_space(std::move(out));
}

Result<std::optional<RotationDetails>> node_key_authorized(const State& state, const key::NodePublic& node_key,
                                                           ByteView marshaled) {
  auto decoded = NodeKeySignature::unserialize(marshaled);
  if (!decoded) return Error{"unserialize: " + decoded.message()};
  if (decoded->kind == SigKind::Credential) return Error{"credential signatures cannot authorize nodes on their own"};
  auto key_id = decoded->authorizing_key_id();
  if (!key_id) return key_id.error();
  auto key = state.find_key(*key_id);
  if (!key) return Error{"key: " + key.message()};
  if (auto st = decoded->verify(node_key, **key); !st) return st.error();
  return decoded->rotation_details();
}

std::optional<NodeKeyRefusal> node_keys_authorized(const State& state, std::span<const NodeKeyToAuthorize> items) {
  // A plain direct signature whose every check but the Ed25519 one passes
  // (the checks node_key_authorized and verify make, in their order) goes
  // into the batch; anything else is checked singly, in order, until the
  // first refusal.
  struct Pending {
    std::size_t index;
    NodeKeySignature sig;
    NksSigHash digest;
    const Bytes* public_key;
  };
  std::vector<Pending> batched;
  batched.reserve(items.size());
  std::optional<NodeKeyRefusal> single_refusal;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const NodeKeyToAuthorize& item = items[i];
    auto decoded = NodeKeySignature::unserialize(item.marshaled);
    if (decoded && decoded->kind == SigKind::Direct && !decoded->nested && !decoded->key_id.empty()) {
      auto key = state.find_key(decoded->key_id);
      const auto node_bytes = item.node_key.to_binary();
      if (key && (*key)->kind == KeyKind::Ed25519 && (*key)->public_key &&
          (*key)->public_key->size() == crypto::kEd25519PublicSize &&
          std::equal(node_bytes.begin(), node_bytes.end(), decoded->pubkey.begin(), decoded->pubkey.end())) {
        const NksSigHash digest = decoded->sig_hash();
        batched.push_back({i, std::move(*decoded), digest, &*(*key)->public_key});
        continue;
      }
    }
    auto single = node_key_authorized(state, item.node_key, item.marshaled);
    if (!single) {
      single_refusal = NodeKeyRefusal{i, single.error()};
      break;
    }
  }
  // Only the batched items before the first single refusal can come first.
  const std::size_t limit = single_refusal ? single_refusal->index : items.size();
  std::vector<crypto::Ed25519BatchItem> batch;
  batch.reserve(batched.size());
  for (const Pending& p : batched) {
    if (p.index >= limit) break;
    batch.push_back({*p.public_key, p.digest, p.sig.signature});
  }
  if (crypto::ed25519_verify_zip215_batch(batch)) return single_refusal;
  // Some batched signature is invalid: find the first, with
  // node_key_authorized's own error.
  for (const Pending& p : batched) {
    if (p.index >= limit) break;
    auto single = node_key_authorized(state, items[p.index].node_key, items[p.index].marshaled);
    if (!single) return NodeKeyRefusal{p.index, single.error()};
  }
  return single_refusal;
}

namespace {

// Upstream maybeTrimRotationSignatureChain.
NodeKeySignature trim_rotation_chain(const NodeKeySignature& sig, const crypto::Ed25519Private& priv) {
  if (sig.kind != SigKind::Rotation) return sig;
  std::vector<const Bytes*> prev_pubkeys{&sig.pubkey};
  const NodeKeySignature* n = sig.nested.get();
  while (n) {
    if (!n->pubkey.empty()) prev_pubkeys.push_back(&n->pubkey);
    if (n->kind != SigKind::Rotation) break;
    n = n->nested.get();
  }
  if (prev_pubkeys.size() <= kMaxPrevNodeKeys) return sig;

  // Rebuild the chain over the original first signature, keeping the
  // newest node keys.
  std::unique_ptr<NodeKeySignature> result = n ? std::make_unique<NodeKeySignature>(*n) : nullptr;
  for (std::size_t i = kMaxPrevNodeKeys - 1; i-- > 0;) {
    auto next = std::make_unique<NodeKeySignature>();
    next->kind = SigKind::Rotation;
    next->pubkey = *prev_pubkeys[i];
    next->nested = std::move(result);
    next->signature = sign_hash(priv, next->sig_hash());
    result = std::move(next);
  }
  return std::move(*result);
}

}  // namespace

Result<Bytes> resign_node_key_signature(const crypto::Ed25519Private& rotation_key, const key::NodePublic& node_key,
                                        ByteView old_signature) {
  auto old_sig = NodeKeySignature::unserialize(old_signature);
  if (!old_sig) return Error{"decoding NKS: " + old_sig.message()};
  const auto nk_binary = node_key.to_binary();
  const Bytes nk(nk_binary.begin(), nk_binary.end());
  if (nk == old_sig->pubkey) return Bytes(old_signature.begin(), old_signature.end());

  NodeKeySignature next;
  next.kind = SigKind::Rotation;
  next.pubkey = nk;
  next.nested = std::make_unique<NodeKeySignature>(trim_rotation_chain(*old_sig, rotation_key));
  next.signature = sign_hash(rotation_key, next.sig_hash());
  return next.serialize();
}

Result<Bytes> sign_by_credential(const crypto::Ed25519Private& credential_private, const NodeKeySignature& credential,
                                 const key::NodePublic& node_key) {
  if (credential.kind != SigKind::Credential) {
    return Error{"wrapped signature must be a credential, got " + sig_kind_name(credential.kind)};
  }
  NodeKeySignature sig;
  sig.kind = SigKind::Rotation;
  const auto nk_binary = node_key.to_binary();
  sig.pubkey.assign(nk_binary.begin(), nk_binary.end());
  sig.nested = std::make_unique<NodeKeySignature>(credential);
  sig.signature = sign_hash(credential_private, sig.sig_hash());
  return sig.serialize();
}

WrappedAuthKey decode_wrapped_auth_key(std::string_view wrapped) {
  WrappedAuthKey out;
  out.auth_key = std::string(wrapped);
  const auto marker = wrapped.find("--TL");
  if (marker == std::string_view::npos) return out;
  const std::string_view suffix = wrapped.substr(marker + 4);
  const auto dash = suffix.find('-');
  if (dash == std::string_view::npos) {
    out.log.push_back("decoding wrapped auth-key: did not find delimiter");
    return out;
  }
  auto raw_sig = base64_decode(suffix.substr(0, dash), Base64Form::StdRaw);
  if (!raw_sig) {
    out.log.push_back("decoding wrapped auth-key: signature decode: " + raw_sig.message());
    return out;
  }
  auto raw_priv = base64_decode(suffix.substr(dash + 1), Base64Form::StdRaw);
  if (!raw_priv) {
    out.log.push_back("decoding wrapped auth-key: priv decode: " + raw_priv.message());
    return out;
  }
  auto sig = NodeKeySignature::unserialize(*raw_sig);
  if (!sig) {
    out.log.push_back("decoding wrapped auth-key: signature: " + sig.message());
    return out;
  }
  out.auth_key = std::string(wrapped.substr(0, marker));
  out.is_wrapped = true;
  out.signature = std::move(*sig);
  out.private_key = std::move(*raw_priv);
  return out;
}

}  // namespace latchkey::tka
