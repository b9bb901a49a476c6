#include "tka/directory_storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "cbor/encoder.h"
#include "cbor/unmarshal.h"

namespace latchkey::tka {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLastActiveAncestorFile = "last_active_ancestor";
// Go's zero time.Time in Unix seconds (what upstream reports when it cannot
// stat a file).
constexpr UnixTime kGoZeroTime = -62135596800;

std::string errno_text(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// Upstream fsHashInfo: {2: AUM (always present), 3: CreatedUnix,
// 4: PurgedUnix (each only when non-zero)}.
struct HashInfo {
  std::optional<Aum> aum;
  std::int64_t created = 0;
  std::int64_t purged = 0;
};

void encode_int64(cbor::Encoder& enc, std::int64_t v) {
  if (v >= 0) {
    enc.uint(static_cast<std::uint64_t>(v));
  } else {
    enc.head(cbor::MajorType::NegativeInt, static_cast<std::uint64_t>(-(v + 1)));
  }
}

Bytes encode_hash_info(const HashInfo& info) {
  cbor::Encoder enc;
  enc.map_header(1 + (info.created != 0 ? 1 : 0) + (info.purged != 0 ? 1 : 0));
  enc.uint(2);
  if (info.aum) {
    encode_aum(enc, *info.aum);
  } else {
    enc.null();
  }
  if (info.created != 0) {
    enc.uint(3);
    encode_int64(enc, info.created);
  }
  if (info.purged != 0) {
    enc.uint(4);
    encode_int64(enc, info.purged);
  }
  return enc.take();
}

cbor::MaybeError decode_int64(cbor::Reader& r, std::int64_t& out) {
  if (r.peek_nil()) {
    r.skip();
    return std::nullopt;
  }
  if (r.peek_type() == cbor::MajorType::PositiveInt) {
    std::uint64_t v = 0;
    auto err = cbor::decode_uint(r, v, static_cast<std::uint64_t>(INT64_MAX), "int64");
    if (!err) out = static_cast<std::int64_t>(v);
    return err;
  }
  if (r.peek_type() == cbor::MajorType::NegativeInt) {
    const cbor::Head h = r.read_head();
    if (h.value > static_cast<std::uint64_t>(INT64_MAX)) {
      return cbor::DecodeError::other("cbor: cannot unmarshal negative integer into Go value of type int64 (overflows)");
    }
    out = -1 - static_cast<std::int64_t>(h.value);
    return std::nullopt;
  }
  return cbor::reject_item(r, "int64");
}

Result<HashInfo> decode_hash_info(ByteView data) {
  HashInfo info;
  static constexpr std::array<std::uint64_t, 3> kFields{2, 3, 4};
  auto st = cbor::unmarshal(data, [&info](cbor::Reader& r) {
    return cbor::decode_struct(r, "tka.fsHashInfo", kFields, [&info](std::size_t field, cbor::Reader& fr) {
      switch (field) {
        case 0: return cbor::decode_pointer(fr, info.aum, [](cbor::Reader& pr, Aum& a) { return decode_aum(pr, a); });
        case 1: return decode_int64(fr, info.created);
        default: return decode_int64(fr, info.purged);
      }
    });
  });
  if (!st) return st.error();
  return info;
}

Result<Bytes> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{errno_text("open " + path, errno)};
  Bytes out;
  std::array<std::uint8_t, 8192> buf;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Error{errno_text("read " + path, err)};
    }
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  ::close(fd);
  return out;
}

Status fsync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{errno_text("open directory " + path, errno)};
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Error{errno_text("fsync directory " + path, err)};
  return {};
}

// Writes `data` to dir/name atomically: a temporary file in the same
// directory, fsync'ed, then renamed over the final name. The caller fsyncs
// the directory to make the rename itself durable.
Status write_file_atomically(const std::string& dir, const std::string& name, ByteView data) {
  std::string tmp = dir + "/" + name + ".tmpXXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Error{errno_text("create temporary file in " + dir, errno)};
  auto fail = [&](const std::string& what, int err) -> Status {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Error{errno_text(what + " " + tmp, err)};
  };
  if (::fchmod(fd, 0644) != 0) return fail("chmod", errno);
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write", errno);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("fsync", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Error{errno_text("close " + tmp, err)};
  }
  const std::string final_path = dir + "/" + name;
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Error{errno_text("rename " + tmp + " to " + final_path, err)};
  }
  return {};
}

