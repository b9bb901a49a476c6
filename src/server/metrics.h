// ServerMetrics: the control server's counters and their Prometheus text
// exposition (/metrics, served by MetricsListener): connected nodes,
// handshakes and connection ends (from the transport's counters), map
// responses and bytes by kind, registration outcomes, registrations waiting
// for approval, errors by kind. No upstream equivalent in this form;
// headscale exports similar Prometheus metrics.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "transport/counters.h"

namespace latchkey::server {

class ServerMetrics {
 public:
  // Labelled counters; label values are short fixed words chosen by the
  // server ("authkey", "invalid_authkey", ...).
  void registration(std::string_view outcome) { add(registrations_, outcome, 1); }
  void error(std::string_view kind) { add(errors_, kind, 1); }
  // A Tailnet Lock RPC answered (refusals are also counted as errors
  // tka_<reason>).
  void tka_request(std::string_view endpoint) { add(tka_requests_, endpoint, 1); }
  void map_response(std::string_view kind, std::size_t bytes) {
    add(map_responses_, kind, 1);
    add(map_bytes_, kind, bytes);
  }

  std::atomic<std::int64_t> map_streams{0};  // open streaming map sessions
  std::atomic<std::uint64_t> map_requests{0};
  std::atomic<std::uint64_t> batches{0};     // delta batches sent out
  std::atomic<std::uint64_t> ephemeral_removed{0};
  // Interactive registrations waiting for approval (stored rows), as of
  // the last registration or purge.
  std::atomic<std::int64_t> pending_registrations{0};

  std::uint64_t registrations(std::string_view outcome) const { return get(registrations_, outcome); }
  std::uint64_t errors(std::string_view kind) const { return get(errors_, kind); }
  std::uint64_t tka_requests(std::string_view endpoint) const { return get(tka_requests_, endpoint); }
  std::uint64_t map_responses(std::string_view kind) const { return get(map_responses_, kind); }
  std::uint64_t map_bytes(std::string_view kind) const { return get(map_bytes_, kind); }

  // The Prometheus text format (version 0.0.4). `nodes`, `online`: gauges
  // the caller reads from the tailnet model.
  std::string prometheus(const transport::TransportCounters& transport, std::size_t nodes, std::size_t online) const;

 private:
  using Labelled = std::map<std::string, std::uint64_t, std::less<>>;
  void add(Labelled& m, std::string_view label, std::uint64_t n);
  std::uint64_t get(const Labelled& m, std::string_view label) const;

  mutable std::mutex mu_;
  Labelled registrations_;
  Labelled errors_;
  Labelled tka_requests_;
  Labelled map_responses_;
  Labelled map_bytes_;
};

}  // namespace latchkey::server
