#include "store/sql_transaction.h"

#include "store/auth_key.h"

namespace latchkey::store {
namespace {

using sql::Blob;
using sql::Param;
using sql::Row;

std::int64_t nanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint from_nanos(std::int64_t n) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(n)));
}

Param opt_nanos(const std::optional<TimePoint>& t) {
  if (!t) return std::monostate{};
  return nanos(*t);
}

std::optional<TimePoint> opt_time(const Row& r, std::size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return from_nanos(r.int64(i));
}

// Lists of tags or endpoints are stored one per line.
Result<std::string> join_lines(const std::vector<std::string>& items, std::string_view what) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].empty() || items[i].find('\n') != std::string::npos) {
      return Error{std::string(what) + " must be non-empty and free of newlines"};
    }
    if (i > 0) out.push_back('\n');
    out.append(items[i]);
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join_endpoints(const std::vector<tailcfg::AddrPort>& eps) {
  std::string out;
  for (std::size_t i = 0; i < eps.size(); ++i) {
    if (i > 0) out.push_back('\n');
    eps[i].append_to(out);
  }
  return out;
}

Error corrupt(std::string_view what, std::string_view detail) {
  return Error{"store: corrupt " + std::string(what) + " in database: " + std::string(detail), ErrorKind::Internal};
}

template <class K>
Result<K> key_column(const Row& r, std::size_t i, std::string_view what) {
  const std::string text = r.text(i);
  if (text.empty()) return K{};
  auto k = K::parse(text);
  if (!k) return corrupt(what, k.message());
  return *k;
}

template <class K>
std::string key_text(const K& k) {
  return k.is_zero() ? std::string() : k.to_string();
}

std::string addr_text(const std::optional<tailcfg::IpAddr>& a) { return a ? a->to_string() : std::string(); }

Param addr_param(const std::string& text) {
  if (text.empty()) return std::monostate{};
  return std::string_view(text);
}

// Turns "unique constraint violated: nodes.ipv4" into a message saying
// which value clashed; kind stays AlreadyExists.
Error clarify(Error e, std::string_view what) {
  if (e.kind == ErrorKind::AlreadyExists) {
    const std::string target = e.message.substr(std::min(e.message.size(), sql::kUniqueViolation.size()));
    e.message = std::string(what) + " already exists (" + target + ")";
  }
  return e;
}

constexpr std::string_view kUserCols = "id, name, display_name, email, profile_pic_url, created_at";

User user_from(const Row& r) {
  User u;
  u.id = r.int64(0);
  u.name = r.text(1);
  u.display_name = r.text(2);
  u.email = r.text(3);
  u.profile_pic_url = r.text(4);
  u.created_at = from_nanos(r.int64(5));
  return u;
}

constexpr std::string_view kKeyCols = "id, prefix, user_id, reusable, ephemeral, used, tags, expires_at, created_at";

PreAuthKey key_from(const Row& r) {
  PreAuthKey k;
  k.id = r.int64(0);
  k.prefix = r.text(1);
  k.user_id = r.int64(2);
  k.reusable = r.boolean(3);
  k.ephemeral = r.boolean(4);
  k.used = r.boolean(5);
  k.tags = split_lines(r.text(6));
  k.expires_at = opt_time(r, 7);
  k.created_at = from_nanos(r.int64(8));
  return k;
}

constexpr std::string_view kNodeCols =
    "id, machine_key, node_key, disco_key, nl_key, ipv4, ipv6, hostname, given_name, user_id, tags, "
    "register_method, auth_key_id, ephemeral, expiry, last_seen, hostinfo, endpoints, created_at, updated_at";

Result<RegisterMethod> parse_register_method(std::string_view s) {
  if (s == "authkey") return RegisterMethod::AuthKey;
  if (s == "interactive") return RegisterMethod::Interactive;
  if (s == "cli") return RegisterMethod::Cli;
  return corrupt("register_method", s);
}

