#include "server/serve_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "store/database_config.h"
#include "transport/control_url.h"

namespace latchkey::server {

namespace {

namespace fs = std::filesystem;

std::string resolve(const std::string& dir, const std::string& p) {
  if (p.empty() || dir.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(dir) / p).string();
}

Result<std::string> scalar(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) return Error{key + ": want a string"};
  return n.Scalar();
}

Result<std::int64_t> integer(const YAML::Node& n, const std::string& key, std::int64_t lo, std::int64_t hi) {
  if (!n.IsScalar()) return Error{key + ": want a number"};
  try {
    std::size_t used = 0;
    const long long v = std::stoll(n.Scalar(), &used);
    if (used != n.Scalar().size() || v < lo || v > hi) throw std::out_of_range("range");
    return static_cast<std::int64_t>(v);
  } catch (const std::exception&) {
    return Error{key + ": want a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got \"" +
                 n.Scalar() + "\""};
  }
}

Result<bool> boolean(const YAML::Node& n, const std::string& key) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    return Error{key + ": want true or false, got \"" + s + "\""};
  }
  return Error{key + ": want true or false"};
}

// Durations longer than this are mistakes (a unit left out, say).
constexpr std::int64_t kMaxDurationSeconds = 366LL * 24 * 3600;

// "90s", "2m", "1h", "1d", or a plain number of seconds; at most a year.
Result<std::chrono::seconds> duration(const YAML::Node& n, const std::string& key) {
  auto s = scalar(n, key);
  if (!s) return s.error();
  const Error bad{key + ": want a duration from 0s to 366d such as 30s, 5m, 1h or 1d, got \"" + *s + "\""};
  std::string t = *s;
  std::int64_t mult = 1;
  if (!t.empty() && (t.back() == 's' || t.back() == 'm' || t.back() == 'h' || t.back() == 'd')) {
    mult = t.back() == 's' ? 1 : t.back() == 'm' ? 60 : t.back() == 'h' ? 3600 : 86400;
    t.pop_back();
  }
  if (t.empty() || t.size() > 12) return bad;
  std::int64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return bad;
    v = v * 10 + (c - '0');
  }
  if (v > kMaxDurationSeconds / mult) return bad;
  return std::chrono::seconds(v * mult);
}

// A DNS name: dot-separated labels of letters, digits and '-' (not at either
// end of a label), each 1-63 characters, 253 in all.
Status dns_name(const std::string& name, const std::string& key) {
  const Error bad{key + ": \"" + name +
                  "\" is not a DNS name (labels of letters, digits and -, separated by dots)"};
  if (name.empty() || name.size() > 253) return bad;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    const std::string_view label(name.data() + start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return bad;
    for (char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return bad;
    }
    start = end + 1;
  }
  return {};
}

// server_url: the URL clients are told to use (transport/control_url.h).
Status server_url(const std::string& url) {
  if (auto u = transport::parse_control_url(url); !u) return Error{"server_url: " + u.message()};
  return {};
}

// A listen address setting: host:port with an IP address host.
Result<std::string> address(const YAML::Node& n, const std::string& key) {
  auto s = scalar(n, key);
  if (!s) return s.error();
  if (auto ep = parse_listen_addr(*s); !ep) return Error{key + ": " + ep.message()};
  return s;
}

Result<std::vector<std::string>> string_list(const YAML::Node& n, const std::string& key) {
  if (!n.IsSequence()) return Error{key + ": want a list"};
  std::vector<std::string> out;
  for (const auto& item : n) {
    auto s = scalar(item, key + "[]");
    if (!s) return s.error();
    out.push_back(*s);
  }
  return out;
}

Status check_keys(const YAML::Node& map, const std::string& where, std::initializer_list<std::string_view> allowed) {
  if (!map.IsMap()) return Error{where + ": want a mapping"};
  for (const auto& kv : map) {
    // A key may itself be a sequence or mapping in YAML: not a setting name.
    if (!kv.first.IsScalar()) return Error{(where.empty() ? std::string("config") : where) + ": a key is not a name"};
    const std::string k = kv.first.Scalar();
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) return Error{(where.empty() ? "" : where + ".") + k + ": unknown setting"};
  }
  return {};
}

