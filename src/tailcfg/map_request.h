// The netmap request, POST /machine/map (upstream tailcfg.go MapRequest):
// a streaming poll (Stream), a one-shot update of endpoints/hostinfo
// (OmitPeers, no Stream), or a read-only fetch.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "key/disco_key.h"
#include "key/node_key.h"
#include "tailcfg/go_time.h"
#include "tailcfg/hardware_attestation_key.h"
#include "tailcfg/hostinfo.h"
#include "tailcfg/netip.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct MapRequest {
  CapabilityVersion version = 0;
  std::string compress;  // "zstd" or ""; omitzero
  bool keep_alive = false;  // omitzero
  key::NodePublic node_key;
  key::DiscoPublic disco_key;
  HardwareAttestationPublic hardware_attestation_key;  // omitzero
  Bytes hardware_attestation_key_signature;            // omitempty
  GoTime hardware_attestation_key_signature_timestamp;  // omitzero
  bool stream = false;                                  // omitzero
  std::optional<Hostinfo> hostinfo;                     // null when nil
  std::string map_session_handle;                       // omitzero
  std::int64_t map_session_seq = 0;                     // omitzero
  std::vector<AddrPort> endpoints;                      // omitempty
  std::vector<EndpointType> endpoint_types;             // omitempty
  std::string tka_head;                                 // omitzero
  bool read_only = false;                               // omitzero
  bool omit_peers = false;                              // omitzero
  std::vector<std::string> debug_flags;                 // omitempty
  std::string connection_handle_for_test;               // omitzero
  friend bool operator==(const MapRequest&, const MapRequest&) = default;
};

void write_value(JsonWriter& w, const MapRequest& v);

}  // namespace latchkey::tailcfg
