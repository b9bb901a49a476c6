// TxAumStorage: the Tailnet Lock's AUM storage (tka::CompactableStorage)
// inside one database transaction, so that AUMs commit together with the
// signatures and lock state they go with, or not at all. Both backends share
// it (tables tka_aums and tka_values).
//
// Build one per transaction: a Store::transact callback may run more than
// once, and what it informs counts only once the transaction committed.
// Commit times are the `now` the owner passes (stores read no clock).
#pragma once

#include "store/store.h"
#include "tka/storage.h"

namespace latchkey::store {

class TxAumStorage final : public tka::CompactableStorage {
 public:
  TxAumStorage(Transaction& tx, TimePoint now) : tx_(&tx), now_(now) {}

  Result<tka::Aum> aum(const tka::AumHash& hash) const override;
  Result<bool> has_aum(const tka::AumHash& hash) const override;
  Result<std::vector<tka::Aum>> child_aums(const tka::AumHash& parent) const override;
  Status commit_verified_aums(std::span<const tka::Aum> updates) override;
  Result<std::vector<tka::Aum>> heads() const override;
  Status set_last_active_ancestor(const tka::AumHash& hash) override;
  Result<std::optional<tka::AumHash>> last_active_ancestor() const override;

  Result<std::vector<tka::AumHash>> all_aums() const override;
  Result<tka::UnixTime> commit_time(const tka::AumHash& hash) const override;
  Status purge_aums(std::span<const tka::AumHash> hashes) override;
  // Every AUM and the last-active-ancestor hint; node-key signatures and
  // the lock's other values are the owner's to clear.
  Status remove_all() override;

  // The tka_values name of the last-active-ancestor hint.
  static constexpr std::string_view kLastActiveAncestor = "last_active_ancestor";

 private:
  Transaction* tx_;
  TimePoint now_;
};

}  // namespace latchkey::store
