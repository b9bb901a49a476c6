// `latchkey debug tka-replay FILE`: the report it prints for one replay file
// (see debug_tka_replay.cpp), separate from the command so tests can check it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace latchkey::cli {

// Bounds on the replay input: a larger file or longer lists are refused
// with an error before any AUM is decoded.
inline constexpr std::size_t kMaxTkaReplayFileBytes = 64u << 20;  // 64 MiB
inline constexpr std::size_t kMaxTkaReplayAums = 100000;
inline constexpr std::size_t kMaxTkaReplayNodeKeys = 100000;

struct DebugTkaReplayReport {
  int exit_code;     // 0 when the bootstrap and the batch were accepted, else 1
  std::string json;  // the one-line JSON object printed on stdout
};

// Replays the JSON document `file_text` (the contents of FILE).
DebugTkaReplayReport debug_tka_replay_report(std::string_view file_text);

// Reads FILE (at most kMaxTkaReplayFileBytes) and replays it.
DebugTkaReplayReport debug_tka_replay_file(const std::string& path);

}  // namespace latchkey::cli