#define LK_TRY(var, expr)              \
  auto var = (expr);                   \
  if (!var) return var.error()

// limits: {max_connections, max_connections_per_address}
// (transport/connection_limits.h). At most fs.nr_open's default, the most
// descriptors a Linux process can have.
Status parse_limits(const YAML::Node& n, ServeConfig& c) {
  if (auto st = check_keys(n, "limits", {"max_connections", "max_connections_per_address"}); !st) return st;
  constexpr std::int64_t kMost = 1 << 20;
  auto& limits = c.server.transport.connection_limits;
  if (n["max_connections"]) {
    LK_TRY(v, integer(n["max_connections"], "limits.max_connections", 1, kMost));
    limits.max_connections = static_cast<std::size_t>(*v);
  }
  if (n["max_connections_per_address"]) {
    LK_TRY(v, integer(n["max_connections_per_address"], "limits.max_connections_per_address", 1, kMost));
    limits.max_connections_per_address = static_cast<std::size_t>(*v);
  }
  return {};
}

Status parse_prefixes(const YAML::Node& n, ServeConfig& c) {
  if (auto st = check_keys(n, "prefixes", {"v4", "v6", "allocation"}); !st) return st;
  auto& t = c.server.tailnet;
  if (n["v4"]) {
    LK_TRY(s, scalar(n["v4"], "prefixes.v4"));
    if (s->empty()) {
      t.prefix_v4.reset();
    } else {
      auto p = tailcfg::IpPrefix::parse(*s);
      if (!p || !p->addr().is_v4()) {
        return Error{"prefixes.v4: \"" + *s + "\" is not an IPv4 prefix (want e.g. 100.64.0.0/10, or \"\" for none)"};
      }
      t.prefix_v4 = *p;
    }
  }
  if (n["v6"]) {
    LK_TRY(s, scalar(n["v6"], "prefixes.v6"));
    if (s->empty()) {
      t.prefix_v6.reset();
    } else {
      auto p = tailcfg::IpPrefix::parse(*s);
      if (!p || !p->addr().is_v6()) {
        return Error{"prefixes.v6: \"" + *s +
                     "\" is not an IPv6 prefix (want e.g. fd7a:115c:a1e0::/48, or \"\" for none)"};
      }
      t.prefix_v6 = *p;
    }
  }
  if (n["allocation"]) {
    LK_TRY(s, scalar(n["allocation"], "prefixes.allocation"));
    auto a = parse_allocation_strategy(*s);
    if (!a) return Error{"prefixes.allocation: " + a.message()};
    t.allocation = *a;
  }
  return {};
}

Status parse_dns(const YAML::Node& n, ServeConfig& c) {
  if (auto st = check_keys(n, "dns", {"base_domain", "magic_dns", "nameservers", "search_domains"}); !st) return st;
  auto& t = c.server.tailnet;
  bool magic = true;
  std::vector<std::string> nameservers, search;
  if (n["base_domain"]) {
    LK_TRY(s, scalar(n["base_domain"], "dns.base_domain"));
    if (auto st = dns_name(*s, "dns.base_domain"); !st) return st;
    t.base_domain = *s;
  }
  if (n["magic_dns"]) {
    LK_TRY(b, boolean(n["magic_dns"], "dns.magic_dns"));
    magic = *b;
  }
  if (n["nameservers"]) {
    LK_TRY(l, string_list(n["nameservers"], "dns.nameservers"));
    nameservers = *l;
  }
  if (n["search_domains"]) {
    LK_TRY(l, string_list(n["search_domains"], "dns.search_domains"));
    for (const auto& d : *l) {
      if (auto st = dns_name(d, "dns.search_domains"); !st) return st;
    }
    search = *l;
  }
  tailcfg::DnsConfig d;
  for (const auto& ns : nameservers) {
    if (!tailcfg::IpAddr::parse(ns).ok() && ns.rfind("https://", 0) != 0 && ns.rfind("tls://", 0) != 0) {
      return Error{"dns.nameservers: \"" + ns + "\" is not an IP address or a DoH/DoT URL"};
    }
    d.resolvers.push_back(tailcfg::DnsResolver{ns, {}, false});
  }
  if (magic) {
    d.proxied = true;
    d.domains.push_back(t.base_domain);
  }
  for (const auto& s : search) d.domains.push_back(s);
  t.netmap.dns_config = d;
  t.netmap.domain = t.base_domain;
  return {};
}