Result<Node> node_from(const Row& r) {
  Node n;
  n.id = r.int64(0);
  auto mk = key_column<key::MachinePublic>(r, 1, "machine_key");
  if (!mk) return mk.error();
  n.machine_key = *mk;
  auto nk = key_column<key::NodePublic>(r, 2, "node_key");
  if (!nk) return nk.error();
  n.node_key = *nk;
  auto dk = key_column<key::DiscoPublic>(r, 3, "disco_key");
  if (!dk) return dk.error();
  n.disco_key = *dk;
  auto nl = key_column<key::NLPublic>(r, 4, "nl_key");
  if (!nl) return nl.error();
  n.nl_key = *nl;
  for (std::size_t col : {std::size_t{5}, std::size_t{6}}) {
    if (r.is_null(col)) continue;
    auto a = tailcfg::IpAddr::parse(r.text(col));
    if (!a) return corrupt("node address", a.message());
    (col == 5 ? n.ipv4 : n.ipv6) = *a;
  }
  n.hostname = r.text(7);
  n.given_name = r.text(8);
  n.user_id = r.int64(9);
  n.tags = split_lines(r.text(10));
  auto method = parse_register_method(r.text(11));
  if (!method) return method.error();
  n.register_method = *method;
  n.auth_key_id = r.optional_int64(12);
  n.ephemeral = r.boolean(13);
  n.expiry = opt_time(r, 14);
  n.last_seen = opt_time(r, 15);
  n.hostinfo_json = r.text(16);
  for (const std::string& e : split_lines(r.text(17))) {
    auto ap = tailcfg::AddrPort::parse(e);
    if (!ap) return corrupt("node endpoint", ap.message());
    n.endpoints.push_back(*ap);
  }
  n.created_at = from_nanos(r.int64(18));
  n.updated_at = from_nanos(r.int64(19));
  return n;
}

constexpr std::string_view kPendingCols =
    "auth_id, machine_key, node_key, nl_key, hostinfo, ephemeral, requested_expiry, expires_at, created_at, "
    "approved_user_id, node_key_signature";

Result<PendingRegistration> pending_from(const Row& r) {
  PendingRegistration p;
  p.auth_id = r.text(0);
  auto mk = key_column<key::MachinePublic>(r, 1, "machine_key");
  if (!mk) return mk.error();
  p.machine_key = *mk;
  auto nk = key_column<key::NodePublic>(r, 2, "node_key");
  if (!nk) return nk.error();
  p.node_key = *nk;
  auto nl = key_column<key::NLPublic>(r, 3, "nl_key");
  if (!nl) return nl.error();
  p.nl_key = *nl;
  p.hostinfo_json = r.text(4);
  p.ephemeral = r.boolean(5);
  p.requested_expiry = opt_time(r, 6);
  p.expires_at = from_nanos(r.int64(7));
  p.created_at = from_nanos(r.int64(8));
  p.approved_user_id = r.optional_int64(9);
  if (!r.is_null(10)) p.node_key_signature = r.blob(10);
  return p;
}

StoredAum aum_from(const Row& r) {
  StoredAum a;
  a.hash = r.blob(0);
  if (!r.is_null(1)) a.parent_hash = r.blob(1);
  a.aum = r.blob(2);
  a.committed_at = from_nanos(r.int64(3));
  return a;
}

Status expect_one(Result<std::int64_t> changed, std::string_view what) {
  if (!changed) return changed.error();
  if (*changed == 0) return Error{std::string(what) + " not found", ErrorKind::NotFound};
  return {};
}

std::string node_name(NodeId id) { return "node " + std::to_string(id); }

}  // namespace

std::string_view register_method_name(RegisterMethod m) {
  switch (m) {
    case RegisterMethod::AuthKey:
      return "authkey";
    case RegisterMethod::Interactive:
      return "interactive";
    case RegisterMethod::Cli:
      return "cli";
  }
  return "authkey";
}

// ---- users ----

Result<User> SqlTransaction::create_user(const NewUser& u, TimePoint now) {
  if (u.name.empty()) return Error{"user name must not be empty"};
  auto rows = c_.query("INSERT INTO users (name, display_name, email, profile_pic_url, created_at) "
                       "VALUES ($1, $2, $3, $4, $5) RETURNING " + std::string(kUserCols),
                       {std::string_view(u.name), std::string_view(u.display_name), std::string_view(u.email),
                        std::string_view(u.profile_pic_url), nanos(now)});
  if (!rows) return clarify(rows.error(), "user \"" + u.name + "\"");
  return user_from(rows->at(0));
}

