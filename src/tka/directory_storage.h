// DirectoryStorage: durable AUM storage in a directory, laid out as
// upstream's tailchonk FS (tka/tailchonk.go): one file per AUM at
// <dir>/<first two chars>/<base32 hash>, holding upstream's fsHashInfo CBOR
// ({2: AUM, 3: CreatedUnix, 4: PurgedUnix}), and <dir>/last_active_ancestor
// holding the 32 raw bytes of that hash. A directory written by tailscaled
// can be read here and the reverse.
//
// Why files and not SQLite: each AUM is immutable and content-addressed, so
// a file per AUM needs no transactions to stay consistent; the format is
// upstream's own; and this layer stays free of a database dependency.
//
// Crash safety: every file is written to a temporary name in its final
// directory, fsync'ed, then renamed over the final name, and the directory
// is fsync'ed before the commit returns. A reader therefore sees either no
// file or a complete one, never a torn AUM, whether the process is killed
// (kill -9) or the machine loses power; once commit_verified_aums returns,
// the AUMs survive both. A commit interrupted midway keeps a prefix of its
// batch, which is consistent because batches are ordered parents first.
// Left-over temporary files are ignored (their names are not AUM hashes).
// Files that do not decode, or whose AUM does not match the file name, make
// open() fail rather than be skipped.
//
// Purged AUMs keep a tombstone file (PurgedUnix set), as upstream does.
// The whole directory is read into memory when opened; reads are served from
// memory. Exclusive use of the directory by one process is assumed.
// Thread-safe.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tka/aum_index.h"
#include "tka/storage.h"

namespace latchkey::tka {

class DirectoryStorage final : public CompactableStorage {
 public:
  // Opens (creating it if needed) the storage directory `dir` and reads
  // every stored AUM. `clock` stamps commits and purges.
  static Result<std::unique_ptr<DirectoryStorage>> open(const std::string& dir, Clock clock);

  Result<Aum> aum(const AumHash& hash) const override;
  Result<bool> has_aum(const AumHash& hash) const override;
  Result<std::vector<Aum>> child_aums(const AumHash& parent) const override;
  Status commit_verified_aums(std::span<const Aum> updates) override;
  Result<std::vector<Aum>> heads() const override;
  Status set_last_active_ancestor(const AumHash& hash) override;
  Result<std::optional<AumHash>> last_active_ancestor() const override;

  Result<std::vector<AumHash>> all_aums() const override;
  Result<UnixTime> commit_time(const AumHash& hash) const override;
  Status purge_aums(std::span<const AumHash> hashes) override;
  Status remove_all() override;

  const std::string& directory() const { return dir_; }
  // Where the file for `hash` lives: <dir>/<prefix>/<base32>.
  std::string aum_path(const AumHash& hash) const;

 private:
  DirectoryStorage(std::string dir, Clock clock) : dir_(std::move(dir)), clock_(std::move(clock)) {}
  Status load();
  UnixTime now() const { return clock_ ? clock_() : 0; }

  std::string dir_;
  Clock clock_;
  mutable std::shared_mutex mu_;
  // The stored AUMs; an entry's commit time is the file's CreatedUnix (0:
  // unknown, fall back to the file's mtime).
  AumIndex index_;
  // Created times of tombstones, kept if the AUM is committed again.
  std::unordered_map<AumHash, UnixTime> purged_;
};

}  // namespace latchkey::tka