Result<tailcfg::DerpRegion> parse_region(const YAML::Node& n, const std::string& where) {
  if (auto st = check_keys(n, where, {"id", "code", "name", "nodes"}); !st) return st.error();
  tailcfg::DerpRegion r;
  if (!n["id"]) return Error{where + ".id: missing"};
  LK_TRY(id, integer(n["id"], where + ".id", 1, 1 << 30));
  r.region_id = *id;
  if (n["code"]) {
    LK_TRY(s, scalar(n["code"], where + ".code"));
    r.region_code = *s;
  }
  if (n["name"]) {
    LK_TRY(s, scalar(n["name"], where + ".name"));
    r.region_name = *s;
  }
  r.nodes = std::vector<tailcfg::DerpNode>{};
  if (!n["nodes"] || !n["nodes"].IsSequence() || n["nodes"].size() == 0) {
    return Error{where + ".nodes: want a list of at least one node"};
  }
  for (const auto& nn : n["nodes"]) {
    const std::string w = where + ".nodes[]";
    if (auto st = check_keys(nn, w, {"name", "host_name", "ipv4", "ipv6", "stun_port", "derp_port", "stun_only"});
        !st) {
      return st.error();
    }
    tailcfg::DerpNode d;
    d.region_id = r.region_id;
    if (!nn["host_name"]) return Error{w + ".host_name: missing"};
    LK_TRY(host, scalar(nn["host_name"], w + ".host_name"));
    if (auto st = dns_name(*host, w + ".host_name"); !st) return st.error();
    d.host_name = *host;
    d.name = std::to_string(r.region_id) + static_cast<char>('a' + r.nodes->size() % 26);
    if (nn["name"]) {
      LK_TRY(s, scalar(nn["name"], w + ".name"));
      d.name = *s;
    }
    if (nn["ipv4"]) {
      LK_TRY(s, scalar(nn["ipv4"], w + ".ipv4"));
      auto a = tailcfg::IpAddr::parse(*s);
      if (*s != "none" && (!a || !a->is_v4())) {
        return Error{w + ".ipv4: \"" + *s + "\" is not an IPv4 address (or none: no IPv4)"};
      }
      d.ipv4 = *s;
    }
    if (nn["ipv6"]) {
      LK_TRY(s, scalar(nn["ipv6"], w + ".ipv6"));
      auto a = tailcfg::IpAddr::parse(*s);
      if (*s != "none" && (!a || !a->is_v6())) {
        return Error{w + ".ipv6: \"" + *s + "\" is not an IPv6 address (or none: no IPv6)"};
      }
      d.ipv6 = *s;
    }
    if (nn["stun_port"]) {
      LK_TRY(v, integer(nn["stun_port"], w + ".stun_port", -1, 65535));
      d.stun_port = *v;
    }
    if (nn["derp_port"]) {
      LK_TRY(v, integer(nn["derp_port"], w + ".derp_port", 0, 65535));
      d.derp_port = *v;
    }
    if (nn["stun_only"]) {
      LK_TRY(b, boolean(nn["stun_only"], w + ".stun_only"));
      d.stun_only = *b;
    }
    r.nodes->push_back(d);
  }
  return r;
}

Status parse_derp(const YAML::Node& n, ServeConfig& c) {
  if (auto st = check_keys(n, "derp", {"regions", "include_tailscale_regions"}); !st) return st;
  bool include_default = !n["regions"];
  if (n["include_tailscale_regions"]) {
    LK_TRY(b, boolean(n["include_tailscale_regions"], "derp.include_tailscale_regions"));
    include_default = *b;
  }
  tailcfg::DerpMap m;
  if (include_default) m = default_derp_map();
  if (n["regions"]) {
    if (!n["regions"].IsSequence()) return Error{"derp.regions: want a list"};
    for (const auto& r : n["regions"]) {
      LK_TRY(region, parse_region(r, "derp.regions[]"));
      m.regions[region->region_id] = *region;
    }
  }
  if (m.regions.empty()) return Error{"derp: no regions (add derp.regions or set include_tailscale_regions)"};
  c.server.tailnet.netmap.derp_map = m;
  return {};
}