Result<std::vector<User>> SqlTransaction::list_users() {
  auto rows = c_.query("SELECT " + std::string(kUserCols) + " FROM users ORDER BY id", {});
  if (!rows) return rows.error();
  std::vector<User> out;
  for (const Row& r : *rows) out.push_back(user_from(r));
  return out;
}

Result<User> SqlTransaction::get_user(UserId id) {
  auto rows = c_.query("SELECT " + std::string(kUserCols) + " FROM users WHERE id = $1", {id});
  if (!rows) return rows.error();
  if (rows->empty()) return Error{"user " + std::to_string(id) + " not found", ErrorKind::NotFound};
  return user_from(rows->at(0));
}

Result<User> SqlTransaction::find_user_by_name(std::string_view name) {
  auto rows = c_.query("SELECT " + std::string(kUserCols) + " FROM users WHERE name = $1", {name});
  if (!rows) return rows.error();
  if (rows->empty()) return Error{"user \"" + std::string(name) + "\" not found", ErrorKind::NotFound};
  return user_from(rows->at(0));
}

Status SqlTransaction::delete_user(UserId id) {
  auto count = c_.query("SELECT COUNT(*) FROM nodes WHERE user_id = $1", {id});
  if (!count) return count.error();
  if (const std::int64_t n = count->at(0).int64(0); n > 0) {
    return Error{"user " + std::to_string(id) + " still owns " + std::to_string(n) + " node(s); delete them first",
                 ErrorKind::Conflict};
  }
  return expect_one(c_.execute("DELETE FROM users WHERE id = $1", {id}), "user " + std::to_string(id));
}

// ---- pre-auth keys ----

Result<CreatedPreAuthKey> SqlTransaction::create_pre_auth_key(const NewPreAuthKey& k, TimePoint now) {
  auto tags = join_lines(k.tags, "tags");
  if (!tags) return tags.error();
  const AuthKeyParts parts = generate_auth_key();
  const Bytes hash = hash_auth_key_secret(parts.secret);
  auto rows = c_.query("INSERT INTO pre_auth_keys (prefix, secret_hash, user_id, reusable, ephemeral, used, tags, "
                       "expires_at, created_at) VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7, $8) RETURNING " +
                           std::string(kKeyCols),
                       {std::string_view(parts.prefix), Blob{hash}, k.user_id, k.reusable, k.ephemeral,
                        std::string_view(*tags), opt_nanos(k.expires_at), nanos(now)});
  if (!rows) {
    Error e = rows.error();
    if (e.message == sql::kForeignKeyViolation) {
      return Error{"user " + std::to_string(k.user_id) + " not found", ErrorKind::NotFound};
    }
    return clarify(e, "pre-auth key prefix");
  }
  return CreatedPreAuthKey{key_from(rows->at(0)), format_auth_key(parts)};
}

Result<std::vector<PreAuthKey>> SqlTransaction::list_pre_auth_keys(std::optional<UserId> user) {
  auto rows = user ? c_.query("SELECT " + std::string(kKeyCols) + " FROM pre_auth_keys WHERE user_id = $1 ORDER BY id",
                              {*user})
                   : c_.query("SELECT " + std::string(kKeyCols) + " FROM pre_auth_keys ORDER BY id", {});
  if (!rows) return rows.error();
  std::vector<PreAuthKey> out;
  for (const Row& r : *rows) out.push_back(key_from(r));
  return out;
}

Result<PreAuthKey> SqlTransaction::get_pre_auth_key(PreAuthKeyId id) {
  auto rows = c_.query("SELECT " + std::string(kKeyCols) + " FROM pre_auth_keys WHERE id = $1", {id});
  if (!rows) return rows.error();
  if (rows->empty()) return Error{"pre-auth key " + std::to_string(id) + " not found", ErrorKind::NotFound};
  return key_from(rows->at(0));
}

Status SqlTransaction::expire_pre_auth_key(PreAuthKeyId id, TimePoint now) {
  return expect_one(c_.execute("UPDATE pre_auth_keys SET expires_at = $2 WHERE id = $1", {id, nanos(now)}),
                    "pre-auth key " + std::to_string(id));
}

