// EncodeRate: how fast the server's own encoder produces full maps for the
// tailnet a load run left behind — the database is loaded into a Tailnet
// exactly as `latchkey serve` loads it (same config file), and full maps
// for a sample of its nodes are encoded (JSON, spliced from cached peer
// texts) and framed with zstd as streams get them. Single-threaded, timed
// with the thread's CPU clock.
#pragma once

#include <cstddef>
#include <filesystem>

#include "base/result.h"

namespace latchkey::load {

struct EncodeRate {
  std::size_t nodes = 0;        // in the tailnet
  std::size_t samples = 0;      // full maps encoded
  double json_bytes = 0;        // of one full map (mean)
  double zstd_bytes = 0;        // framed and compressed (mean)
  double json_ms = 0;           // CPU per full map, JSON only
  double zstd_ms = 0;           // CPU per full map, zstd framing only
  double json_mb_s() const { return json_ms > 0 ? json_bytes / json_ms / 1e3 : 0; }
  double zstd_mb_s() const { return zstd_ms > 0 ? json_bytes / zstd_ms / 1e3 : 0; }
  double total_mb_s() const { return json_ms + zstd_ms > 0 ? json_bytes / (json_ms + zstd_ms) / 1e3 : 0; }
};

// `work_dir` holds the config.yaml and database of a finished run.
Result<EncodeRate> measure_encode_rate(const std::filesystem::path& work_dir, std::size_t samples = 20);

}  // namespace latchkey::load
