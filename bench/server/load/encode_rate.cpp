#include "encode_rate.h"

#include <time.h>

#include "transport/map_frame.h"
#include "server/metrics.h"
#include "server/serve_config.h"
#include "server/tailnet.h"

namespace latchkey::load {
namespace {

double thread_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

Result<EncodeRate> measure_encode_rate(const std::filesystem::path& work_dir, std::size_t samples) {
  auto config = server::load_serve_config((work_dir / "config.yaml").string());
  if (!config) return config.error();
  auto db = store::Store::open(config->database);
  if (!db) return Error{"opening the run's database: " + db.message(), db.kind()};
  server::ServerMetrics metrics;
  auto tailnet = server::Tailnet::create(config->server.tailnet, std::shared_ptr<store::Store>(std::move(*db)), &metrics);
  if (!tailnet) return tailnet.error();

  EncodeRate out;
  const auto now = tailcfg::GoTime::from_system(std::chrono::system_clock::now());
  (*tailnet)->with_netmap([&](const server::Netmap& m) {
    out.nodes = m.size();
    std::vector<server::NodeId> ids;
    for (server::NodeId id = 1; ids.size() < samples && id <= static_cast<server::NodeId>(m.size() * 2 + 10); ++id) {
      if (m.node(id) != nullptr) ids.push_back(id);
    }
    double json_ms = 0, zstd_ms = 0, json_bytes = 0, zstd_bytes = 0;
    for (server::NodeId id : ids) {
      const double t0 = thread_cpu_ms();
      auto json = m.full_map_json(id, now);
      const double t1 = thread_cpu_ms();
      if (!json) continue;
      Bytes frame = transport::map_frame(*json, true);
      const double t2 = thread_cpu_ms();
      json_ms += t1 - t0;
      zstd_ms += t2 - t1;
      json_bytes += static_cast<double>(json->size());
      zstd_bytes += static_cast<double>(frame.size());
      ++out.samples;
    }
    if (out.samples > 0) {
      const auto k = static_cast<double>(out.samples);
      out.json_ms = json_ms / k;
      out.zstd_ms = zstd_ms / k;
      out.json_bytes = json_bytes / k;
      out.zstd_bytes = zstd_bytes / k;
    }
  });
  if (out.samples == 0) return Error{"the run's tailnet has no nodes to encode a full map for"};
  return out;
}

}  // namespace latchkey::load
