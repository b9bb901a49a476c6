#include "tailcfg/early_noise.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const EarlyNoise& v) {
  w.begin_object();
  field(w, "nodeKeyChallenge", v.node_key_challenge);
  w.end_object();
}

Status read_value(const JsonValue& v, EarlyNoise& out, DecodeContext& c) {
  static const FieldReader<EarlyNoise> kFields[] = {
      LATCHKEY_FIELD_WITH(EarlyNoise, "nodeKeyChallenge", read_key(jv, obj.node_key_challenge, ctx)),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
