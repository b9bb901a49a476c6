#include "server/admin_api.h"

#include <algorithm>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/url_escape.h"
#include "key/machine_key.h"
#include "server/lock_admin.h"
#include "tailcfg/go_time.h"

namespace latchkey::server {
namespace {

using json = nlohmann::json;
using Op = AdminCall::Op;

// Deeper JSON than any admin body needs is refused before parsing.
constexpr int kMaxJsonDepth = 16;
// Keys may live at most this long (about 100 years).
constexpr std::int64_t kMaxKeyLifetimeSeconds = 100LL * 366 * 24 * 3600;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

Result<std::int64_t> parse_id(std::string_view text, const std::string& what) {
  const Error bad{"invalid " + what + " \"" + std::string(text) + "\" (want a positive number)"};
  if (text.empty() || text.size() > 18) return bad;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad;
    v = v * 10 + (c - '0');
  }
  if (v <= 0) return bad;
  return v;
}

// Nesting depth of a JSON text, counting brackets outside strings.
int json_depth(std::string_view text) {
  int depth = 0, max = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') max = std::max(max, ++depth);
    if (c == ']' || c == '}') --depth;
  }
  return max;
}

// The request body as a JSON object with only the allowed fields.
Result<json> body_object(const std::string& body, std::initializer_list<std::string_view> allowed) {
  if (json_depth(body) > kMaxJsonDepth) return Error{"request body: JSON nested too deeply"};
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {
    return Error{std::string("request body is not valid JSON: ") + e.what()};
  }
  if (!j.is_object()) return Error{"request body: want a JSON object"};
  for (const auto& [k, v] : j.items()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) return Error{"request body: unknown field \"" + k + "\""};
  }
  return j;
}

Result<std::string> string_field(const json& j, const char* name, bool required) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) return Error{std::string("request body: missing field \"") + name + "\""};
    return std::string();
  }
  if (!it->is_string()) return Error{std::string("request body: field \"") + name + "\" must be a string"};
  return it->get<std::string>();
}

Result<bool> bool_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) return Error{std::string("request body: field \"") + name + "\" must be true or false"};
  return it->get<bool>();
}

// A user name: printable, no spaces, at most 255 bytes.
Status check_user_name(const std::string& name) {
  if (name.empty()) return Error{"user name must not be empty"};
  if (name.size() > 255) return Error{"user name is longer than 255 bytes"};
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return Error{"invalid user name \"" + name + "\" (no spaces or control characters)"};
  }
  return {};
}

Status check_tag(const std::string& tag) {
  if (tag.size() <= 4 || tag.size() > 4 + 63 || tag.rfind("tag:", 0) != 0) {
    return Error{"invalid tag \"" + tag + "\" (tags look like tag:name)"};
  }
  for (char c : tag.substr(4)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return Error{"invalid tag \"" + tag + "\" (letters, digits, - and _ after tag:)"};
  }
  return {};
}

// A DNS label: what MagicDNS can serve as the node's name.
Status check_node_name(const std::string& name) {
  const Error bad{"invalid node name \"" + name +
                  "\" (lowercase letters, digits and -, not at either end, at most 63 characters)"};
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return bad;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return bad;
  }
  return {};
}

Error not_allowed(const std::string& method, std::string_view path) {
  return Error{"method " + method + " is not allowed on " + std::string(path), ErrorKind::Conflict};
}

Status no_body(const AdminRequest& r) {
  if (!r.body.empty()) return Error{r.method + " " + r.target + " takes no request body"};
  return {};
}

// --- answers

std::string time_json(store::TimePoint t) { return tailcfg::GoTime::from_system(t).to_string(); }

json opt_time(const std::optional<store::TimePoint>& t) { return t ? json(time_json(*t)) : json(nullptr); }

json user_json(const store::User& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"display_name", u.display_name},
          {"email", u.email},
          {"created_at", time_json(u.created_at)}};
}

