#include "tka/builder.h"

#include "base/hex.h"

namespace latchkey::tka {
namespace {

// Go's %x applied to an AUMHash formats its String() (base32) as hex.
std::string go_hex_of_text(const AumHash& h) { return hex_encode(as_bytes(h.to_string())); }

std::string public_hex(const Key& key) { return key.public_key ? hex_encode(*key.public_key) : ""; }

}  // namespace

UpdateBuilder::UpdateBuilder(const Authority& authority, const Signer* signer)
    : authority_(authority), signer_(signer), state_(authority.state()), parent_(authority.head()) {}

Status UpdateBuilder::make_update(Aum update) {
  update.prev_aum_hash = Bytes(parent_.bytes.begin(), parent_.bytes.end());
  if (signer_) {
    auto sigs = signer_->sign_aum(update.sig_hash());
    if (!sigs) return Error{"signing failed: " + sigs.message()};
    update.signatures.insert(update.signatures.end(), sigs->begin(), sigs->end());
  }
  if (auto st = update.static_validate(); !st) return Error{"generated update was invalid: " + st.message()};
  auto next = state_.apply_verified_aum(update);
  if (!next) return Error{"update cannot be applied: " + next.message()};
  state_ = std::move(*next);
  parent_ = update.hash();
  out_.push_back(std::move(update));
  return {};
}

Status UpdateBuilder::add_key(const Key& key) {
  auto id = key.id();
  if (!id) return id.error();
  if (state_.find_key(*id).ok()) return Error{"cannot add key tlpub:" + public_hex(key) + ": already exists"};
  if (state_.keys && state_.keys->size() >= kMaxKeys) {
    return Error{"cannot add key tlpub:" + public_hex(key) + ": maximum number of keys reached"};
  }
  Aum update;
  update.kind = AumKind::AddKey;
  update.key = key;
  return make_update(std::move(update));
}

Status UpdateBuilder::remove_key(ByteView key_id) {
  if (auto k = state_.find_key(key_id); !k) return Error{"failed reading key " + hex_encode(key_id) + ": " + k.message()};
  Aum update;
  update.kind = AumKind::RemoveKey;
  update.key_id = Bytes(key_id.begin(), key_id.end());
  return make_update(std::move(update));
}

Status UpdateBuilder::set_key_vote(ByteView key_id, std::uint64_t votes) {
  return update_key(key_id, votes, std::nullopt);
}

Status UpdateBuilder::set_key_meta(ByteView key_id, const Metadata& meta) {
  return update_key(key_id, std::nullopt, meta);
}

Status UpdateBuilder::update_key(ByteView key_id, std::optional<std::uint64_t> votes, std::optional<Metadata> meta) {
  if (auto k = state_.find_key(key_id); !k) return Error{"failed reading key " + hex_encode(key_id) + ": " + k.message()};
  Aum update;
  update.kind = AumKind::UpdateKey;
  update.key_id = Bytes(key_id.begin(), key_id.end());
  update.votes = votes;
  update.meta = std::move(meta);
  return make_update(std::move(update));
}

Status UpdateBuilder::generate_checkpoint() {
  State state = authority_.state();
  for (std::size_t i = 0; i < out_.size(); ++i) {
    auto next = state.apply_verified_aum(out_[i]);
    if (!next) return Error{"applying update " + std::to_string(i) + ": " + next.message()};
    state = std::move(*next);
  }
  state.last_aum_hash.reset();  // checkpoints cannot name a parent in their state
  Aum checkpoint;
  checkpoint.kind = AumKind::Checkpoint;
  checkpoint.state = std::move(state);
  return make_update(std::move(checkpoint));
}

Result<std::vector<Aum>> UpdateBuilder::finalize(const AumStorage& storage) {
  // A checkpoint is due when none is found within the last
  // kCheckpointEvery AUMs (counting the ones built here).
  bool need_checkpoint = true;
  AumHash cursor = authority_.head();
  for (std::size_t i = out_.size(); i < static_cast<std::size_t>(kCheckpointEvery); ++i) {
    auto a = storage.aum(cursor);
    if (!a) {
      if (is_not_found(a.error())) {
        need_checkpoint = false;  // the stored chain is shorter than the interval
        break;
      }
      return Error{"reading AUM (" + cursor.to_string() + "): " + a.message()};
    }
    if (a->kind == AumKind::Checkpoint) {
      need_checkpoint = false;
      break;
    }
    auto parent = a->parent();
    if (!parent) {
      need_checkpoint = false;  // reached the genesis
      break;
    }
    cursor = *parent;
  }
  if (need_checkpoint) {
    if (auto st = generate_checkpoint(); !st) return Error{"generating checkpoint: " + st.message()};
  }

  if (!out_.empty()) {
    const AumHash based_on = out_.front().parent().value_or(AumHash{});
    if (based_on != authority_.head()) {
      return Error{"updates no longer apply to head: based on " + go_hex_of_text(based_on) + " but head is " +
                   go_hex_of_text(authority_.head())};
    }
  }
  return out_;
}

}  // namespace latchkey::tka
