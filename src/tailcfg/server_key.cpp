#include "tailcfg/server_key.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const OverTlsPublicKeyResponse& v) {
  w.begin_object();
  field(w, "legacyPublicKey", v.legacy_public_key);
  field(w, "publicKey", v.public_key);
  w.end_object();
}

Status read_value(const JsonValue& v, OverTlsPublicKeyResponse& out, DecodeContext& c) {
  static const FieldReader<OverTlsPublicKeyResponse> kFields[] = {
      LATCHKEY_FIELD_WITH(OverTlsPublicKeyResponse, "legacyPublicKey", read_key(jv, obj.legacy_public_key, ctx)),
      LATCHKEY_FIELD_WITH(OverTlsPublicKeyResponse, "publicKey", read_key(jv, obj.public_key, ctx)),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