Status SqlTransaction::delete_pre_auth_key(PreAuthKeyId id) {
  return expect_one(c_.execute("DELETE FROM pre_auth_keys WHERE id = $1", {id}), "pre-auth key " + std::to_string(id));
}

Result<PreAuthKey> SqlTransaction::redeem_pre_auth_key(std::string_view key_text, TimePoint now) {
  auto parts = parse_auth_key(key_text);
  if (!parts) return parts.error();
  auto rows = c_.query("SELECT id, secret_hash FROM pre_auth_keys WHERE prefix = $1", {std::string_view(parts->prefix)});
  if (!rows) return rows.error();
  const Error unknown{"invalid auth key", ErrorKind::NotFound};
  if (rows->empty()) return unknown;
  const PreAuthKeyId id = rows->at(0).int64(0);
  const Bytes stored = rows->at(0).blob(1);
  const Bytes presented = hash_auth_key_secret(parts->secret);
  if (stored.size() != presented.size() || !constant_time_equal(stored, presented)) return unknown;
  // The check and the consumption are one statement: of concurrent
  // redemptions of a single-use key, exactly one updates the row.
  auto updated = c_.query("UPDATE pre_auth_keys SET used = TRUE WHERE id = $1 AND (reusable OR NOT used) AND "
                          "(expires_at IS NULL OR expires_at > $2) RETURNING " + std::string(kKeyCols),
                          {id, nanos(now)});
  if (!updated) return updated.error();
  if (!updated->empty()) return key_from(updated->at(0));
  auto k = get_pre_auth_key(id);
  if (!k) return k.error();
  if (k->expired(now)) return Error{"auth key expired", ErrorKind::Expired};
  return Error{"auth key already used", ErrorKind::Conflict};
}

// ---- nodes ----

Result<Node> SqlTransaction::register_node(const NewNode& n, TimePoint now) {
  if (n.machine_key.is_zero()) return Error{"node registration needs a machine key"};
  if (n.node_key.is_zero()) return Error{"node registration needs a node key"};
  if (n.given_name.empty()) return Error{"node registration needs a given name"};
  if (n.ipv4 && !n.ipv4->is_v4()) return Error{"ipv4 address is not IPv4"};
  if (n.ipv6 && !n.ipv6->is_v6()) return Error{"ipv6 address is not IPv6"};
  auto tags = join_lines(n.tags, "tags");
  if (!tags) return tags.error();
  const std::string mk = key_text(n.machine_key), nk = key_text(n.node_key), dk = key_text(n.disco_key),
                    nl = key_text(n.nl_key), v4 = addr_text(n.ipv4), v6 = addr_text(n.ipv6),
                    eps = join_endpoints(n.endpoints);
  const Param auth_key = n.auth_key_id ? Param(*n.auth_key_id) : Param(std::monostate{});
  auto rows = c_.query(
      "INSERT INTO nodes (machine_key, node_key, disco_key, nl_key, ipv4, ipv6, hostname, given_name, user_id, "
      "tags, register_method, auth_key_id, ephemeral, expiry, last_seen, hostinfo, endpoints, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15, $16, $17, $17) "
      "RETURNING " + std::string(kNodeCols),
      {std::string_view(mk), std::string_view(nk), std::string_view(dk), std::string_view(nl), addr_param(v4),
       addr_param(v6), std::string_view(n.hostname), std::string_view(n.given_name), n.user_id,
       std::string_view(*tags), register_method_name(n.register_method), auth_key, n.ephemeral,
       opt_nanos(n.expiry), std::string_view(n.hostinfo_json), std::string_view(eps), nanos(now)});
  if (!rows) {
    Error e = rows.error();
    if (e.message == sql::kForeignKeyViolation) {
      return Error{"user " + std::to_string(n.user_id) + " or pre-auth key not found", ErrorKind::NotFound};
    }
    if (e.kind == ErrorKind::AlreadyExists) {
      const std::string& m = e.message;
      if (m.find("nodes.machine_key") != std::string::npos) {
        e.message = "a node with machine key " + mk + " is already registered (nodes.machine_key)";
      } else if (m.find("nodes.node_key") != std::string::npos) {
        e.message = "a node with node key " + nk + " is already registered (nodes.node_key)";
      } else if (m.find("nodes.ipv4") != std::string::npos) {
        e.message = "IPv4 address " + v4 + " is already assigned (nodes.ipv4)";
      } else if (m.find("nodes.ipv6") != std::string::npos) {
        e.message = "IPv6 address " + v6 + " is already assigned (nodes.ipv6)";
      } else if (m.find("nodes.given_name") != std::string::npos) {
        e.message = "node name \"" + n.given_name + "\" is already taken (nodes.given_name)";
      }
    }
    return e;
  }
  return node_from(rows->at(0));
}

