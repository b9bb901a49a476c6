#include "client/lock_verdict.h"

#include <algorithm>

#include "crypto/ed25519.h"
#include "tka/sig.h"

namespace latchkey::client {

std::string_view verdict_name(LockVerdict v) {
  switch (v) {
    case LockVerdict::None:
      return "none";
    case LockVerdict::Pending:
      return "pending";
    case LockVerdict::Exempt:
      return "exempt";
    case LockVerdict::Authorized:
      return "authorized";
    case LockVerdict::Unsigned:
      return "unsigned";
    case LockVerdict::Unauthorized:
      return "unauthorized";
    case LockVerdict::ObsoleteKey:
      return "obsolete_key";
  }
  return "none";
}

bool is_rejection(LockVerdict v) {
  return v == LockVerdict::Unsigned || v == LockVerdict::Unauthorized || v == LockVerdict::ObsoleteKey;
}

std::shared_ptr<const LockView> LockView::off() {
  static const auto view = std::make_shared<const LockView>();
  return view;
}

std::shared_ptr<const LockView> LockView::pending() {
  static const auto view = std::make_shared<const LockView>(LockView{State::Pending, nullptr});
  return view;
}

std::shared_ptr<const LockView> LockView::active(tka::State authority) {
  return std::make_shared<const LockView>(
      LockView{State::Active, std::make_shared<const tka::State>(std::move(authority))});
}

SigCheck SigCheck::examine(const key::NodePublic& node_key, ByteView marshaled) {
  SigCheck c;
  if (marshaled.empty()) return c;  // Unsigned
  // The checks before the key lookup, in node_key_authorized's order and
  // with its texts; they do not depend on the authority.
  auto decoded = tka::NodeKeySignature::unserialize(marshaled);
  c.shape_ = Shape::Malformed;
  if (!decoded) {
    c.error_ = "unserialize: " + decoded.message();
    return c;
  }
  if (decoded->kind == tka::SigKind::Credential) {
    c.error_ = "credential signatures cannot authorize nodes on their own";
    return c;
  }
  auto key_id = decoded->authorizing_key_id();
  if (!key_id) {
    c.error_ = key_id.message();
    return c;
  }
  c.shape_ = Shape::Checkable;
  c.key_id_.assign(key_id->begin(), key_id->end());
  const auto node_bytes = node_key.to_binary();
  c.plain_direct_ = decoded->kind == tka::SigKind::Direct && !decoded->nested &&
                    std::equal(node_bytes.begin(), node_bytes.end(), decoded->pubkey.begin(), decoded->pubkey.end());
  return c;
}

bool SigCheck::trusts(const tka::State& authority) const { return authority.find_key(key_id_).ok(); }

std::optional<std::string> SigCheck::untrusted_reason(const tka::State& authority) const {
  auto key = authority.find_key(key_id_);
  if (key) return std::nullopt;
  return "key: " + key.message();
}

void SigCheck::verify(const key::NodePublic& node_key, ByteView marshaled, const tka::State& authority) {
  if (shape_ != Shape::Checkable || crypto_ != Crypto::Unknown) return;
  // Only reached for a trusted key ID, so the full upstream check's result
  // is the cryptographic one, and it stays valid for any authority that
  // trusts the same key ID.
  auto details = tka::node_key_authorized(authority, node_key, marshaled);
  if (!details) {
    crypto_ = Crypto::Failed;
    error_ = details.message();
    return;
  }
  crypto_ = Crypto::Verified;
  if (*details) {
    RotationFacts facts;
    facts.prev_node_keys = std::move((*details)->prev_node_keys);
    const auto& initial = (*details)->initial_sig;
    if (initial && initial->kind == tka::SigKind::Direct) {
      facts.direct_wrapping_key = initial->wrapping_pubkey;
    }
    rotation_ = std::move(facts);
  }
}

Judgement judge(const LockView& view, bool unsigned_peer_api_only, const SigCheck& check, bool obsolete) {
  switch (view.state) {
    case LockView::State::Off:
      return {LockVerdict::None, {}};
    case LockView::State::Pending:
      return {LockVerdict::Pending, {}};
    case LockView::State::Active:
      break;
  }
  // Upstream drops a peer for a failed check first and for key rotation
  // second; an exempt peer skips only the signature check.
  if (!unsigned_peer_api_only) {
    switch (check.shape()) {
      case SigCheck::Shape::Unsigned:
        return {LockVerdict::Unsigned, "missing signature"};
      case SigCheck::Shape::Malformed:
        return {LockVerdict::Unauthorized, check.error()};
      case SigCheck::Shape::Checkable:
        if (auto why = check.untrusted_reason(*view.authority)) return {LockVerdict::Unauthorized, std::move(*why)};
        if (check.crypto() == SigCheck::Crypto::Failed) return {LockVerdict::Unauthorized, check.error()};
        if (check.crypto() == SigCheck::Crypto::Unknown) {
          return {LockVerdict::Unauthorized, "signature not verified"};  // a caller bug; never admitted as authorized
        }
        break;
    }
  }
  if (obsolete) return {LockVerdict::ObsoleteKey, "key rotation"};
  return {unsigned_peer_api_only ? LockVerdict::Exempt : LockVerdict::Authorized, {}};
}

void verify_all(std::span<const VerifyItem> items, const tka::State& authority) {
  // Batches of this size keep a failing batch's fallback cheap.
  constexpr std::size_t kBatch = 256;
  struct Batched {
    const VerifyItem* item;
    tka::NksSigHash digest;
    Bytes signature;
  };
  std::vector<Batched> batched;
  auto flush = [&] {
    std::vector<crypto::Ed25519BatchItem> batch;
    batch.reserve(batched.size());
    for (const Batched& b : batched) batch.push_back({b.item->check->key_id(), b.digest, b.signature});
    if (crypto::ed25519_verify_zip215_batch(batch)) {
      for (const Batched& b : batched) b.item->check->set_batch_verified();
    } else {
      for (const Batched& b : batched) b.item->check->verify(*b.item->node_key, b.item->marshaled, authority);
    }
    batched.clear();
  };
  for (const VerifyItem& item : items) {
    SigCheck& check = *item.check;
    if (check.shape() != SigCheck::Shape::Checkable || check.crypto() != SigCheck::Crypto::Unknown) continue;
    auto key = authority.find_key(check.key_id());
    if (!key) continue;  // untrusted: judged without cryptography
    if (check.plain_direct() && (*key)->kind == tka::KeyKind::Ed25519 &&
        check.key_id().size() == crypto::kEd25519PublicSize) {
      // A plain direct signature by an Ed25519 key: the key ID is the
      // public key, and only the ZIP-215 check remains.
      auto decoded = tka::NodeKeySignature::unserialize(item.marshaled);
      if (decoded) {
        batched.push_back({&item, decoded->sig_hash(), std::move(decoded->signature)});
        if (batched.size() == kBatch) flush();
        continue;
      }
    }
    check.verify(*item.node_key, item.marshaled, authority);
  }
  if (!batched.empty()) flush();
}

}  // namespace latchkey::client