json key_json(const store::PreAuthKey& k, const std::string& user, store::TimePoint now) {
  return {{"id", k.id},
          {"prefix", k.prefix},
          {"user", user},
          {"user_id", k.user_id},
          {"reusable", k.reusable},
          {"ephemeral", k.ephemeral},
          {"used", k.used},
          {"tags", k.tags},
          {"expires_at", opt_time(k.expires_at)},
          {"expired", k.expired(now)},
          {"valid", k.valid(now)},
          {"created_at", time_json(k.created_at)}};
}

// `online`: the node has an open map stream (the live netmap's view).
json node_json(const store::Node& n, const std::string& user, bool online, store::TimePoint now) {
  json endpoints = json::array();
  for (const auto& e : n.endpoints) endpoints.push_back(e.to_string());
  return {{"id", n.id},
          {"name", n.given_name},
          {"hostname", n.hostname},
          {"user", user},
          {"user_id", n.user_id},
          {"machine_key", n.machine_key.to_string()},
          {"node_key", n.node_key.to_string()},
          {"disco_key", n.disco_key.is_zero() ? "" : n.disco_key.to_string()},
          {"ipv4", n.ipv4 ? json(n.ipv4->to_string()) : json(nullptr)},
          {"ipv6", n.ipv6 ? json(n.ipv6->to_string()) : json(nullptr)},
          {"endpoints", endpoints},
          {"tags", n.tags},
          {"ephemeral", n.ephemeral},
          {"online", online},
          {"register_method", std::string(store::register_method_name(n.register_method))},
          {"expiry", opt_time(n.expiry)},
          {"expired", n.expired(now)},
          {"last_seen", opt_time(n.last_seen)},
          {"created_at", time_json(n.created_at)}};
}

std::string text(const json& j) { return j.dump(2) + "\n"; }

// The user named by `name_or_id`: by name, or by numeric id when no user
// has that name.
Result<store::User> resolve_user(store::Store& s, const std::string& name_or_id) {
  auto by_name = s.find_user_by_name(name_or_id);
  if (by_name || by_name.kind() != ErrorKind::NotFound) return by_name;
  auto id = parse_id(name_or_id, "user id");
  if (!id) return by_name.error();
  auto by_id = s.get_user(*id);
  if (!by_id) return Error{"no user named or numbered \"" + name_or_id + "\"", ErrorKind::NotFound};
  return by_id;
}

// User id -> name, for listings.
Result<std::map<store::UserId, std::string>> user_names(store::Store& s) {
  auto users = s.list_users();
  if (!users) return users.error();
  std::map<store::UserId, std::string> out;
  for (const auto& u : *users) out.emplace(u.id, u.name);
  return out;
}

std::string name_of(const std::map<store::UserId, std::string>& names, store::UserId id) {
  auto it = names.find(id);
  return it != names.end() ? it->second : std::to_string(id);
}

struct Failure {
  unsigned status;
  const char* metric;
};

Failure failure_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Invalid: return {400, "admin_bad_request"};
    case ErrorKind::NotFound: return {404, "admin_not_found"};
    case ErrorKind::AlreadyExists:
    case ErrorKind::Conflict: return {409, "admin_conflict"};
    case ErrorKind::Expired: return {410, "admin_expired"};
    case ErrorKind::Unavailable:
    case ErrorKind::Contended: return {503, "admin_unavailable"};
    case ErrorKind::Internal: break;
  }
  return {500, "admin_internal"};
}

