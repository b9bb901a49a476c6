// POST /machine/set-dns (upstream tailcfg.go SetDNSRequest and the empty
// SetDNSResponse): a node asks control to publish a DNS record, e.g. an
// ACME TXT challenge under its MagicDNS name.
#pragma once

#include <string>

#include "key/node_key.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct SetDnsRequest {
  CapabilityVersion version = 0;
  key::NodePublic node_key;
  std::string name;
  std::string type;
  std::string value;
  friend bool operator==(const SetDnsRequest&, const SetDnsRequest&) = default;
};

struct SetDnsResponse {
  friend bool operator==(const SetDnsResponse&, const SetDnsResponse&) = default;
};

void write_value(JsonWriter& w, const SetDnsRequest& v);
void write_value(JsonWriter& w, const SetDnsResponse& v);

}  // namespace latchkey::tailcfg
