#include "tailcfg/filter.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

std::vector<FilterRule> filter_allow_all() {
  FilterRule r;
  r.src_ips = std::vector<std::string>{"*"};
  r.dst_ports.push_back(NetPortRange{"*", std::nullopt, PortRange{0, 65535}});
  return {r};
}

void write_value(JsonWriter& w, const PortRange& v) {
  w.begin_object();
  field(w, "First", v.first);
  field(w, "Last", v.last);
  w.end_object();
}

void write_value(JsonWriter& w, const NetPortRange& v) {
  w.begin_object();
  field(w, "IP", v.ip);
  field_omitempty(w, "Bits", v.bits);
  field(w, "Ports", v.ports);
  w.end_object();
}

void write_value(JsonWriter& w, const CapGrant& v) {
  w.begin_object();
  field(w, "Dsts", v.dsts);
  field_omitempty(w, "Caps", v.caps);
  field_omitempty(w, "CapMap", v.cap_map);
  w.end_object();
}

void write_value(JsonWriter& w, const FilterRule& v) {
  w.begin_object();
  field(w, "SrcIPs", v.src_ips);
  field_omitempty(w, "SrcBits", v.src_bits);
  field_omitempty(w, "DstPorts", v.dst_ports);
  field_omitempty(w, "IPProto", v.ip_proto);
  field_omitempty(w, "CapGrant", v.cap_grant);
  w.end_object();
}

Status read_value(const JsonValue& v, PortRange& out, DecodeContext& c) {
  static const FieldReader<PortRange> kFields[] = {
      LATCHKEY_FIELD(PortRange, "First", first),
      LATCHKEY_FIELD(PortRange, "Last", last),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, NetPortRange& out, DecodeContext& c) {
  static const FieldReader<NetPortRange> kFields[] = {
      LATCHKEY_FIELD(NetPortRange, "IP", ip),
      LATCHKEY_FIELD(NetPortRange, "Bits", bits),
      LATCHKEY_FIELD(NetPortRange, "Ports", ports),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, CapGrant& out, DecodeContext& c) {
  static const FieldReader<CapGrant> kFields[] = {
      LATCHKEY_FIELD(CapGrant, "Dsts", dsts),
      LATCHKEY_FIELD(CapGrant, "Caps", caps),
      LATCHKEY_FIELD(CapGrant, "CapMap", cap_map),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, FilterRule& out, DecodeContext& c) {
  static const FieldReader<FilterRule> kFields[] = {
      LATCHKEY_FIELD(FilterRule, "SrcIPs", src_ips),
      LATCHKEY_FIELD(FilterRule, "SrcBits", src_bits),
      LATCHKEY_FIELD(FilterRule, "DstPorts", dst_ports),
      LATCHKEY_FIELD(FilterRule, "IPProto", ip_proto),
      LATCHKEY_FIELD(FilterRule, "CapGrant", cap_grant),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
