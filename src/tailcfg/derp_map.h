// The DERP relay map sent to clients (upstream tailcfg/derpmap.go: DERPMap,
// DERPHomeParams, DERPRegion, DERPNode).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tailcfg/types.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct DerpNode {
  std::string name;
  DerpRegionId region_id = 0;
  std::string host_name;
  std::string cert_name;          // omitempty
  std::string ipv4;               // omitempty; "none" disables IPv4
  std::string ipv6;               // omitempty; "none" disables IPv6
  std::int64_t stun_port = 0;     // omitempty; 0 = 3478, -1 = disabled
  bool stun_only = false;         // omitempty
  std::int64_t derp_port = 0;     // omitempty; 0 = 443
  bool insecure_for_tests = false;  // omitempty
  std::string stun_test_ip;       // omitempty
  bool can_port80 = false;        // omitempty
  friend bool operator==(const DerpNode&, const DerpNode&) = default;
};

struct DerpRegion {
  DerpRegionId region_id = 0;
  std::string region_code;
  std::string region_name;
  double latitude = 0;          // omitempty
  double longitude = 0;         // omitempty
  bool avoid = false;           // omitempty
  bool no_measure_no_home = false;  // omitempty
  NilableVector<DerpNode> nodes;    // []*DERPNode, null when nil
  friend bool operator==(const DerpRegion&, const DerpRegion&) = default;
};

struct DerpHomeParams {
  std::map<DerpRegionId, double> region_score;  // omitempty
  friend bool operator==(const DerpHomeParams&, const DerpHomeParams&) = default;
};

struct DerpMap {
  std::optional<DerpHomeParams> home_params;  // omitempty
  // map[DERPRegionID]*DERPRegion. Always encoded as an object (a nil map,
  // which Go would encode as null, is not distinguished from an empty one).
  std::map<DerpRegionId, DerpRegion> regions;
  bool omit_default_regions = false;  // JSON "omitDefaultRegions", omitempty
  friend bool operator==(const DerpMap&, const DerpMap&) = default;
};

void write_value(JsonWriter& w, const DerpNode& v);
void write_value(JsonWriter& w, const DerpRegion& v);
void write_value(JsonWriter& w, const DerpHomeParams& v);
void write_value(JsonWriter& w, const DerpMap& v);

}  // namespace latchkey::tailcfg
