#include "tailcfg/set_dns.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const SetDnsRequest& v) {
  w.begin_object();
  field(w, "Version", v.version);
  field(w, "NodeKey", v.node_key);
  field(w, "Name", v.name);
  field(w, "Type", v.type);
  field(w, "Value", v.value);
  w.end_object();
}

void write_value(JsonWriter& w, const SetDnsResponse&) {
  w.begin_object();
  w.end_object();
}

Status read_value(const JsonValue& v, SetDnsRequest& out, DecodeContext& c) {
  static const FieldReader<SetDnsRequest> kFields[] = {
      LATCHKEY_FIELD(SetDnsRequest, "Version", version),
      LATCHKEY_FIELD_WITH(SetDnsRequest, "NodeKey", read_key(jv, obj.node_key, ctx)),
      LATCHKEY_FIELD(SetDnsRequest, "Name", name),
      LATCHKEY_FIELD(SetDnsRequest, "Type", type),
      LATCHKEY_FIELD(SetDnsRequest, "Value", value),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, SetDnsResponse&, DecodeContext& c) { return read_empty_struct(v, c); }

}  // namespace latchkey::tailcfg