// tailnet_lock: {administrators: [user names]}: whose nodes may change the
// lock (unset: everyone's).
Status parse_tailnet_lock(const YAML::Node& n, ServeConfig& c) {
  if (auto st = check_keys(n, "tailnet_lock", {"administrators"}); !st) return st;
  if (!n["administrators"]) return {};
  LK_TRY(names, string_list(n["administrators"], "tailnet_lock.administrators"));
  for (const auto& name : *names) {
    if (name.empty()) return Error{"tailnet_lock.administrators: a user name is empty"};
  }
  c.server.tailnet.lock_administrators = std::move(*names);
  return {};
}

// log: {level, format}, or the older top-level log_level (not both).
Status parse_log(const YAML::Node& root, ServeConfig& c) {
  if (root["log"] && root["log_level"]) return Error{"log_level: set the level in log.level or in log_level, not both"};
  if (root["log_level"]) {
    LK_TRY(s, scalar(root["log_level"], "log_level"));
    auto level = parse_log_level(*s);
    if (!level) return Error{"log_level: " + level.message()};
    c.log.level = *level;
  }
  if (!root["log"]) return {};
  const YAML::Node& n = root["log"];
  if (auto st = check_keys(n, "log", {"level", "format"}); !st) return st;
  if (n["level"]) {
    LK_TRY(s, scalar(n["level"], "log.level"));
    auto level = parse_log_level(*s);
    if (!level) return Error{"log.level: " + level.message()};
    c.log.level = *level;
  }
  if (n["format"]) {
    LK_TRY(s, scalar(n["format"], "log.format"));
    auto format = parse_log_format(*s);
    if (!format) return Error{"log.format: " + format.message()};
    c.log.format = *format;
  }
  return {};
}

}  // namespace

tailcfg::DerpMap default_derp_map() {
  struct N {
    const char* name;
    const char* host;
  };
  struct R {
    int id;
    const char* code;
    const char* name;
    std::vector<N> nodes;
  };
  // Tailscale's public DERP regions (upstream net/dnsfallback's bundled map).
  static const std::vector<R> regions = {
      {1, "nyc", "New York City", {{"1c", "derp1c.tailscale.com"}, {"1d", "derp1d.tailscale.com"}, {"1e", "derp1e.tailscale.com"}}},
      {2, "sfo", "San Francisco", {{"2d", "derp2d.tailscale.com"}, {"2e", "derp2e.tailscale.com"}, {"2f", "derp2f.tailscale.com"}}},
      {3, "sin", "Singapore", {{"3a", "derp3.tailscale.com"}}},
      {4, "fra", "Frankfurt", {{"4c", "derp4c.tailscale.com"}, {"4d", "derp4d.tailscale.com"}, {"4e", "derp4e.tailscale.com"}}},
      {5, "syd", "Sydney", {{"5a", "derp5.tailscale.com"}}},
      {6, "blr", "Bangalore", {{"6a", "derp6.tailscale.com"}}},
      {7, "tok", "Tokyo", {{"7a", "derp7.tailscale.com"}}},
      {8, "lhr", "London", {{"8b", "derp8b.tailscale.com"}, {"8c", "derp8c.tailscale.com"}, {"8d", "derp8d.tailscale.com"}}},
      {9, "dfw", "Dallas", {{"9a", "derp9.tailscale.com"}, {"9b", "derp9b.tailscale.com"}, {"9c", "derp9c.tailscale.com"}}},
      {10, "sea", "Seattle", {{"10a", "derp10.tailscale.com"}}},
      {11, "sao", "Sao Paulo", {{"11a", "derp11.tailscale.com"}}},
      {12, "ord", "Chicago", {{"12a", "derp12.tailscale.com"}, {"12b", "derp12b.tailscale.com"}, {"12c", "derp12c.tailscale.com"}}},
  };
  tailcfg::DerpMap m;
  for (const auto& r : regions) {
    tailcfg::DerpRegion dr;
    dr.region_id = r.id;
    dr.region_code = r.code;
    dr.region_name = r.name;
    dr.nodes = std::vector<tailcfg::DerpNode>{};
    for (const auto& n : r.nodes) {
      tailcfg::DerpNode dn;
      dn.name = n.name;
      dn.region_id = r.id;
      dn.host_name = n.host;
      dr.nodes->push_back(dn);
    }
    m.regions[r.id] = dr;
  }
  return m;
}

