#include "tailcfg/dns_config.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const DnsResolver& v) {
  w.begin_object();
  field_omitempty(w, "Addr", v.addr);
  field_omitempty(w, "BootstrapResolution", v.bootstrap_resolution);
  field_omitempty(w, "UseWithExitNode", v.use_with_exit_node);
  w.end_object();
}

void write_value(JsonWriter& w, const DnsRecord& v) {
  w.begin_object();
  field(w, "Name", v.name);
  field_omitzero(w, "Type", v.type);
  field(w, "Value", v.value);
  w.end_object();
}

void write_value(JsonWriter& w, const DnsConfig& v) {
  w.begin_object();
  field_omitempty(w, "Resolvers", v.resolvers);
  field_omitempty(w, "Routes", v.routes);
  field_omitempty(w, "FallbackResolvers", v.fallback_resolvers);
  field_omitempty(w, "Domains", v.domains);
  field_omitzero(w, "Proxied", v.proxied);
  field_omitempty(w, "Nameservers", v.nameservers);
  field_omitempty(w, "CertDomains", v.cert_domains);
  field_omitempty(w, "ExtraRecords", v.extra_records);
  field_omitempty(w, "ExitNodeFilteredSet", v.exit_node_filtered_set);
  field_omitzero(w, "TempCorpIssue13969", v.temp_corp_issue_13969);
  w.end_object();
}

Status read_value(const JsonValue& v, DnsResolver& out, DecodeContext& c) {
  static const FieldReader<DnsResolver> kFields[] = {
      LATCHKEY_FIELD(DnsResolver, "Addr", addr),
      LATCHKEY_FIELD(DnsResolver, "BootstrapResolution", bootstrap_resolution),
      LATCHKEY_FIELD(DnsResolver, "UseWithExitNode", use_with_exit_node),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, DnsRecord& out, DecodeContext& c) {
  static const FieldReader<DnsRecord> kFields[] = {
      LATCHKEY_FIELD(DnsRecord, "Name", name),
      LATCHKEY_FIELD(DnsRecord, "Type", type),
      LATCHKEY_FIELD(DnsRecord, "Value", value),
  };
  return read_struct(v, out, c, kFields);
}

namespace {
// map[string][]*dnstype.Resolver: lists of pointers, a null element rejected.
Status read_routes(const JsonValue& v, std::map<std::string, NilableVector<DnsResolver>>& out, DecodeContext& c) {
  return read_string_map(v, out, c, [](const JsonValue& jv, NilableVector<DnsResolver>& routes, DecodeContext& ctx) {
    return read_nilable_pointer_slice(jv, routes, ctx);
  });
}
}  // namespace

Status read_value(const JsonValue& v, DnsConfig& out, DecodeContext& c) {
  static const FieldReader<DnsConfig> kFields[] = {
      LATCHKEY_FIELD_WITH(DnsConfig, "Resolvers", read_pointer_slice(jv, obj.resolvers, ctx)),
      LATCHKEY_FIELD_WITH(DnsConfig, "Routes", read_routes(jv, obj.routes, ctx)),
      LATCHKEY_FIELD_WITH(DnsConfig, "FallbackResolvers", read_pointer_slice(jv, obj.fallback_resolvers, ctx)),
      LATCHKEY_FIELD(DnsConfig, "Domains", domains),
      LATCHKEY_FIELD(DnsConfig, "Proxied", proxied),
      LATCHKEY_FIELD(DnsConfig, "Nameservers", nameservers),
      LATCHKEY_FIELD(DnsConfig, "CertDomains", cert_domains),
      LATCHKEY_FIELD(DnsConfig, "ExtraRecords", extra_records),
      LATCHKEY_FIELD(DnsConfig, "ExitNodeFilteredSet", exit_node_filtered_set),
      LATCHKEY_FIELD(DnsConfig, "TempCorpIssue13969", temp_corp_issue_13969),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