Result<std::vector<Node>> SqlTransaction::select_nodes(std::string_view where, std::span<const Param> params) {
  auto rows = c_.query("SELECT " + std::string(kNodeCols) + " FROM nodes " + std::string(where), params);
  if (!rows) return rows.error();
  std::vector<Node> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) {
    auto n = node_from(r);
    if (!n) return n.error();
    out.push_back(std::move(*n));
  }
  return out;
}

Result<Node> SqlTransaction::select_one_node(std::string_view where, std::span<const Param> params,
                                             std::string_view what) {
  auto nodes = select_nodes(where, params);
  if (!nodes) return nodes.error();
  if (nodes->empty()) return Error{std::string(what) + " not found", ErrorKind::NotFound};
  return std::move(nodes->front());
}

Result<Node> SqlTransaction::get_node(NodeId id) {
  const Param p[] = {id};
  return select_one_node("WHERE id = $1", p, node_name(id));
}

Result<Node> SqlTransaction::find_node_by_machine_key(const key::MachinePublic& k) {
  const std::string text = key_text(k);
  const Param p[] = {std::string_view(text)};
  return select_one_node("WHERE machine_key = $1", p, "node with machine key " + text);
}

Result<Node> SqlTransaction::find_node_by_node_key(const key::NodePublic& k) {
  const std::string text = key_text(k);
  const Param p[] = {std::string_view(text)};
  return select_one_node("WHERE node_key = $1", p, "node with node key " + text);
}

Result<std::vector<Node>> SqlTransaction::list_nodes() { return select_nodes("ORDER BY id", {}); }

Result<std::vector<Node>> SqlTransaction::list_nodes_by_user(UserId user) {
  const Param p[] = {user};
  return select_nodes("WHERE user_id = $1 ORDER BY id", p);
}

Status SqlTransaction::update_node_field(NodeId id, std::string_view set_clause, std::span<const Param> params) {
  // params[0] is the id, params[1] the update time; the clause uses $3...
  auto changed = c_.execute("UPDATE nodes SET " + std::string(set_clause) + ", updated_at = $2 WHERE id = $1", params);
  if (!changed) {
    Error e = changed.error();
    if (e.kind == ErrorKind::AlreadyExists) {
      const std::string target = e.message.substr(std::min(e.message.size(), sql::kUniqueViolation.size()));
      e.message = node_name(id) + ": value already taken by another node (" + target + ")";
    } else if (e.message == sql::kForeignKeyViolation) {
      e = Error{node_name(id) + ": referenced user not found", ErrorKind::NotFound};
    }
    return e;
  }
  if (*changed == 0) return Error{node_name(id) + " not found", ErrorKind::NotFound};
  return {};
}

Status SqlTransaction::update_node_key(NodeId id, const key::NodePublic& k, std::optional<TimePoint> expiry,
                                       TimePoint now) {
  if (k.is_zero()) return Error{"node key must not be zero"};
  const std::string text = key_text(k);
  const Param p[] = {id, nanos(now), std::string_view(text), opt_nanos(expiry)};
  return update_node_field(id, "node_key = $3, expiry = $4", p);
}

Status SqlTransaction::set_node_expiry(NodeId id, std::optional<TimePoint> expiry, TimePoint now) {
  const Param p[] = {id, nanos(now), opt_nanos(expiry)};
  return update_node_field(id, "expiry = $3", p);
}

