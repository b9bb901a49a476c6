#include "tailcfg/user.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const User& v) {
  w.begin_object();
  field(w, "ID", v.id);
  field(w, "DisplayName", v.display_name);
  field_omitzero(w, "ProfilePicURL", v.profile_pic_url);
  field_omitzero(w, "Created", v.created);
  w.end_object();
}

void write_value(JsonWriter& w, const Login& v) {
  w.begin_object();
  field(w, "ID", v.id);
  field(w, "Provider", v.provider);
  field(w, "LoginName", v.login_name);
  field(w, "DisplayName", v.display_name);
  field_omitzero(w, "ProfilePicURL", v.profile_pic_url);
  w.end_object();
}

void write_value(JsonWriter& w, const UserProfile& v) {
  w.begin_object();
  field(w, "ID", v.id);
  field(w, "LoginName", v.login_name);
  field(w, "DisplayName", v.display_name);
  field_omitzero(w, "ProfilePicURL", v.profile_pic_url);
  field_omitempty(w, "Groups", v.groups);
  w.end_object();
}

Status read_value(const JsonValue& v, User& out, DecodeContext& c) {
  static const FieldReader<User> kFields[] = {
      LATCHKEY_FIELD(User, "ID", id),
      LATCHKEY_FIELD(User, "DisplayName", display_name),
      LATCHKEY_FIELD(User, "ProfilePicURL", profile_pic_url),
      LATCHKEY_FIELD(User, "Created", created),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, Login& out, DecodeContext& c) {
  static const FieldReader<Login> kFields[] = {
      LATCHKEY_FIELD(Login, "ID", id),
      LATCHKEY_FIELD(Login, "Provider", provider),
      LATCHKEY_FIELD(Login, "LoginName", login_name),
      LATCHKEY_FIELD(Login, "DisplayName", display_name),
      LATCHKEY_FIELD(Login, "ProfilePicURL", profile_pic_url),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, UserProfile& out, DecodeContext& c) {
  static const FieldReader<UserProfile> kFields[] = {
      LATCHKEY_FIELD(UserProfile, "ID", id),
      LATCHKEY_FIELD(UserProfile, "LoginName", login_name),
      LATCHKEY_FIELD(UserProfile, "DisplayName", display_name),
      LATCHKEY_FIELD(UserProfile, "ProfilePicURL", profile_pic_url),
      LATCHKEY_FIELD(UserProfile, "Groups", groups),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