std::string default_admin_socket(const store::StoreConfig& database, const std::string& config_dir) {
  const std::string name = "latchkey.sock";
  if (database.backend == store::Backend::Sqlite) {
    return (fs::path(database.sqlite_path).parent_path() / name).string();
  }
  return config_dir.empty() ? name : (fs::path(config_dir) / name).string();
}

Result<transport::Tcp::endpoint> parse_listen_addr(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return Error{quoted + " is not host:port (e.g. 127.0.0.1:8080 or [::1]:8080)"};
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(host, ec);
  if (ec) return Error{quoted + ": \"" + host + "\" is not an IP address"};
  const std::string_view port_text = text.substr(colon + 1);
  bool digits = !port_text.empty() && port_text.size() <= 5;
  unsigned long port = 0;
  for (char ch : port_text) {
    digits = digits && ch >= '0' && ch <= '9';
    port = port * 10 + static_cast<unsigned long>(ch - '0');
  }
  if (!digits || port > 65535) return Error{quoted + ": bad port (want 0 to 65535; 0 picks a free one)"};
  return transport::Tcp::endpoint(addr, static_cast<std::uint16_t>(port));
}

Result<ServeConfig> parse_serve_config(std::string_view yaml_text, const std::string& config_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Error{std::string("config is not valid YAML: ") + e.what()};
  }
  ServeConfig c;
  c.server.tailnet.netmap.derp_map = default_derp_map();
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (auto st = check_keys(root, "",
                           {"listen_addr", "server_url", "noise_private_key_path", "legacy_private_key_path", "tls",
                            "database", "admin_socket", "prefixes", "dns", "derp", "ephemeral_node_inactivity_timeout", "log_level",
                            "threads", "metrics_listen_addr", "log", "limits", "tailnet_lock"});
      !st) {
    return st.error();
  }
  for (const auto& kv : root) c.written[kv.first.Scalar()] = YAML::Dump(kv.second);
  if (root["listen_addr"]) {
    LK_TRY(s, address(root["listen_addr"], "listen_addr"));
    c.listen_addr = *s;
  }
  if (root["server_url"]) {
    LK_TRY(s, scalar(root["server_url"], "server_url"));
    if (auto st = server_url(*s); !st) return st.error();
    c.server_url = *s;
  }
  if (root["metrics_listen_addr"]) {
    LK_TRY(s, scalar(root["metrics_listen_addr"], "metrics_listen_addr"));
    if (!s->empty()) {
      LK_TRY(a, address(root["metrics_listen_addr"], "metrics_listen_addr"));
    }
    c.metrics_listen_addr = *s;
  }
  if (root["noise_private_key_path"]) {
    LK_TRY(s, scalar(root["noise_private_key_path"], "noise_private_key_path"));
    if (s->empty()) return Error{"noise_private_key_path: want a file path"};
    c.noise_private_key_path = *s;
  }
  if (root["legacy_private_key_path"]) {
    LK_TRY(s, scalar(root["legacy_private_key_path"], "legacy_private_key_path"));
    if (s->empty()) return Error{"legacy_private_key_path: want a file path"};
    c.legacy_private_key_path = *s;
  }
  if (root["tls"]) {
    if (auto st = check_keys(root["tls"], "tls", {"cert_path", "key_path"}); !st) return st.error();
    if (root["tls"]["cert_path"]) {
      LK_TRY(s, scalar(root["tls"]["cert_path"], "tls.cert_path"));
      c.tls_cert_path = *s;
    }
    if (root["tls"]["key_path"]) {
      LK_TRY(s, scalar(root["tls"]["key_path"], "tls.key_path"));
      c.tls_key_path = *s;
    }
    if (c.tls_cert_path.empty() != c.tls_key_path.empty()) {
      return Error{"tls: set both cert_path and key_path, or neither"};
    }
  }
  auto db = store::database_config_from_yaml(root["database"], config_dir);
  if (!db) return db.error();
  c.database = *db;
  if (root["admin_socket"]) {
    LK_TRY(s, scalar(root["admin_socket"], "admin_socket"));
    if (s->empty()) return Error{"admin_socket: want a file path"};
    c.admin_socket = resolve(config_dir, *s);
  } else {
    c.admin_socket = default_admin_socket(c.database, config_dir);
  }
  if (c.admin_socket.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Error{"admin_socket: \"" + c.admin_socket + "\" is too long for a unix socket (at most " +
                 std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes)"};
  }
  if (root["prefixes"]) {
    if (auto st = parse_prefixes(root["prefixes"], c); !st) return st.error();
  }
  if (!c.server.tailnet.prefix_v4 && !c.server.tailnet.prefix_v6) return Error{"prefixes: set v4 or v6 (or both)"};
  if (auto a = IpAllocator::create(c.server.tailnet.prefix_v4, c.server.tailnet.prefix_v6,
                                   c.server.tailnet.allocation);
      !a) {
    return Error{"prefixes: " + a.message()};
  }
  // DNS defaults apply even without a dns section.
  if (auto st = parse_dns(root["dns"] ? root["dns"] : YAML::Node(YAML::NodeType::Map), c); !st) return st.error();
  if (root["derp"]) {
    if (auto st = parse_derp(root["derp"], c); !st) return st.error();
  }
  if (root["ephemeral_node_inactivity_timeout"]) {
    LK_TRY(d, duration(root["ephemeral_node_inactivity_timeout"], "ephemeral_node_inactivity_timeout"));
    c.server.tailnet.ephemeral_inactivity_timeout = *d;
  }
  if (auto st = parse_log(root, c); !st) return st.error();
  if (root["threads"]) {
    LK_TRY(v, integer(root["threads"], "threads", 1, 64));
    c.threads = static_cast<int>(*v);
  }
  if (root["tailnet_lock"]) {
    if (auto st = parse_tailnet_lock(root["tailnet_lock"], c); !st) return st.error();
  }
  if (root["limits"]) {
    if (auto st = parse_limits(root["limits"], c); !st) return st.error();
  }
  if (c.server_url.empty()) {
    c.server_url = (c.tls_cert_path.empty() ? "http://" : "https://") + c.listen_addr;
  }
  while (!c.server_url.empty() && c.server_url.back() == '/') c.server_url.pop_back();
  c.server.tailnet.server_url = c.server_url;
  c.noise_private_key_path = resolve(config_dir, c.noise_private_key_path);
  c.legacy_private_key_path = resolve(config_dir, c.legacy_private_key_path);
  c.tls_cert_path = resolve(config_dir, c.tls_cert_path);
  c.tls_key_path = resolve(config_dir, c.tls_key_path);
  return c;
}

Result<ServeConfig> load_serve_config(const std::string& path) {
  if (path.empty()) return parse_serve_config("", "");
  std::ifstream f(path);
  if (!f) return Error{"cannot read config file " + path + ": " + std::strerror(errno)};
  std::stringstream ss;
  ss << f.rdbuf();
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return parse_serve_config(ss.str(), dir);
}

Result<key::MachinePrivate> load_or_create_private_key(const std::string& path, bool* created) {
  if (created) *created = false;
  std::ifstream f(path);
  if (f) {
    std::string text;
    std::getline(f, text);
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
    auto k = key::MachinePrivate::parse(text);
    if (!k) return Error{"private key file " + path + ": " + k.message()};
    return k;
  }
  if (errno != ENOENT) return Error{"cannot read private key file " + path + ": " + std::strerror(errno)};
  const auto k = key::MachinePrivate::generate();
  if (auto parent = fs::path(path).parent_path(); !parent.empty()) {
    std::error_code ec;
    fs::create_directories(parent, ec);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot create private key file " + path + ": " + std::strerror(errno)};
  const std::string text = k.to_string() + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Error{"cannot write private key file " + path};
  if (created) *created = true;
  return k;
}

}  // namespace latchkey::server
