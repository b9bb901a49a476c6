#include "server/metrics.h"

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

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

template <class N>
void sample(std::string& out, std::string_view name, std::string_view label, std::string_view value, N n) {
  out += name;
  if (!label.empty()) {
    out += '{';
    out += label;
    out += "=\"";
    out += value;
    out += "\"}";
  }
  out += ' ';
  out += std::to_string(n);
  out += '\n';
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
  family(out, "latchkey_connections_accepted_total", "counter", "TCP connections accepted.");
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
  family(out, "latchkey_errors_total", "counter", "Requests refused or failed, by kind.");
  for (const auto& [k, v] : errors_) sample(out, "latchkey_errors_total", "kind", k, v);
  return out;
}

}  // namespace latchkey::server
