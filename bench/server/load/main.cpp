// latchkey_load: the control server under N simulated nodes. For each N in
// --nodes it starts `latchkey serve` as its own process on 127.0.0.1 with a
// fresh SQLite database, brings N nodes online over real TS2021/Noise
// connections (one per node), times endpoint changes until every peer has
// them, and reads the server's CPU and memory from /proc. Then the server's
// full-map encoder is timed on the largest tailnet. Results go to stdout as
// a Markdown table (docs/performance.md, "## server load"). With
// --lock-changes K, then the Tailnet Lock: init/finish with every node
// signed (timed over the wire) and K re-signatures timed until every other
// node had them, as a second table.
//
//   latchkey_load --nodes 250,500,1000,2000,5000 [--changes 20] [--lock-changes K]
//                 [--client-threads 2] [--server-threads 2] [--in-flight 64]
//                 [--server-binary PATH] [--keep]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "encode_rate.h"
#include "load_run.h"
#include "proc_stats.h"

namespace {

using namespace latchkey::load;

#ifndef LATCHKEY_BINARY
#define LATCHKEY_BINARY "latchkey"
#endif

int usage() {
  std::cerr << "usage: latchkey_load [--nodes N[,N...]] [--changes K] [--lock-changes K] [--client-threads T]\n"
               "                     [--server-threads T] [--in-flight M] [--settle-ms MS] [--server-binary PATH] [--keep] [--no-encode]\n";
  return 2;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{250, 500, 1000, 2000, 5000};
  LoadOptions base;
  base.server_binary = LATCHKEY_BINARY;
  bool keep = false;
  bool encode = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(usage());
      }
      return argv[++i];
    };
    try {
      if (a == "--nodes") {
        sizes.clear();
        std::stringstream list(value());
        std::string item;
        while (std::getline(list, item, ',')) sizes.push_back(std::stoul(item));
      } else if (a == "--changes") {
        base.changes = std::stoi(value());
      } else if (a == "--lock-changes") {
        base.lock_changes = std::stoi(value());
      } else if (a == "--client-threads") {
        base.client_threads = std::stoi(value());
      } else if (a == "--server-threads") {
        base.server_threads = std::stoi(value());
      } else if (a == "--in-flight") {
        base.in_flight = std::stoul(value());
      } else if (a == "--server-binary") {
        base.server_binary = value();
      } else if (a == "--settle-ms") {
        base.settle = std::chrono::milliseconds(std::stol(value()));
      } else if (a == "--keep") {
        keep = true;
      } else if (a == "--no-encode") {
        encode = false;
      } else {
        return usage();
      }
    } catch (const std::exception&) {
      std::cerr << "bad value for " << a << "\n";
      return usage();
    }
  }
  const long files = raise_open_file_limit();
  std::cerr << "open file limit " << files << "\n";
  for (std::size_t n : sizes) {
    if (static_cast<long>(n) + 100 > files) {
      std::cerr << "N=" << n << " needs more open files than the limit " << files << "\n";
      return 1;
    }
  }
  base.progress = [](const std::string& line) { std::cerr << line << std::endl; };

  const auto root = std::filesystem::temp_directory_path() / ("latchkey-load-" + std::to_string(::getpid()));
  std::vector<LoadResult> results;
  std::filesystem::path largest_dir;
  std::size_t largest = 0;
  bool all_passed = true;
  for (std::size_t n : sizes) {
    LoadOptions o = base;
    o.nodes = n;
    o.work_dir = root / ("n" + std::to_string(n));
    std::filesystem::create_directories(o.work_dir);
    auto r = run_load(o);
    if (!r) {
      std::cerr << "N=" << n << ": " << r.message() << "\n";
      all_passed = false;
      continue;
    }
    if (!r->passed()) {
      all_passed = false;
      std::cerr << "N=" << n << ": NOT PASSED: " << r->errors << " error(s), first: " << r->first_error
                << "\nserver " << r->server_exit << "; log tail:\n"
                << r->server_log_tail << "\n";
    }
    if (n >= largest) {
      if (!largest_dir.empty() && !keep) std::filesystem::remove_all(largest_dir);
      largest = n;
      largest_dir = o.work_dir;
    } else if (!keep) {
      std::filesystem::remove_all(o.work_dir);
    }
    results.push_back(std::move(*r));
    const auto& x = results.back();
    std::cerr << "N=" << n << " done: online " << fixed(x.online_seconds, 2) << " s, change p99 "
              << fixed(percentile(x.delivery_ms, 99), 1) << " ms, server exit: " << x.server_exit << "\n";
  }

  std::cout << "| N | register (s) | all online, full views (s) | change to one peer p50 / p99 (ms) | change to all peers "
               "p50 / max (ms) | server CPU: register / online / per change (s, s, ms) | server RSS start / idle (MiB) | "
               "RSS per idle node (KiB) | peak RSS (MiB) | map bytes received (MB, zstd) | stream restarts | result |\n"
            << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& r : results) {
    const double per_node_kib = static_cast<double>(r.server_idle.rss_kib - r.server_start.rss_kib) /
                                static_cast<double>(r.nodes);
    const double cpu_register = r.server_registered.cpu_seconds - r.server_start.cpu_seconds;
    const double cpu_online = r.server_online.cpu_seconds - r.server_registered.cpu_seconds;
    const double cpu_change = r.changes_sent > 0 ? (r.server_after_changes.cpu_seconds - r.server_idle.cpu_seconds) /
                                                       r.changes_sent * 1e3
                                                 : 0;
    std::cout << "| " << r.nodes << " | " << fixed(r.register_seconds, 2) << " | " << fixed(r.online_seconds, 2)
              << " | " << fixed(percentile(r.delivery_ms, 50), 1) << " / " << fixed(percentile(r.delivery_ms, 99), 1)
              << " | " << fixed(percentile(r.change_ms, 50), 1) << " / " << fixed(percentile(r.change_ms, 100), 1)
              << " | " << fixed(cpu_register, 2) << " / " << fixed(cpu_online, 2) << " / " << fixed(cpu_change, 1)
              << " | " << fixed(static_cast<double>(r.server_start.rss_kib) / 1024, 1) << " / "
              << fixed(static_cast<double>(r.server_idle.rss_kib) / 1024, 1) << " | " << fixed(per_node_kib, 1)
              << " | " << fixed(static_cast<double>(r.server_idle.hwm_kib) / 1024, 1) << " | "
              << fixed(static_cast<double>(r.wire_bytes) / 1e6, 1) << " | " << r.stream_restarts << " | "
              << (r.passed() ? "all views complete, " + std::to_string(r.changes_complete) + "/" +
                                   std::to_string(r.changes_sent) + " changes everywhere"
                             : "FAILED: " + r.first_error)
              << " |\n";
  }

  if (base.lock_changes > 0) {
    std::cout << "\n| N | init/finish, N signatures (ms) | TKAInfo on every stream / every peer's signature on "
                 "every stream (s) | sign to one peer p50 / p99 / max (ms) | sign to all peers p50 / max (ms) | server "
                 "CPU: enable / per sign (s, ms) | new head on every stream (ms) | syncs (offer + send) per s | sync p50 / p99 "
                 "(ms) | server CPU per sync (ms) | result |\n"
              << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    for (const auto& r : results) {
      const double cpu_enable = r.server_locked.cpu_seconds - r.server_before_lock.cpu_seconds;
      const double cpu_sign = r.lock_changes_sent > 0 ? (r.server_after_lock.cpu_seconds - r.server_locked.cpu_seconds) /
                                                            r.lock_changes_sent * 1e3
                                                      : 0;
      std::cout << "| " << r.nodes << " | " << fixed(r.lock_init_finish_ms, 1) << " | "
                << fixed(r.lock_enabled_seconds, 2) << " / " << fixed(r.lock_signed_seconds, 2) << " | "
                << fixed(percentile(r.lock_delivery_ms, 50), 1) << " / " << fixed(percentile(r.lock_delivery_ms, 99), 1)
                << " / " << fixed(percentile(r.lock_delivery_ms, 100), 1) << " | "
                << fixed(percentile(r.lock_change_ms, 50), 1) << " / " << fixed(percentile(r.lock_change_ms, 100), 1)
                << " | " << fixed(cpu_enable, 2) << " / " << fixed(cpu_sign, 1) << " | "
                << fixed(r.lock_head_seconds * 1e3, 1) << " | "
                << fixed(r.lock_sync_seconds > 0 ? static_cast<double>(r.lock_syncs) / r.lock_sync_seconds : 0, 0)
                << " | " << fixed(percentile(r.lock_sync_ms, 50), 1) << " / " << fixed(percentile(r.lock_sync_ms, 99), 1)
                << " | "
                << fixed(r.lock_syncs > 0 ? (r.server_after_syncs.cpu_seconds - r.server_before_syncs.cpu_seconds) /
                                                static_cast<double>(r.lock_syncs) * 1e3
                                          : 0,
                         2)
                << " | "
                << (r.passed() ? "lock enabled, " + std::to_string(r.lock_changes_complete) + "/" +
                                     std::to_string(r.lock_changes_sent) + " signatures everywhere, " +
                                     std::to_string(r.lock_syncs) + " syncs"
                               : "FAILED: " + r.first_error)
                << " |\n";
    }
  }

  if (encode && !largest_dir.empty()) {
    auto e = measure_encode_rate(largest_dir);
    if (!e) {
      std::cerr << "encode rate: " << e.message() << "\n";
    } else {
      std::cout << "\nFull-map encode, server encoder, " << e->nodes << "-node tailnet (" << e->samples
                << " maps, one thread): JSON " << fixed(e->json_bytes / 1e6, 2) << " MB in " << fixed(e->json_ms, 2)
                << " ms (" << fixed(e->json_mb_s(), 0) << " MB/s); zstd framing to " << fixed(e->zstd_bytes / 1e6, 2)
                << " MB in " << fixed(e->zstd_ms, 2) << " ms (" << fixed(e->zstd_mb_s(), 0)
                << " MB/s of JSON); together " << fixed(e->total_mb_s(), 0) << " MB/s, "
                << fixed(e->json_ms + e->zstd_ms, 2) << " ms per full map.\n";
    }
  }
  if (!keep) std::filesystem::remove_all(root);
  return all_passed ? 0 : 1;
}