Status SqlTransaction::rename_node(NodeId id, std::string_view given_name, TimePoint now) {
  if (given_name.empty()) return Error{"node name must not be empty"};
  const Param p[] = {id, nanos(now), given_name};
  Status st = update_node_field(id, "given_name = $3", p);
  // The name is the only unique column this changes: a uniqueness failure
  // can only mean another node has it.
  if (!st && st.kind() == ErrorKind::AlreadyExists) {
    return Error{"the name \"" + std::string(given_name) + "\" is already taken by another node",
                 ErrorKind::AlreadyExists};
  }
  return st;
}

Status SqlTransaction::set_node_tags(NodeId id, const std::vector<std::string>& tags, TimePoint now) {
  auto joined = join_lines(tags, "tags");
  if (!joined) return joined.error();
  const Param p[] = {id, nanos(now), std::string_view(*joined)};
  return update_node_field(id, "tags = $3", p);
}

Status SqlTransaction::set_node_user(NodeId id, UserId user, TimePoint now) {
  const Param p[] = {id, nanos(now), user};
  return update_node_field(id, "user_id = $3", p);
}

Status SqlTransaction::set_node_addresses(NodeId id, std::optional<tailcfg::IpAddr> ipv4,
                                          std::optional<tailcfg::IpAddr> ipv6, TimePoint now) {
  if (ipv4 && !ipv4->is_v4()) return Error{"ipv4 address is not IPv4"};
  if (ipv6 && !ipv6->is_v6()) return Error{"ipv6 address is not IPv6"};
  const std::string v4 = addr_text(ipv4), v6 = addr_text(ipv6);
  const Param p[] = {id, nanos(now), addr_param(v4), addr_param(v6)};
  return update_node_field(id, "ipv4 = $3, ipv6 = $4", p);
}

Status SqlTransaction::set_node_nl_key(NodeId id, const key::NLPublic& k, TimePoint now) {
  const std::string text = key_text(k);
  const Param p[] = {id, nanos(now), std::string_view(text)};
  return update_node_field(id, "nl_key = $3", p);
}

Status SqlTransaction::update_node_status(NodeId id, const NodeStatusUpdate& u, TimePoint now) {
  std::string set;
  std::vector<Param> params{id, nanos(now)};
  std::string eps, disco;
  auto add = [&](std::string_view column, Param value) {
    if (!set.empty()) set += ", ";
    params.push_back(value);
    set += std::string(column) + " = $" + std::to_string(params.size());
  };
  if (u.endpoints) {
    eps = join_endpoints(*u.endpoints);
    add("endpoints", std::string_view(eps));
  }
  if (u.disco_key) {
    disco = key_text(*u.disco_key);
    add("disco_key", std::string_view(disco));
  }
  if (u.hostinfo_json) add("hostinfo", std::string_view(*u.hostinfo_json));
  if (u.hostname) add("hostname", std::string_view(*u.hostname));
  if (u.last_seen) add("last_seen", nanos(*u.last_seen));
  if (set.empty()) set = "id = id";
  return update_node_field(id, set, params);
}

Status SqlTransaction::delete_node(NodeId id) {
  return expect_one(c_.execute("DELETE FROM nodes WHERE id = $1", {id}), node_name(id));
}

// ---- pending registrations ----

Status SqlTransaction::create_pending_registration(const PendingRegistration& p) {
  if (p.auth_id.empty()) return Error{"pending registration needs an auth id"};
  const std::string mk = key_text(p.machine_key), nk = key_text(p.node_key), nl = key_text(p.nl_key);
  const Param approved = p.approved_user_id ? Param(*p.approved_user_id) : Param(std::monostate{});
  const Param signature = p.node_key_signature ? Param(Blob{*p.node_key_signature}) : Param(std::monostate{});
  auto r = c_.execute("INSERT INTO pending_registrations (auth_id, machine_key, node_key, nl_key, hostinfo, ephemeral, "
                      "requested_expiry, expires_at, created_at, approved_user_id, node_key_signature) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                      {std::string_view(p.auth_id), std::string_view(mk), std::string_view(nk), std::string_view(nl),
                       std::string_view(p.hostinfo_json), p.ephemeral, opt_nanos(p.requested_expiry),
                       nanos(p.expires_at), nanos(p.created_at), approved, signature});
  if (!r) {
    if (r.error().message == sql::kForeignKeyViolation) {
      return Error{"user " + std::to_string(*p.approved_user_id) + " not found", ErrorKind::NotFound};
    }
    return clarify(r.error(), "pending registration " + p.auth_id);
  }
  return {};
}

