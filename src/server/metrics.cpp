#include "server/metrics.h"

#include "base/prometheus_text.h"

namespace latchkey::server {

void ServerMetrics::add(Labelled& m, std::string_view label, std::uint64_t n) {
  std::lock_guard lock(mu_);
  auto it = m.find(label);
  if (it == m.end()) it = m.emplace(std::string(label), 0).first;
  it->second += n;
}

std::uint64_t ServerMetrics::get(const Labelled& m, std::string_view label) const {
  std::lock_guard lock(mu_);
  auto it = m.find(label);
  return it == m.end() ? 0 : it->second;
}

namespace {

using prometheus::family;
using prometheus::sample;
using prometheus::sample2;

// Failed and refused accepts, how Noise sessions ended, HTTP statuses.
void transport_hardening(std::string& out, const transport::TransportCounters& t) {
  family(out, "latchkey_accept_errors_total", "counter",
         "Failed accepts (e.g. out of file descriptors), each followed by a pause of 5 ms to 1 s.");
  sample(out, "latchkey_accept_errors_total", "", "", t.accept_errors.load());
  family(out, "latchkey_connections_refused_total", "counter",
         "Connections closed at once because the server held its maximum, by which limit.");
  sample(out, "latchkey_connections_refused_total", "limit", "max_connections", t.refused_over_total.load());
  sample(out, "latchkey_connections_refused_total", "limit", "max_connections_per_address",
         t.refused_over_per_address.load());
  family(out, "latchkey_noise_sessions_ended_total", "counter",
         "Noise sessions ended, by what the client sent: requests; valid records but no request; not one valid "
         "record (what a replayed handshake looks like).");
  sample(out, "latchkey_noise_sessions_ended_total", "client_sent", "requests", t.sessions_with_requests.load());
  sample(out, "latchkey_noise_sessions_ended_total", "client_sent", "no_request", t.sessions_without_request.load());
  sample(out, "latchkey_noise_sessions_ended_total", "client_sent", "no_valid_record",
         t.sessions_without_valid_record.load());
  family(out, "latchkey_http_responses_total", "counter",
         "HTTP responses sent, by protocol (HTTP/1.1 before the upgrade, HTTP/2 inside Noise) and status code.");
  for (unsigned code = transport::HttpStatusCounts::kFirst; code <= transport::HttpStatusCounts::kLast; ++code) {
    const std::string text = std::to_string(code);
    if (auto n = t.http1_responses.of(code)) sample2(out, "latchkey_http_responses_total", "protocol", "http1", "code", text, n);
    if (auto n = t.http2_responses.of(code)) sample2(out, "latchkey_http_responses_total", "protocol", "http2", "code", text, n);
  }
}

}  // namespace

std::string ServerMetrics::prometheus(const transport::TransportCounters& t, std::size_t nodes,
                                      std::size_t online) const {
  std::string out;
  family(out, "latchkey_nodes", "gauge", "Nodes registered in the tailnet.");
  sample(out, "latchkey_nodes", "", "", nodes);
  family(out, "latchkey_nodes_connected", "gauge", "Nodes with an open streaming map session.");
  sample(out, "latchkey_nodes_connected", "", "", online);
  family(out, "latchkey_map_streams", "gauge", "Open streaming map sessions.");
  sample(out, "latchkey_map_streams", "", "", map_streams.load());
  family(out, "latchkey_connections_open", "gauge", "Open TS2021 connections.");
  sample(out, "latchkey_connections_open", "", "", t.connections_open.load());
  family(out, "latchkey_connections_accepted_total", "counter", "TCP connections accepted and served (refused ones: latchkey_connections_refused_total).");
  sample(out, "latchkey_connections_accepted_total", "", "", t.connections_accepted.load());
  family(out, "latchkey_handshakes_total", "counter", "Noise handshakes completed.");
  sample(out, "latchkey_handshakes_total", "", "", t.handshakes_completed.load());
  family(out, "latchkey_key_requests_total", "counter", "GET /key requests answered.");
  sample(out, "latchkey_key_requests_total", "", "", t.key_requests.load());
  family(out, "latchkey_http2_requests_total", "counter", "HTTP/2 requests dispatched over Noise.");
  sample(out, "latchkey_http2_requests_total", "", "", t.http2_streams.load());
  family(out, "latchkey_connections_closed_total", "counter", "Connections ended, by reason.");
  for (std::size_t i = 0; i < transport::kCloseReasonCount; ++i) {
    const auto r = static_cast<transport::CloseReason>(i);
    sample(out, "latchkey_connections_closed_total", "reason", transport::to_string(r), t.closed_for(r));
  }
  transport_hardening(out, t);
  family(out, "latchkey_map_requests_total", "counter", "MapRequests received.");
  sample(out, "latchkey_map_requests_total", "", "", map_requests.load());
  family(out, "latchkey_map_batches_total", "counter", "Batches of tailnet changes sent to map streams.");
  sample(out, "latchkey_map_batches_total", "", "", batches.load());
  family(out, "latchkey_ephemeral_nodes_removed_total", "counter", "Ephemeral nodes removed after inactivity.");
  sample(out, "latchkey_ephemeral_nodes_removed_total", "", "", ephemeral_removed.load());
  family(out, "latchkey_pending_registrations", "gauge", "Interactive registrations waiting for approval.");
  sample(out, "latchkey_pending_registrations", "", "", pending_registrations.load());
  std::lock_guard lock(mu_);
  family(out, "latchkey_map_responses_total", "counter", "Map messages sent, by kind (full, delta, keepalive).");
  for (const auto& [k, v] : map_responses_) sample(out, "latchkey_map_responses_total", "kind", k, v);
  family(out, "latchkey_map_response_bytes_total", "counter", "Map message bytes sent (framed, after compression), by kind.");
  for (const auto& [k, v] : map_bytes_) sample(out, "latchkey_map_response_bytes_total", "kind", k, v);
  family(out, "latchkey_registrations_total", "counter", "Registration requests, by outcome.");
  for (const auto& [k, v] : registrations_) sample(out, "latchkey_registrations_total", "outcome", k, v);
  family(out, "latchkey_tka_requests_total", "counter", "Tailnet Lock RPCs answered, by endpoint.");
  for (const auto& [k, v] : tka_requests_) sample(out, "latchkey_tka_requests_total", "rpc", k, v);
  family(out, "latchkey_errors_total", "counter", "Requests refused or failed, by kind.");
  for (const auto& [k, v] : errors_) sample(out, "latchkey_errors_total", "kind", k, v);
  return out;
}

}  // namespace latchkey::server