// Creates `dir` (and missing parents); true when it had to be created.
Result<bool> ensure_directory(const std::string& dir) {
  std::error_code ec;
  const bool created = fs::create_directories(dir, ec);
  if (ec) return Error{"creating directory " + dir + ": " + ec.message()};
  return created;
}

std::string parent_directory(const std::string& path) { return fs::path(path).parent_path().string(); }

}  // namespace

Result<std::unique_ptr<DirectoryStorage>> DirectoryStorage::open(const std::string& dir, Clock clock) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) return Error{"chonk directory \"" + dir + "\" is a file"};
  fs::create_directories(dir, ec);
  if (ec) return Error{"creating chonk root dir: " + ec.message()};
  std::unique_ptr<DirectoryStorage> out(new DirectoryStorage(dir, std::move(clock)));
  if (auto st = out->load(); !st) return st.error();
  return out;
}

std::string DirectoryStorage::aum_path(const AumHash& hash) const {
  const std::string name = hash.to_string();
  return dir_ + "/" + name.substr(0, 2) + "/" + name;
}

Status DirectoryStorage::load() {
  std::error_code ec;
  for (fs::directory_iterator prefix(dir_, ec), end; !ec && prefix != end; prefix.increment(ec)) {
    if (!prefix->is_directory(ec)) continue;
    std::error_code inner_ec;
    for (fs::directory_iterator file(prefix->path(), inner_ec); !inner_ec && file != end; file.increment(inner_ec)) {
      // Names that are not AUM hashes (temporary files of an interrupted
      // write, files added by the OS) are not AUMs.
      const std::string name = file->path().filename().string();
      auto h = AumHash::from_string(name);
      if (!h) continue;
      auto data = read_file(file->path().string());
      if (!data) return Error{"reading " + name + ": " + data.message()};
      auto info = decode_hash_info(*data);
      if (!info) return Error{"reading " + name + ": " + info.message()};
      if (info->aum && info->aum->hash() != *h) {
        return Error{file->path().string() + ": AUM does not match file name hash " + info->aum->hash().to_string()};
      }
      if (info->purged > 0) {
        purged_[*h] = info->created;
        continue;
      }
      if (!info->aum || index_.contains(*h)) continue;
      index_.put(*h, std::move(*info->aum), info->created);
    }
    if (inner_ec) return Error{"reading prefix dir: " + inner_ec.message()};
  }
  if (ec) return Error{"reading prefix dirs: " + ec.message()};
  return {};
}

Result<Aum> DirectoryStorage::aum(const AumHash& hash) const {
  std::shared_lock lock(mu_);
  const AumIndex::Entry* entry = index_.find(hash);
  if (entry == nullptr) return aum_not_found();
  return entry->aum;
}

Result<bool> DirectoryStorage::has_aum(const AumHash& hash) const {
  std::shared_lock lock(mu_);
  return index_.contains(hash);
}

Result<std::vector<Aum>> DirectoryStorage::child_aums(const AumHash& parent) const {
  std::shared_lock lock(mu_);
  return index_.children_of(parent);
}