Result<PendingRegistration> SqlTransaction::get_pending_registration(std::string_view auth_id) {
  auto rows = c_.query("SELECT " + std::string(kPendingCols) + " FROM pending_registrations WHERE auth_id = $1",
                       {auth_id});
  if (!rows) return rows.error();
  if (rows->empty()) {
    return Error{"pending registration " + std::string(auth_id) + " not found", ErrorKind::NotFound};
  }
  return pending_from(rows->at(0));
}

Result<std::vector<PendingRegistration>> SqlTransaction::list_pending_registrations() {
  auto rows = c_.query("SELECT " + std::string(kPendingCols) + " FROM pending_registrations ORDER BY created_at", {});
  if (!rows) return rows.error();
  std::vector<PendingRegistration> out;
  for (const Row& r : *rows) {
    auto p = pending_from(r);
    if (!p) return p.error();
    out.push_back(std::move(*p));
  }
  return out;
}

Status SqlTransaction::approve_pending_registration(std::string_view auth_id, UserId user) {
  auto current = get_pending_registration(auth_id);
  if (!current) return current.error();
  if (current->approved_user_id) {
    if (*current->approved_user_id == user) return {};
    return Error{"pending registration " + std::string(auth_id) + " is already approved for user " +
                     std::to_string(*current->approved_user_id),
                 ErrorKind::Conflict};
  }
  auto changed = c_.execute("UPDATE pending_registrations SET approved_user_id = $2 WHERE auth_id = $1", {auth_id, user});
  if (!changed) {
    if (changed.error().message == sql::kForeignKeyViolation) {
      return Error{"user " + std::to_string(user) + " not found", ErrorKind::NotFound};
    }
    return changed.error();
  }
  return {};
}

Status SqlTransaction::delete_pending_registration(std::string_view auth_id) {
  return expect_one(c_.execute("DELETE FROM pending_registrations WHERE auth_id = $1", {auth_id}),
                    "pending registration " + std::string(auth_id));
}

Result<std::int64_t> SqlTransaction::delete_expired_pending_registrations(TimePoint now) {
  return c_.execute("DELETE FROM pending_registrations WHERE expires_at <= $1", {nanos(now)});
}

Result<std::int64_t> SqlTransaction::delete_machine_pending_registrations(const key::MachinePublic& machine) {
  const std::string mk = key_text(machine);
  return c_.execute("DELETE FROM pending_registrations WHERE machine_key = $1", {std::string_view(mk)});
}

Result<std::int64_t> SqlTransaction::count_pending_registrations() {
  auto rows = c_.query("SELECT COUNT(*) FROM pending_registrations", {});
  if (!rows) return rows.error();
  return rows->at(0).int64(0);
}

// ---- Tailnet Lock ----

Status SqlTransaction::put_aum(const StoredAum& a) {
  if (a.hash.empty()) return Error{"AUM hash must not be empty"};
  const Param parent = a.parent_hash ? Param(Blob{*a.parent_hash}) : Param(std::monostate{});
  auto r = c_.execute(
      "INSERT INTO tka_aums (hash, parent_hash, aum, committed_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (hash) DO NOTHING",
      {Blob{a.hash}, parent, Blob{a.aum}, nanos(a.committed_at)});
  if (!r) return r.error();
  return {};
}

namespace {
constexpr std::string_view kAumCols = "hash, parent_hash, aum, committed_at";

Result<std::vector<StoredAum>> aums_from(Result<std::vector<Row>> rows) {
  if (!rows) return rows.error();
  std::vector<StoredAum> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) out.push_back(aum_from(r));
  return out;
}
}  // namespace

Result<StoredAum> SqlTransaction::get_aum(ByteView hash) {
  auto rows = c_.query("SELECT " + std::string(kAumCols) + " FROM tka_aums WHERE hash = $1", {Blob{hash}});
  if (!rows) return rows.error();
  if (rows->empty()) return Error{"AUM not found", ErrorKind::NotFound};
  return aum_from(rows->at(0));
}

