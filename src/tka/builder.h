// UpdateBuilder: the admin side of Tailnet Lock, turning intended changes
// (add, remove or update a trusted key) into signed AUMs that extend an
// authority's head (upstream tka/builder.go). Each change is checked against
// the state the previous changes lead to; finalize() inserts a checkpoint
// when the chain has gone 50 AUMs without one, as upstream does, and returns
// the AUMs to inform every authority with.
#pragma once

#include <optional>
#include <vector>

#include "base/result.h"
#include "tka/authority.h"
#include "tka/signer.h"
#include "tka/storage.h"

namespace latchkey::tka {

// A checkpoint is generated when the last one is this many AUMs back.
inline constexpr int kCheckpointEvery = 50;

class UpdateBuilder {
 public:
  // `signer` (may be null: unsigned AUMs, e.g. for a multi-party flow that
  // signs later) signs each AUM as it is made. The authority must outlive
  // the builder and not change before finalize().
  UpdateBuilder(const Authority& authority, const Signer* signer);

  // Adds a trusted key (it must not be trusted yet; at most 512 keys).
  Status add_key(const Key& key);
  // Removes a trusted key.
  Status remove_key(ByteView key_id);
  // Sets a trusted key's votes.
  Status set_key_vote(ByteView key_id, std::uint64_t votes);
  // Replaces a trusted key's metadata.
  Status set_key_meta(ByteView key_id, const Metadata& meta);
  // One UpdateKey AUM changing votes and/or metadata of a trusted key.
  Status update_key(ByteView key_id, std::optional<std::uint64_t> votes, std::optional<Metadata> meta);

  // The AUMs making the changes, plus a checkpoint when one is due; fails if
  // the authority's head moved since the builder was made.
  Result<std::vector<Aum>> finalize(const AumStorage& storage);

 private:
  Status make_update(Aum update);
  Status generate_checkpoint();

  const Authority& authority_;
  const Signer* signer_;
  State state_;
  AumHash parent_;
  std::vector<Aum> out_;
};

}  // namespace latchkey::tka
