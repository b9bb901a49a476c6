// DNS configuration pushed to clients (upstream tailcfg.go DNSConfig,
// DNSRecord; types/dnstype Resolver).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tailcfg/netip.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

class JsonWriter;

// dnstype.Resolver: a DNS resolver address ("1.1.1.1", "https://...",
// "tls://...") with optional bootstrap addresses.
struct DnsResolver {
  std::string addr;                             // omitempty
  std::vector<IpAddr> bootstrap_resolution;     // omitempty
  bool use_with_exit_node = false;              // omitempty
  friend bool operator==(const DnsResolver&, const DnsResolver&) = default;
};

struct DnsRecord {
  std::string name;
  std::string type;  // omitzero; "" means "A" or "AAAA" by the value's form
  std::string value;
  friend bool operator==(const DnsRecord&, const DnsRecord&) = default;
};

struct DnsConfig {
  std::vector<DnsResolver> resolvers;  // omitempty
  // Split DNS: suffix to resolvers. An empty (non-nil) list means "use the
  // system resolvers for this suffix", so nil and empty differ here.
  std::map<std::string, NilableVector<DnsResolver>> routes;  // omitempty
  std::vector<DnsResolver> fallback_resolvers;               // omitempty
  std::vector<std::string> domains;                          // omitempty
  bool proxied = false;                                      // omitzero
  std::vector<IpAddr> nameservers;                           // omitempty
  std::vector<std::string> cert_domains;                     // omitempty
  std::vector<DnsRecord> extra_records;                      // omitempty
  std::vector<std::string> exit_node_filtered_set;           // omitempty
  std::string temp_corp_issue_13969;                         // omitzero
  friend bool operator==(const DnsConfig&, const DnsConfig&) = default;
};

void write_value(JsonWriter& w, const DnsResolver& v);
void write_value(JsonWriter& w, const DnsRecord& v);
void write_value(JsonWriter& w, const DnsConfig& v);

}  // namespace latchkey::tailcfg