// GET /v1/lock, GET /v1/lock/log[?limit=N], POST /v1/lock/disable.
Result<AdminCall> decode_lock_request(const AdminRequest& r, const std::vector<std::string_view>& parts,
                                      std::string_view target, std::string_view query) {
  const std::string& m = r.method;
  AdminCall c;
  if (parts.size() == 2) {
    if (m != "GET") return not_allowed(m, target);
    if (!query.empty()) return Error{"GET /v1/lock takes no query parameters"};
    if (auto st = no_body(r); !st) return st.error();
    c.op = Op::LockStatus;
    return c;
  }
  if (parts.size() == 3 && parts[2] == "log") {
    if (m != "GET") return not_allowed(m, target);
    if (auto st = no_body(r); !st) return st.error();
    c.op = Op::LockLog;
    c.limit = kLockLogDefaultLimit;
    if (!query.empty()) {
      if (query.substr(0, 6) != "limit=" || query.find('&') != std::string_view::npos) {
        return Error{"unsupported query \"" + std::string(query) + "\" (only limit=N)"};
      }
      auto n = parse_id(query.substr(6), "limit");
      if (!n) return n.error();
      if (static_cast<std::size_t>(*n) > kLockLogMaxLimit) {
        return Error{"limit " + std::to_string(*n) + " is larger than " + std::to_string(kLockLogMaxLimit)};
      }
      c.limit = static_cast<std::size_t>(*n);
    }
    return c;
  }
  if (parts.size() == 3 && parts[2] == "disable") {
    if (m != "POST") return not_allowed(m, target);
    if (!query.empty()) return Error{"POST /v1/lock/disable takes no query parameters"};
    auto j = body_object(r.body, {"support"});
    if (!j) return j.error();
    auto it = j->find("support");
    if (it == j->end() || !it->is_boolean()) {
      return Error{"request body: field \"support\" must be true (the server can only disable the lock with the "
                   "support disablement secret)"};
    }
    if (!it->get<bool>()) {
      return Error{"request body: \"support\": false; only the support disablement secret can disable the lock "
                   "from the server (nodes use `tailscale lock disable`)"};
    }
    c.op = Op::LockDisable;
    return c;
  }
  return Error{"no admin API route " + std::string(target), ErrorKind::NotFound};
}

}  // namespace

