#include "store/tka_aum_storage.h"

#include <chrono>
#include <string>

#include "base/hex.h"

namespace latchkey::store {
namespace {

Bytes raw(const tka::AumHash& h) { return Bytes(h.view().begin(), h.view().end()); }

// Stored bytes passed verification when they were committed; one that no
// longer decodes means the database was changed behind our back.
Result<tka::Aum> decode(const StoredAum& s) {
  auto a = tka::Aum::unserialize(s.aum);
  if (!a) return Error{"stored AUM " + hex_encode(s.hash) + " does not decode: " + a.message()};
  return a;
}

Result<std::vector<tka::Aum>> decode_all(Result<std::vector<StoredAum>> stored) {
  if (!stored) return stored.error();
  std::vector<tka::Aum> out;
  out.reserve(stored->size());
  for (const StoredAum& s : *stored) {
    auto a = decode(s);
    if (!a) return a.error();
    out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace

Result<tka::Aum> TxAumStorage::aum(const tka::AumHash& hash) const {
  auto s = tx_->get_aum(hash.view());
  if (!s) {
    if (s.kind() == ErrorKind::NotFound) return tka::aum_not_found();
    return s.error();
  }
  return decode(*s);
}

Result<bool> TxAumStorage::has_aum(const tka::AumHash& hash) const {
  auto s = tx_->get_aum(hash.view());
  if (s.ok()) return true;
  if (s.kind() == ErrorKind::NotFound) return false;
  return s.error();
}

Result<std::vector<tka::Aum>> TxAumStorage::child_aums(const tka::AumHash& parent) const {
  return decode_all(tx_->aum_children(parent.view()));
}

Status TxAumStorage::commit_verified_aums(std::span<const tka::Aum> updates) {
  for (const tka::Aum& a : updates) {
    StoredAum s;
    s.hash = raw(a.hash());
    if (auto p = a.parent()) s.parent_hash = raw(*p);
    s.aum = a.serialize();
    s.committed_at = now_;
    if (auto st = tx_->put_aum(s); !st) return st;
  }
  return {};
}

Result<std::vector<tka::Aum>> TxAumStorage::heads() const { return decode_all(tx_->aum_heads()); }

Status TxAumStorage::set_last_active_ancestor(const tka::AumHash& hash) {
  return tx_->set_tka_value(kLastActiveAncestor, hash.view());
}

Result<std::optional<tka::AumHash>> TxAumStorage::last_active_ancestor() const {
  auto v = tx_->get_tka_value(kLastActiveAncestor);
  if (!v) {
    if (v.kind() == ErrorKind::NotFound) return std::optional<tka::AumHash>{};
    return v.error();
  }
  auto h = tka::AumHash::from_bytes(*v);
  if (!h) return Error{"stored last active ancestor: " + h.message()};
  return std::optional<tka::AumHash>{*h};
}

Result<std::vector<tka::AumHash>> TxAumStorage::all_aums() const {
  auto hashes = tx_->list_aum_hashes();
  if (!hashes) return hashes.error();
  std::vector<tka::AumHash> out;
  out.reserve(hashes->size());
  for (const Bytes& b : *hashes) {
    auto h = tka::AumHash::from_bytes(b);
    if (!h) return Error{"stored AUM hash: " + h.message()};
    out.push_back(*h);
  }
  return out;
}

Result<tka::UnixTime> TxAumStorage::commit_time(const tka::AumHash& hash) const {
  auto s = tx_->get_aum(hash.view());
  if (!s) {
    if (s.kind() == ErrorKind::NotFound) return tka::aum_not_found();
    return s.error();
  }
  return std::chrono::duration_cast<std::chrono::seconds>(s->committed_at.time_since_epoch()).count();
}

Status TxAumStorage::purge_aums(std::span<const tka::AumHash> hashes) {
  std::vector<Bytes> raws;
  raws.reserve(hashes.size());
  for (const auto& h : hashes) raws.push_back(raw(h));
  return tx_->delete_aums(raws);
}

Status TxAumStorage::remove_all() {
  auto hashes = tx_->list_aum_hashes();
  if (!hashes) return hashes.error();
  if (auto st = tx_->delete_aums(*hashes); !st) return st;
  return tx_->delete_tka_value(kLastActiveAncestor);
}

}  // namespace latchkey::store
