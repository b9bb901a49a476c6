// SoakRun: the soak of issue 12 — N simulated nodes against one real
// `latchkey serve` process (fresh SQLite, 127.0.0.1), reconnecting in waves
// for a set time. Each node registers once with a reusable pre-auth key and
// keeps its keys. A wave: every node dials a new TS2021 connection, opens a
// streaming map (zstd) and waits for its first full map (which must list
// every other node); once all stream, every connection is dropped without
// a goodbye (no GOAWAY: a FIN, or for a fraction a RST), and the run waits
// until the server's open descriptors (/proc/<pid>/fd) are back at the
// baseline read before the first client connected, timing it. Then an
// observer node connects: its full map must show every node offline. RSS
// is read with every node streaming and again once the server has gone
// quiet after the observer left (it returns freed heap 1 s after the last
// map traffic). At the end half the nodes come back online, the observer
// checks every peer's Online flag, then the online half drops and the
// observer must see all of them go offline. The core of latchkey_soak and
// of its smoke test.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "proc_stats.h"

namespace latchkey::load {

struct SoakOptions {
  std::string server_binary;        // the latchkey executable
  std::filesystem::path work_dir;   // an existing directory for config, database, log
  std::size_t nodes = 2000;
  std::chrono::seconds duration{600};  // waves start until this much time has passed
  int max_waves = 0;                   // also stop after this many (0: no limit)
  int client_threads = 2;
  int server_threads = 2;
  std::size_t in_flight = 64;          // nodes dialing / waiting for their first map at once
  double reset_fraction = 0.25;        // closes sent as RST rather than FIN
  std::chrono::milliseconds hold{1000};  // everyone streaming, before the close
  // Descriptors the server may hold above its baseline after a wave and
  // still count as back at it.
  std::size_t fd_tolerance = 0;
  std::chrono::seconds online_timeout{300};  // a wave's dial-and-stream phase
  std::chrono::seconds close_timeout{30};    // descriptors back at the baseline
  // The quiet RSS is read this long after the observer left at the
  // earliest (the server gives freed heap back after 1 s without map
  // traffic), once RSS held still for half a second (or this long, if less).
  std::chrono::milliseconds rss_quiet{1200};
  std::chrono::seconds rss_reference_after{60};
  double max_rss_growth = 0.05;
  std::function<void(const std::string&)> progress;  // optional progress lines
};

// One wave (wave 0: the registration, each node on its own connection).
struct WaveFigures {
  int wave = 0;
  double start_s = 0;          // since the first wave began (registration: 0)
  double online_s = 0;         // first dial to the last node's first full map
  std::size_t streaming = 0;   // nodes that got their first full map
  std::size_t resets = 0;      // connections dropped with RST (the rest with FIN)
  std::size_t fds_streaming = 0;  // server descriptors with every node connected
  std::size_t fds_after = 0;      // when the wait for the baseline ended
  double fd_return_ms = 0;        // from the drop to the baseline (or the timeout)
  bool fds_returned = false;
  // After the drop, an observer's full map must show every node offline:
  double look_ms = 0;              // the drop to the observer's full map
  std::size_t flags_checked = 0;   // nodes in that map
  std::size_t online_at_look = 0;  // shown online there (closes not handled yet)
  double offline_ms = 0;           // the drop to every node offline at the observer
  std::size_t flags_wrong = 0;     // still not offline at the close timeout
  long rss_streaming_kib = 0;  // server RSS with every node streaming
  long rss_idle_kib = 0;       // once the server went quiet after the drop
  double server_cpu_s = 0;     // server CPU used by this wave
};

struct RssGrowth {
  bool measured = false;  // a wave started after the reference time, and one after it
  int reference_wave = 0;
  long reference_kib = 0;
  long max_kib = 0;       // of the reference and later waves
  long last_kib = 0;
  double growth = 0;      // (max - reference) / reference
};

struct SoakResult {
  std::size_t nodes = 0;
  std::size_t registered = 0;  // simulated nodes (the observer not counted)
  std::size_t fd_baseline = 0;
  std::map<std::string, std::size_t> fd_baseline_kinds;
  std::string fd_excess;       // what was open beyond the baseline when a wait failed
  long server_fd_limit = 0;
  WaveFigures registration;
  std::vector<WaveFigures> waves;
  double soak_seconds = 0;     // first wave start to the last wave's end

  // The end: half online, checked by an observer's full map.
  std::size_t online_expected = 0;
  std::size_t flags_checked = 0;  // simulated nodes found in the observer's map
  std::size_t flags_wrong = 0;    // Online not as expected, or the node missing
  bool offline_seen = false;      // the observer saw the online half go offline
  double offline_seen_ms = 0;     // from their drop to the last offline patch
  WaveFigures final_close;        // descriptors after everyone left

  ProcStats server_start, server_end;
  std::size_t errors = 0;
  std::string first_error;
  std::uint64_t wire_bytes = 0;   // map stream bytes received (framed, compressed)
  std::string server_exit;
  std::string server_log_tail;    // when something failed

  RssGrowth rss_idle_growth(std::chrono::seconds after) const;
  RssGrowth rss_streaming_growth(std::chrono::seconds after) const;
  bool fds_always_returned() const;
  // The acceptance of issue 12: no errors, every node registered, every
  // wave streamed completely, descriptors back at the baseline after each
  // wave, Online flags right after each wave and at the end, quiet RSS
  // growth after `after` within `max_growth` (when measured), and the
  // server exited cleanly.
  bool passed(std::chrono::seconds after, double max_growth) const;
};

Result<SoakResult> run_soak(const SoakOptions& options);

}  // namespace latchkey::load