Result<std::vector<StoredAum>> SqlTransaction::aum_children(ByteView parent_hash) {
  return aums_from(c_.query("SELECT " + std::string(kAumCols) + " FROM tka_aums WHERE parent_hash = $1 ORDER BY hash",
                            {Blob{parent_hash}}));
}

Result<std::vector<StoredAum>> SqlTransaction::list_aums() {
  return aums_from(c_.query("SELECT " + std::string(kAumCols) + " FROM tka_aums ORDER BY hash", {}));
}

Result<std::vector<Bytes>> SqlTransaction::list_aum_hashes() {
  auto rows = c_.query("SELECT hash FROM tka_aums ORDER BY hash", {});
  if (!rows) return rows.error();
  std::vector<Bytes> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) out.push_back(r.blob(0));
  return out;
}

Result<std::vector<StoredAum>> SqlTransaction::aum_heads() {
  // The parent_hash index answers each NOT EXISTS.
  return aums_from(c_.query("SELECT " + std::string(kAumCols) +
                                " FROM tka_aums a WHERE NOT EXISTS "
                                "(SELECT 1 FROM tka_aums c WHERE c.parent_hash = a.hash) ORDER BY hash",
                            {}));
}

Status SqlTransaction::delete_aums(std::span<const Bytes> hashes) {
  for (const Bytes& h : hashes) {
    auto r = c_.execute("DELETE FROM tka_aums WHERE hash = $1", {Blob{h}});
    if (!r) return r.error();
  }
  return {};
}

Status SqlTransaction::delete_all_tka() {
  for (const char* table : {"tka_aums", "tka_node_signatures", "tka_values"}) {
    auto r = c_.execute("DELETE FROM " + std::string(table), {});
    if (!r) return r.error();
  }
  return {};
}

Status SqlTransaction::set_node_key_signature(NodeId id, ByteView signature, TimePoint now) {
  auto r = c_.execute("INSERT INTO tka_node_signatures (node_id, signature, updated_at) VALUES ($1, $2, $3) "
                      "ON CONFLICT (node_id) DO UPDATE SET signature = excluded.signature, "
                      "updated_at = excluded.updated_at",
                      {id, Blob{signature}, nanos(now)});
  if (!r) {
    if (r.error().message == sql::kForeignKeyViolation) return Error{node_name(id) + " not found", ErrorKind::NotFound};
    return r.error();
  }
  return {};
}

Result<Bytes> SqlTransaction::get_node_key_signature(NodeId id) {
  auto rows = c_.query("SELECT signature FROM tka_node_signatures WHERE node_id = $1", {id});
  if (!rows) return rows.error();
  if (rows->empty()) return Error{node_name(id) + " has no node-key signature", ErrorKind::NotFound};
  return rows->at(0).blob(0);
}

Result<std::vector<std::pair<NodeId, Bytes>>> SqlTransaction::list_node_key_signatures() {
  auto rows = c_.query("SELECT node_id, signature FROM tka_node_signatures ORDER BY node_id", {});
  if (!rows) return rows.error();
  std::vector<std::pair<NodeId, Bytes>> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) out.emplace_back(r.int64(0), r.blob(1));
  return out;
}

Status SqlTransaction::delete_node_key_signature(NodeId id) {
  return expect_one(c_.execute("DELETE FROM tka_node_signatures WHERE node_id = $1", {id}),
                    "node-key signature of " + node_name(id));
}

Status SqlTransaction::set_tka_value(std::string_view name, ByteView value) {
  auto r = c_.execute("INSERT INTO tka_values (name, value) VALUES ($1, $2) "
                      "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                      {name, Blob{value}});
  if (!r) return r.error();
  return {};
}

Result<Bytes> SqlTransaction::get_tka_value(std::string_view name) {
  auto rows = c_.query("SELECT value FROM tka_values WHERE name = $1", {name});
  if (!rows) return rows.error();
  if (rows->empty()) return Error{"tka value \"" + std::string(name) + "\" not found", ErrorKind::NotFound};
  return rows->at(0).blob(0);
}

Status SqlTransaction::delete_tka_value(std::string_view name) {
  auto r = c_.execute("DELETE FROM tka_values WHERE name = $1", {name});
  if (!r) return r.error();
  return {};
}

}  // namespace latchkey::store
