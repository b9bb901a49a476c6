// Users and logins on the wire (upstream tailcfg.go: User, Login,
// UserProfile). RegisterResponse carries User and Login; MapResponse carries
// UserProfiles for the self node's user and every peer's user.
#pragma once

#include <string>
#include <vector>

#include "tailcfg/go_time.h"
#include "tailcfg/types.h"

namespace latchkey::tailcfg {

class JsonWriter;

struct User {
  UserId id = 0;
  std::string display_name;
  std::string profile_pic_url;  // omitzero
  GoTime created;               // omitzero
  friend bool operator==(const User&, const User&) = default;
};

struct Login {
  LoginId id = 0;
  std::string provider;
  std::string login_name;
  std::string display_name;
  std::string profile_pic_url;  // omitzero
  friend bool operator==(const Login&, const Login&) = default;
};

struct UserProfile {
  UserId id = 0;
  std::string login_name;
  std::string display_name;
  std::string profile_pic_url;      // omitzero
  std::vector<std::string> groups;  // omitempty
  friend bool operator==(const UserProfile&, const UserProfile&) = default;
};

void write_value(JsonWriter& w, const User& v);
void write_value(JsonWriter& w, const Login& v);
void write_value(JsonWriter& w, const UserProfile& v);

}  // namespace latchkey::tailcfg
