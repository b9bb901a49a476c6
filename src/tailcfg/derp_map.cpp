#include "tailcfg/derp_map.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const DerpNode& v) {
  w.begin_object();
  field(w, "Name", v.name);
  field(w, "RegionID", v.region_id);
  field(w, "HostName", v.host_name);
  field_omitempty(w, "CertName", v.cert_name);
  field_omitempty(w, "IPv4", v.ipv4);
  field_omitempty(w, "IPv6", v.ipv6);
  field_omitempty(w, "STUNPort", v.stun_port);
  field_omitempty(w, "STUNOnly", v.stun_only);
  field_omitempty(w, "DERPPort", v.derp_port);
  field_omitempty(w, "InsecureForTests", v.insecure_for_tests);
  field_omitempty(w, "STUNTestIP", v.stun_test_ip);
  field_omitempty(w, "CanPort80", v.can_port80);
  w.end_object();
}

void write_value(JsonWriter& w, const DerpRegion& v) {
  w.begin_object();
  field(w, "RegionID", v.region_id);
  field(w, "RegionCode", v.region_code);
  field(w, "RegionName", v.region_name);
  field_omitempty(w, "Latitude", v.latitude);
  field_omitempty(w, "Longitude", v.longitude);
  field_omitempty(w, "Avoid", v.avoid);
  field_omitempty(w, "NoMeasureNoHome", v.no_measure_no_home);
  field(w, "Nodes", v.nodes);
  w.end_object();
}

void write_value(JsonWriter& w, const DerpHomeParams& v) {
  w.begin_object();
  field_omitempty(w, "RegionScore", v.region_score);
  w.end_object();
}

void write_value(JsonWriter& w, const DerpMap& v) {
  w.begin_object();
  field_omitempty(w, "HomeParams", v.home_params);
  field(w, "Regions", v.regions);
  field_omitempty(w, "omitDefaultRegions", v.omit_default_regions);
  w.end_object();
}

Status read_value(const JsonValue& v, DerpNode& out, DecodeContext& c) {
  static const FieldReader<DerpNode> kFields[] = {
      LATCHKEY_FIELD(DerpNode, "Name", name),
      LATCHKEY_FIELD(DerpNode, "RegionID", region_id),
      LATCHKEY_FIELD(DerpNode, "HostName", host_name),
      LATCHKEY_FIELD(DerpNode, "CertName", cert_name),
      LATCHKEY_FIELD(DerpNode, "IPv4", ipv4),
      LATCHKEY_FIELD(DerpNode, "IPv6", ipv6),
      LATCHKEY_FIELD(DerpNode, "STUNPort", stun_port),
      LATCHKEY_FIELD(DerpNode, "STUNOnly", stun_only),
      LATCHKEY_FIELD(DerpNode, "DERPPort", derp_port),
      LATCHKEY_FIELD(DerpNode, "InsecureForTests", insecure_for_tests),
      LATCHKEY_FIELD(DerpNode, "STUNTestIP", stun_test_ip),
      LATCHKEY_FIELD(DerpNode, "CanPort80", can_port80),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, DerpRegion& out, DecodeContext& c) {
  static const FieldReader<DerpRegion> kFields[] = {
      LATCHKEY_FIELD(DerpRegion, "RegionID", region_id),
      LATCHKEY_FIELD(DerpRegion, "RegionCode", region_code),
      LATCHKEY_FIELD(DerpRegion, "RegionName", region_name),
      LATCHKEY_FIELD(DerpRegion, "Latitude", latitude),
      LATCHKEY_FIELD(DerpRegion, "Longitude", longitude),
      LATCHKEY_FIELD(DerpRegion, "Avoid", avoid),
      LATCHKEY_FIELD(DerpRegion, "NoMeasureNoHome", no_measure_no_home),
      LATCHKEY_FIELD_WITH(DerpRegion, "Nodes", read_nilable_pointer_slice(jv, obj.nodes, ctx)),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, DerpHomeParams& out, DecodeContext& c) {
  static const FieldReader<DerpHomeParams> kFields[] = {
      LATCHKEY_FIELD(DerpHomeParams, "RegionScore", region_score),
  };
  return read_struct(v, out, c, kFields);
}

namespace {
// map[DERPRegionID]*DERPRegion. A null region (Headscale sends
// "Regions":{"900":null}) decodes in Go as a nil entry that upstream's users
// of the map skip; it is dropped here, as is an earlier region of that ID.
Status read_regions(const JsonValue& v, std::map<DerpRegionId, DerpRegion>& out, DecodeContext& c) {
  if (v.IsNull()) {
    out.clear();
    return {};
  }
  if (!v.IsObject()) return c.type_error("object", v);
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::int64_t id = 0;
    if (auto st = parse_int_key(it->name, id, c); !st) return st;
    PathScope s(c, std::string_view(it->name.GetString(), it->name.GetStringLength()));
    if (it->value.IsNull()) {
      out.erase(id);
      continue;
    }
    if (auto st = read_value(it->value, out[id], c); !st) return st;
  }
  return {};
}
}  // namespace

Status read_value(const JsonValue& v, DerpMap& out, DecodeContext& c) {
  static const FieldReader<DerpMap> kFields[] = {
      LATCHKEY_FIELD(DerpMap, "HomeParams", home_params),
      LATCHKEY_FIELD_WITH(DerpMap, "Regions", read_regions(jv, obj.regions, ctx)),
      LATCHKEY_FIELD(DerpMap, "omitDefaultRegions", omit_default_regions),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