Status DirectoryStorage::commit_verified_aums(std::span<const Aum> updates) {
  std::unique_lock lock(mu_);
  std::set<std::string> dirs_to_sync;
  Status result;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    const Aum& update = updates[i];
    const AumHash h = update.hash();
    if (index_.contains(h)) continue;  // content-addressed: already stored as is

    HashInfo info;
    info.aum = update;
    auto tomb = purged_.find(h);
    info.created = tomb != purged_.end() && tomb->second != 0 ? tomb->second : now();
    const std::string path = aum_path(h);
    const std::string dir = parent_directory(path);
    auto created_dir = ensure_directory(dir);
    if (!created_dir) {
      result = Error{"committing update[" + std::to_string(i) + "] (" + h.to_string() + "): " + created_dir.message()};
      break;
    }
    if (*created_dir) dirs_to_sync.insert(dir_);
    if (auto st = write_file_atomically(dir, h.to_string(), encode_hash_info(info)); !st) {
      result = Error{"committing update[" + std::to_string(i) + "] (" + h.to_string() + "): " + st.message()};
      break;
    }
    dirs_to_sync.insert(dir);

    if (tomb != purged_.end()) purged_.erase(tomb);
    index_.put(h, update, info.created);
  }
  // Make the renames durable (also after a failure, for what was written).
  for (const auto& d : dirs_to_sync) {
    if (auto st = fsync_directory(d); !st && result.ok()) result = st;
  }
  return result;
}

Result<std::vector<Aum>> DirectoryStorage::heads() const {
  std::shared_lock lock(mu_);
  return index_.heads();
}

Status DirectoryStorage::set_last_active_ancestor(const AumHash& hash) {
  std::unique_lock lock(mu_);
  auto created = ensure_directory(dir_);
  if (!created) return created.error();
  if (auto st = write_file_atomically(dir_, kLastActiveAncestorFile, hash.bytes); !st) return st;
  return fsync_directory(dir_);
}

Result<std::optional<AumHash>> DirectoryStorage::last_active_ancestor() const {
  std::shared_lock lock(mu_);
  const std::string path = dir_ + "/" + kLastActiveAncestorFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<AumHash>{};
  auto data = read_file(path);
  if (!data) return data.error();
  if (data->size() != 32) {
    return Error{"stored hash is of wrong length: " + std::to_string(data->size()) + " != 32"};
  }
  auto h = AumHash::from_bytes(*data);
  if (!h) return h.error();
  return std::optional<AumHash>{*h};
}

Result<std::vector<AumHash>> DirectoryStorage::all_aums() const {
  std::shared_lock lock(mu_);
  return index_.hashes();
}

Result<UnixTime> DirectoryStorage::commit_time(const AumHash& hash) const {
  std::shared_lock lock(mu_);
  const AumIndex::Entry* entry = index_.find(hash);
  if (entry == nullptr) return aum_not_found();
  if (entry->committed > 0) return entry->committed;
  // Written by a version that did not record the time: use the file's
  // modification time, as upstream does.
  struct stat st {};
  if (::stat(aum_path(hash).c_str(), &st) != 0) return kGoZeroTime;
  return static_cast<UnixTime>(st.st_mtim.tv_sec);
}

Status DirectoryStorage::purge_aums(std::span<const AumHash> hashes) {
  if (hashes.empty()) return {};
  std::unique_lock lock(mu_);
  const UnixTime purged_at = std::max<UnixTime>(now(), 1);  // 0 would mean "not purged"
  std::set<std::string> dirs_to_sync;
  Status result;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const AumHash& h = hashes[i];
    const AumIndex::Entry* entry = index_.find(h);
    if (entry == nullptr) continue;
    HashInfo info;
    info.aum = entry->aum;
    info.created = entry->committed;
    info.purged = purged_at;
    const std::string path = aum_path(h);
    const std::string dir = parent_directory(path);
    if (auto st = write_file_atomically(dir, h.to_string(), encode_hash_info(info)); !st) {
      result = Error{"committing purge[" + std::to_string(i) + "] (" + h.to_string() + "): " + st.message()};
      break;
    }
    dirs_to_sync.insert(dir);
    purged_[h] = entry->committed;
    index_.erase(h);
  }
  for (const auto& d : dirs_to_sync) {
    if (auto st = fsync_directory(d); !st && result.ok()) result = st;
  }
  return result;
}

Status DirectoryStorage::remove_all() {
  std::unique_lock lock(mu_);
  std::error_code ec;
  fs::remove_all(dir_, ec);
  index_.clear();
  purged_.clear();
  if (ec) return Error{"removing " + dir_ + ": " + ec.message()};
  return {};
}

}  // namespace latchkey::tka
