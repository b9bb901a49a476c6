// latchkey_soak: the soak of issue 12. Starts `latchkey serve` as its own
// process on 127.0.0.1 with a fresh SQLite database, registers N simulated
// nodes, then for --minutes brings all of them online over new TS2021
// connections (streaming maps), drops every connection without a goodbye
// (FIN, a fraction RST) and waits for the server's descriptors to return
// to their baseline; at the end checks every node's Online flag from an
// observer's map. Prints a per-wave table and the verdict as Markdown
// (docs/performance.md, "## server soak"); exits 1 if an acceptance
// criterion failed.
//
//   latchkey_soak [--nodes 2000] [--minutes 10] [--waves W] [--reset-fraction 0.25]
//                 [--hold-ms 1000] [--fd-tolerance 0] [--client-threads 2]
//                 [--server-threads 2] [--in-flight 64] [--server-binary PATH] [--keep]
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "proc_stats.h"
#include "soak_run.h"

namespace {

using namespace latchkey::load;

#ifndef LATCHKEY_BINARY
#define LATCHKEY_BINARY "latchkey"
#endif

int usage() {
  std::cerr << "usage: latchkey_soak [--nodes N] [--minutes M] [--waves W] [--reset-fraction F] [--hold-ms MS]\n"
               "                     [--fd-tolerance K] [--client-threads T] [--server-threads T] [--in-flight M]\n"
               "                     [--server-binary PATH] [--keep]\n";
  return 2;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string mib(long kib) { return fixed(static_cast<double>(kib) / 1024, 1); }

std::string growth_line(const char* what, const RssGrowth& g, double limit, bool judged) {
  if (!g.measured) return std::string(what) + ": not measured (no two waves after the first minute)";
  return std::string(what) + ": " + mib(g.reference_kib) + " MiB at wave " + std::to_string(g.reference_wave) +
         " (the first after minute 1), max " + mib(g.max_kib) + ", last " + mib(g.last_kib) + " MiB: growth " +
         fixed(g.growth * 100, 1) + "%" +
         (judged ? std::string(" (limit ") + fixed(limit * 100, 0) + "%: " + (g.growth <= limit ? "met" : "FAILED") + ")"
                 : std::string(" (reported, not judged)"));
}

}  // namespace

int main(int argc, char** argv) {
  SoakOptions o;
  o.server_binary = LATCHKEY_BINARY;
  bool keep = false;
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
        o.nodes = std::stoul(value());
      } else if (a == "--minutes") {
        o.duration = std::chrono::seconds(static_cast<long>(std::stod(value()) * 60));
      } else if (a == "--waves") {
        o.max_waves = std::stoi(value());
      } else if (a == "--reset-fraction") {
        o.reset_fraction = std::stod(value());
      } else if (a == "--hold-ms") {
        o.hold = std::chrono::milliseconds(std::stol(value()));
      } else if (a == "--fd-tolerance") {
        o.fd_tolerance = std::stoul(value());
      } else if (a == "--client-threads") {
        o.client_threads = std::stoi(value());
      } else if (a == "--server-threads") {
        o.server_threads = std::stoi(value());
      } else if (a == "--in-flight") {
        o.in_flight = std::stoul(value());
      } else if (a == "--server-binary") {
        o.server_binary = value();
      } else if (a == "--keep") {
        keep = true;
      } else {
        return usage();
      }
    } catch (const std::exception&) {
      std::cerr << "bad value for " << a << "\n";
      return usage();
    }
  }
  if (o.reset_fraction < 0 || o.reset_fraction > 1) {
    std::cerr << "--reset-fraction must be between 0 and 1\n";
    return 2;
  }
  // The server inherits this limit; both ends hold one descriptor per node.
  const long files = raise_open_file_limit();
  std::cerr << "open file limit " << files << " (this process and the server)\n";
  if (static_cast<long>(o.nodes) + 200 > files) {
    std::cerr << "N=" << o.nodes << " needs more open files than the limit " << files << "\n";
    return 1;
  }
  o.progress = [](const std::string& line) { std::cerr << line << std::endl; };
  o.work_dir = std::filesystem::temp_directory_path() / ("latchkey-soak-" + std::to_string(::getpid()));
  std::filesystem::create_directories(o.work_dir);

  auto r = run_soak(o);
  if (!r) {
    std::cerr << "soak: " << r.message() << "\n";
    if (!keep) std::filesystem::remove_all(o.work_dir);
    return 1;
  }
  const auto& x = *r;
  const bool passed = x.passed(o.rss_reference_after, o.max_rss_growth);

  std::cout << "| wave | start (s) | all streaming (s) | streaming | dropped with RST | server fds streaming / after "
               "drop | back at baseline (ms) | server RSS streaming / quiet (MiB) | server CPU (s) |\n"
            << "| ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |\n";
  auto row = [&](const std::string& name, const WaveFigures& w) {
    const bool reg = &w == &x.registration;
    std::cout << "| " << name << " | " << fixed(w.start_s, 0) << " | " << (reg ? "-" : fixed(w.online_s, 1)) << " | "
              << (reg ? "-" : std::to_string(w.streaming)) << " | " << w.resets << " | "
              << (reg ? "-" : std::to_string(w.fds_streaming)) << " / " << w.fds_after << " | "
              << (w.fds_returned ? fixed(w.fd_return_ms, 0) : "NOT BACK") << " | "
              << (reg ? "-" : mib(w.rss_streaming_kib)) << " / " << mib(w.rss_idle_kib) << " | "
              << fixed(w.server_cpu_s, 1) << " |\n";
  };
  row("register (" + fixed(x.registration.online_s, 1) + " s)", x.registration);
  for (const auto& w : x.waves) row(std::to_string(w.wave), w);

  double max_return = x.registration.fd_return_ms;
  std::size_t max_after = x.registration.fds_after;
  for (const auto& w : x.waves) {
    max_return = std::max(max_return, w.fd_return_ms);
    max_after = std::max(max_after, w.fds_after);
  }
  std::string kinds;
  for (const auto& [what, n] : x.fd_baseline_kinds) kinds += (kinds.empty() ? "" : ", ") + std::to_string(n) + " x " + what;
  const double cpu = x.server_end.cpu_seconds - x.server_start.cpu_seconds;

  std::cout << "\n- nodes: " << x.nodes << " (+1 observer), registered " << x.registered << "; waves: "
            << x.waves.size() << " in " << fixed(x.soak_seconds, 0) << " s\n"
            << "- errors: " << x.errors << (x.errors > 0 ? " (first: " + x.first_error + ")" : "") << "\n"
            << "- " << growth_line("server RSS, quiet after each wave", x.rss_idle_growth(o.rss_reference_after),
                                   o.max_rss_growth, true)
            << "\n"
            << "- " << growth_line("server RSS, all streaming", x.rss_streaming_growth(o.rss_reference_after),
                                   o.max_rss_growth, false)
            << "\n"
            << "- server descriptors: baseline " << x.fd_baseline << " (" << kinds << "; limit " << x.server_fd_limit
            << "), tolerance " << o.fd_tolerance << "; after every drop back at " << max_after
            << " at most, slowest return " << fixed(max_return, 0) << " ms"
            << (x.fds_always_returned() ? "" : "; NOT BACK: " + x.fd_excess) << "\n"
            << "- Online flags at the end: " << x.flags_checked << " of " << x.nodes << " nodes checked, "
            << x.online_expected << " expected online, " << x.flags_wrong << " wrong; the online half dropped: "
            << (x.offline_seen ? "all offline at the observer after " + fixed(x.offline_seen_ms, 0) + " ms"
                               : std::string("NOT all offline at the observer"))
            << "; descriptors after the last drop " << x.final_close.fds_after << "\n"
            << "- server CPU: " << fixed(cpu, 1) << " s in total ("
            << fixed(x.waves.empty() ? 0 : cpu / static_cast<double>(x.waves.size()), 1)
            << " s per wave), peak RSS " << mib(x.server_end.hwm_kib) << " MiB; map bytes received "
            << fixed(static_cast<double>(x.wire_bytes) / 1e6, 0) << " MB; server " << x.server_exit << "\n"
            << "- result: " << (passed ? "PASSED" : "FAILED") << "\n";
  if (!passed && !x.server_log_tail.empty()) std::cerr << "server log tail:\n" << x.server_log_tail << "\n";
  if (!keep) std::filesystem::remove_all(o.work_dir);
  return passed ? 0 : 1;
}