std::string admin_path_segment(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '_' || c == '.' || c == '~' || c == ':' || c == '@';
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

Result<AdminCall> decode_admin_request(const AdminRequest& r) {
  if (r.body.size() > kAdminBodyLimit) return Error{"request body is larger than 64 KiB"};
  std::string_view target = r.target;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  const auto parts = split_path(target);
  const std::string& m = r.method;
  const Error unknown{"no admin API route " + std::string(target), ErrorKind::NotFound};
  if (parts.size() < 2 || parts[0] != "v1") return unknown;
  if (parts[1] == "lock") return decode_lock_request(r, parts, target, query);

  // Only ?user=<name or id> is understood, and only on the listings.
  std::string user_filter;
  if (!query.empty()) {
    if (query.substr(0, 5) != "user=" || query.find('&') != std::string_view::npos) {
      return Error{"unsupported query \"" + std::string(query) + "\" (only user=NAME)"};
    }
    auto u = url_unescape(query.substr(5), UrlPart::PathSegment);
    if (!u) return u.error();
    if (u->empty()) return Error{"query user= needs a user name or id"};
    user_filter = *u;
  }
  auto listing_only = [&]() -> Status {
    if (!query.empty()) return Error{"query parameters are only accepted on GET /v1/keys and GET /v1/nodes"};
    return {};
  };

  AdminCall c;
  const std::string_view area = parts[1];
  if (area == "users") {
    if (auto st = listing_only(); !st) return st.error();
    if (parts.size() == 2) {
      if (m == "GET") {
        if (auto st = no_body(r); !st) return st.error();
        c.op = Op::ListUsers;
        return c;
      }
      if (m != "POST") return not_allowed(m, target);
      auto j = body_object(r.body, {"name", "display_name", "email"});
      if (!j) return j.error();
      auto name = string_field(*j, "name", true);
      if (!name) return name.error();
      if (auto st = check_user_name(*name); !st) return st.error();
      auto display = string_field(*j, "display_name", false);
      if (!display) return display.error();
      auto email = string_field(*j, "email", false);
      if (!email) return email.error();
      c.op = Op::CreateUser;
      c.name = *name;
      c.display_name = *display;
      c.email = *email;
      return c;
    }
    if (parts.size() == 3) {
      if (m != "DELETE") return not_allowed(m, target);
      if (auto st = no_body(r); !st) return st.error();
      auto u = url_unescape(parts[2], UrlPart::PathSegment);
      if (!u) return u.error();
      c.op = Op::DeleteUser;
      c.user = *u;
      return c;
    }
    return unknown;
  }

  if (area == "keys") {
    if (parts.size() == 2) {
      if (m == "GET") {
        if (auto st = no_body(r); !st) return st.error();
        c.op = Op::ListKeys;
        c.user = user_filter;
        return c;
      }
      if (m != "POST") return not_allowed(m, target);
      if (auto st = listing_only(); !st) return st.error();
      auto j = body_object(r.body, {"user", "reusable", "ephemeral", "expiration_seconds", "tags"});
      if (!j) return j.error();
      auto user = string_field(*j, "user", true);
      if (!user) return user.error();
      if (user->empty()) return Error{"request body: field \"user\" must not be empty"};
      auto reusable = bool_field(*j, "reusable");
      if (!reusable) return reusable.error();
      auto ephemeral = bool_field(*j, "ephemeral");
      if (!ephemeral) return ephemeral.error();
      c.op = Op::CreateKey;
      c.user = *user;
      c.reusable = *reusable;
      c.ephemeral = *ephemeral;
      if (auto it = j->find("expiration_seconds"); it != j->end() && !it->is_null()) {
        if (!it->is_number_integer()) return Error{"request body: field \"expiration_seconds\" must be an integer"};
        const auto v = it->get<std::int64_t>();
        if (v <= 0) return Error{"key expiration must be positive"};
        if (v > kMaxKeyLifetimeSeconds) return Error{"key expiration is longer than 100 years"};
        c.expiration_seconds = v;
      }
      if (auto it = j->find("tags"); it != j->end() && !it->is_null()) {
        if (!it->is_array()) return Error{"request body: field \"tags\" must be a list of strings"};
        if (it->size() > 64) return Error{"request body: more than 64 tags"};
        for (const auto& t : *it) {
          if (!t.is_string()) return Error{"request body: field \"tags\" must be a list of strings"};
          const auto tag = t.get<std::string>();
          if (auto st = check_tag(tag); !st) return st.error();
          c.tags.push_back(tag);
        }
      }
      return c;
    }
    if (auto st = listing_only(); !st) return st.error();
    if (parts.size() == 4 && parts[3] == "expire") {
      if (m != "POST") return not_allowed(m, target);
      if (auto st = no_body(r); !st) return st.error();
      auto id = parse_id(parts[2], "key id");
      if (!id) return id.error();
      c.op = Op::ExpireKey;
      c.id = *id;
      return c;
    }
    return unknown;
  }

  if (area == "nodes") {
    if (parts.size() == 2) {
      if (m != "GET") return not_allowed(m, target);
      if (auto st = no_body(r); !st) return st.error();
      c.op = Op::ListNodes;
      c.user = user_filter;
      return c;
    }
    if (auto st = listing_only(); !st) return st.error();
    if (parts.size() == 3 && parts[2] == "register") {
      if (m != "POST") return not_allowed(m, target);
      auto j = body_object(r.body, {"id", "user"});
      if (!j) return j.error();
      auto id = string_field(*j, "id", true);
      if (!id) return id.error();
      if (id->empty() || id->size() > 200) return Error{"request body: field \"id\" must be an auth id or machine key"};
      auto user = string_field(*j, "user", true);
      if (!user) return user.error();
      if (user->empty()) return Error{"request body: field \"user\" must not be empty"};
      c.op = Op::RegisterNode;
      c.registration = *id;
      c.user = *user;
      return c;
    }
    auto id = parse_id(parts[2], "node id");
    if (parts.size() == 3) {
      if (m != "DELETE") return not_allowed(m, target);
      if (!id) return id.error();
      if (auto st = no_body(r); !st) return st.error();
      c.op = Op::DeleteNode;
      c.id = *id;
      return c;
    }
    if (parts.size() == 4 && (parts[3] == "expire" || parts[3] == "rename")) {
      if (m != "POST") return not_allowed(m, target);
      if (!id) return id.error();
      c.id = *id;
      if (parts[3] == "expire") {
        if (auto st = no_body(r); !st) return st.error();
        c.op = Op::ExpireNode;
        return c;
      }
      auto j = body_object(r.body, {"name"});
      if (!j) return j.error();
      auto name = string_field(*j, "name", true);
      if (!name) return name.error();
      if (auto st = check_node_name(*name); !st) return st.error();
      c.op = Op::RenameNode;
      c.name = *name;
      return c;
    }
    return unknown;
  }
  return unknown;
}

AdminResponse AdminApi::refuse(unsigned status, std::string_view metric, const std::string& message) {
  tailnet_.metrics().error(metric);
  return AdminResponse{status, text(json{{"error", message}})};
}

AdminResponse AdminApi::handle(const AdminRequest& request, Clock::time_point now) {
  if (request.body.size() > kAdminBodyLimit) {
    return refuse(413, "admin_too_large", "request body is larger than 64 KiB");
  }
  auto call = decode_admin_request(request);
  if (!call) {
    if (call.kind() == ErrorKind::NotFound) return refuse(404, "admin_unknown_route", call.message());
    if (call.kind() == ErrorKind::Conflict) return refuse(405, "admin_method_not_allowed", call.message());
    return refuse(400, "admin_bad_request", call.message());
  }
  auto body = run(*call, now);
  if (!body) {
    const Failure f = failure_for(body.kind());
    if (f.status >= 500) spdlog::warn("admin {} {}: {}", request.method, request.target, body.message());
    return refuse(f.status, f.metric, body.message());
  }
  return AdminResponse{200, std::move(*body)};
}

bool AdminApi::online(store::NodeId id) const {
  return tailnet_.with_netmap([id](const Netmap& m) { return m.online(id); });
}

Result<std::string> AdminApi::run(const AdminCall& c, Clock::time_point now) {
  store::Store& s = tailnet_.store();
  switch (c.op) {
    case Op::ListUsers: {
      auto all = s.list_users();
      if (!all) return all.error();
      json out = json::array();
      for (const auto& u : *all) out.push_back(user_json(u));
      return text(out);
    }
    case Op::CreateUser: {
      auto u = tailnet_.create_user({c.name, c.display_name, c.email, ""}, now);
      if (!u) return u.error();
      return text(user_json(*u));
    }
    case Op::DeleteUser: {
      auto u = resolve_user(s, c.user);
      if (!u) return u.error();
      if (auto st = tailnet_.delete_user(u->id); !st) return st.error();
      return text(user_json(*u));
    }
    case Op::ListKeys: {
      std::optional<store::UserId> only;
      if (!c.user.empty()) {
        auto u = resolve_user(s, c.user);
        if (!u) return u.error();
        only = u->id;
      }
      auto all = s.list_pre_auth_keys(only);
      if (!all) return all.error();
      auto names = user_names(s);
      if (!names) return names.error();
      json out = json::array();
      for (const auto& k : *all) out.push_back(key_json(k, name_of(*names, k.user_id), now));
      return text(out);
    }
    case Op::CreateKey: {
      auto u = resolve_user(s, c.user);
      if (!u) return u.error();
      const store::TimePoint expires = now + std::chrono::seconds(c.expiration_seconds);
      auto k = s.create_pre_auth_key({u->id, c.reusable, c.ephemeral, c.tags, expires}, now);
      if (!k) return k.error();
      json out = key_json(k->key, u->name, now);
      out["key"] = k->text;
      spdlog::info("admin: created pre-auth key {} for user {}", k->key.id, u->name);
      return text(out);
    }
    case Op::ExpireKey: {
      if (auto st = s.expire_pre_auth_key(c.id, now); !st) return st.error();
      auto k = s.get_pre_auth_key(c.id);
      if (!k) return k.error();
      auto names = user_names(s);
      if (!names) return names.error();
      const std::string owner = name_of(*names, k->user_id);
      spdlog::info("admin: expired pre-auth key {} ({}) of user {}", k->id, k->prefix, owner);
      return text(key_json(*k, owner, now));
    }
    case Op::ListNodes: {
      Result<std::vector<store::Node>> all = std::vector<store::Node>{};
      if (c.user.empty()) {
        all = s.list_nodes();
      } else {
        auto u = resolve_user(s, c.user);
        if (!u) return u.error();
        all = s.list_nodes_by_user(u->id);
      }
      if (!all) return all.error();
      auto names = user_names(s);
      if (!names) return names.error();
      const auto online = tailnet_.with_netmap([&](const Netmap& m) {
        std::vector<bool> out;
        for (const auto& n : *all) out.push_back(m.online(n.id));
        return out;
      });
      json out = json::array();
      for (std::size_t i = 0; i < all->size(); ++i) {
        const store::Node& n = (*all)[i];
        out.push_back(node_json(n, name_of(*names, n.user_id), online[i], now));
      }
      return text(out);
    }
    case Op::RegisterNode: {
      auto u = resolve_user(s, c.user);
      if (!u) return u.error();
      std::string auth_id = c.registration;
      if (auto mk = key::MachinePublic::parse(c.registration); mk) {
        auto pending = s.list_pending_registrations();
        if (!pending) return pending.error();
        auth_id.clear();
        for (const auto& p : *pending) {
          if (p.machine_key == *mk) auth_id = p.auth_id;
        }
        if (auth_id.empty()) {
          return Error{"no registration is waiting for machine key " + c.registration, ErrorKind::NotFound};
        }
      }
      auto pending = s.get_pending_registration(auth_id);
      if (!pending) return pending.error();
      if (pending->expires_at <= now) {
        return Error{"registration " + auth_id + " expired; the client must log in again", ErrorKind::Expired};
      }
      auto n = tailnet_.approve_registration(auth_id, u->id, now);
      if (!n) return n.error();
      return text(json{{"auth_id", auth_id}, {"user", u->name}, {"node", node_json(*n, u->name, online(n->id), now)}});
    }
    case Op::DeleteNode: {
      if (auto st = tailnet_.delete_node(c.id); !st) return st.error();
      spdlog::info("admin: deleted node {}", c.id);
      return text(json{{"id", c.id}});
    }
    case Op::ExpireNode:
    case Op::RenameNode: {
      auto n = c.op == Op::ExpireNode ? tailnet_.expire_node(c.id, now) : tailnet_.rename_node(c.id, c.name, now);
      if (!n) return n.error();
      auto names = user_names(s);
      if (!names) return names.error();
      return text(node_json(*n, name_of(*names, n->user_id), online(n->id), now));
    }
    case Op::LockStatus:
    case Op::LockLog:
    case Op::LockDisable: {
      if (lock_ == nullptr) {
        return Error{"this server runs without a tailnet lock service", ErrorKind::Unavailable};
      }
      if (c.op == Op::LockStatus) return lock_status_json(s, *lock_);
      if (c.op == Op::LockLog) return lock_log_json(*lock_, c.limit);
      return lock_disable_support(*lock_);
    }
  }
  return Error{"unhandled admin operation", ErrorKind::Internal};
}

}  // namespace latchkey::server
