#include "client/status.h"

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tailcfg/go_time.h"

namespace latchkey::client {

namespace {

using Json = nlohmann::ordered_json;

std::string time_text(const StatusTime& t) { return tailcfg::GoTime::from_system(t).to_string(); }

Json optional_time(const std::optional<StatusTime>& t) { return t ? Json(time_text(*t)) : Json(nullptr); }

// The document's text. Names, reasons and errors come from the control
// server and need not be UTF-8: bad bytes become U+FFFD instead of an
// exception.
std::string text_of(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json strings(const std::vector<std::string>& items) {
  Json out = Json::array();
  for (const auto& s : items) out.push_back(s);
  return out;
}

}  // namespace

std::string_view backend_state_name(BackendState s) {
  switch (s) {
    case BackendState::Starting: return "starting";
    case BackendState::NeedsLogin: return "needs_login";
    case BackendState::Running: return "running";
    case BackendState::Stopped: return "stopped";
  }
  return "unknown";
}

std::string_view lock_state_name(LockView::State s) {
  switch (s) {
    case LockView::State::Off: return "off";
    case LockView::State::Pending: return "pending";
    case LockView::State::Active: return "active";
  }
  return "unknown";
}

std::string_view lock_mode_name(LockMode m) {
  switch (m) {
    case LockMode::VerifyAndLog: return "log";
    case LockMode::Enforce: return "enforce";
  }
  return "unknown";
}

namespace {

// One peer as the document and the peer events show it.
Json peer_json(const PeerStatus& p) {
  Json j;
  j["name"] = p.name;
  j["node_id"] = p.node_id;
  j["node_key"] = p.node_key.to_string();
  j["addresses"] = strings(p.addresses);
  j["online"] = p.online;
  j["lock_verdict"] = std::string(verdict_name(p.lock_verdict));
  j["lock_reason"] = p.lock_reason;
  j["exposed"] = p.exposed;
  return j;
}

}  // namespace

std::string peer_status_json(const PeerStatus& p) { return text_of(peer_json(p)); }

std::string status_to_json(const ClientStatus& st) {
  Json doc;
  doc["schema"] = kStatusSchema;
  doc["backend_state"] = std::string(backend_state_name(st.backend_state));
  doc["auth_url"] = st.auth_url;

  const auto& s = st.self;
  Json self;
  self["name"] = s.name;
  self["node_id"] = s.node_id;
  self["stable_id"] = s.stable_id;
  self["node_key"] = s.node_key.to_string();
  self["addresses"] = strings(s.addresses);
  self["online"] = s.online;
  self["key_expiry"] = optional_time(s.key_expiry);
  self["lock_verdict"] = std::string(verdict_name(s.lock_verdict));
  self["lock_reason"] = s.lock_reason;
  doc["self"] = std::move(self);

  std::vector<const PeerStatus*> order;
  order.reserve(st.peers.size());
  for (const auto& p : st.peers) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(),
                   [](const PeerStatus* a, const PeerStatus* b) { return a->node_id < b->node_id; });
  Json peers = Json::array();
  for (const PeerStatus* p : order) peers.push_back(peer_json(*p));
  doc["peers"] = std::move(peers);

  const auto& l = st.lock;
  Json lock;
  lock["enabled"] = l.state == LockView::State::Active;
  lock["state"] = std::string(lock_state_name(l.state));
  lock["mode"] = std::string(lock_mode_name(l.mode));
  lock["head"] = l.head;
  lock["state_id"] = l.state_id;
  lock["nl_public"] = l.nl_public;
  Json trusted = Json::array();
  for (const auto& k : l.trusted_keys) trusted.push_back(Json{{"key", k.key}, {"votes", k.votes}});
  lock["trusted_keys"] = std::move(trusted);
  lock["would_reject_total"] = l.would_reject_total;
  lock["rejected_total"] = l.rejected_total;
  lock["last_sync_error"] = l.last_sync_error;
  lock["last_sync_at"] = optional_time(l.last_sync_at);
  doc["lock"] = std::move(lock);

  const auto& c = st.counters;
  Json counters;
  counters["map_frames_total"] =
      Json{{"keepalive", c.map_frames_total.keepalive}, {"full", c.map_frames_total.full}, {"delta", c.map_frames_total.delta}};
  Json map_errors = Json::object();
  for (const auto& [kind, n] : c.map_errors_total) map_errors[kind] = n;
  counters["map_errors_total"] = std::move(map_errors);
  counters["reconnects_total"] = c.reconnects_total;
  Json lock_peers = Json::object();
  for (std::size_t i = 0; i < kLockVerdictCount; ++i) {
    if (c.lock_peers[i] != 0) lock_peers[std::string(verdict_name(static_cast<LockVerdict>(i)))] = c.lock_peers[i];
  }
  counters["lock_peers"] = std::move(lock_peers);
  Json sync_errors = Json::object();
  for (std::size_t i = 0; i < kSyncStageCount; ++i) {
    if (c.lock_sync_errors_total[i] != 0) {
      sync_errors[std::string(stage_name(static_cast<SyncStage>(i)))] = c.lock_sync_errors_total[i];
    }
  }
  counters["lock_sync_errors_total"] = std::move(sync_errors);
  Json retry_after = Json::object();
  for (const auto& [path, n] : c.retry_after_total) retry_after[path] = n;
  counters["retry_after_total"] = std::move(retry_after);
  doc["counters"] = std::move(counters);
  return text_of(doc);
}

// ---- reading ----

namespace {

using Plain = nlohmann::json;

// A field that is missing, mistyped or unknown; caught at the top and
// turned into an Error naming the field's path.
struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads one JSON object's fields, each exactly once; finish() refuses any
// field left unread.
class Fields {
 public:
  Fields(const Plain& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j.is_object()) throw BadField(where() + " is not an object");
  }

  const Plain& get(const std::string& name) {
    const auto it = j_.find(name);
    if (it == j_.end()) throw BadField(field(name) + " is missing");
    read_.insert(name);
    return *it;
  }
  std::string field(const std::string& name) const { return path_.empty() ? name : path_ + "." + name; }

  std::string string(const std::string& name) {
    const auto& v = get(name);
    if (!v.is_string()) throw BadField(field(name) + " is not a string");
    return v.get<std::string>();
  }
  bool boolean(const std::string& name) {
    const auto& v = get(name);
    if (!v.is_boolean()) throw BadField(field(name) + " is not true or false");
    return v.get<bool>();
  }
  std::uint64_t count(const std::string& name) { return count_value(get(name), field(name)); }
  std::int64_t integer(const std::string& name) {
    const auto& v = get(name);
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw BadField(field(name) + " is out of range");
      }
      return static_cast<std::int64_t>(v.get<std::uint64_t>());
    }
    if (!v.is_number_integer()) throw BadField(field(name) + " is not an integer");
    return v.get<std::int64_t>();
  }
  std::vector<std::string> strings(const std::string& name) {
    const auto& v = get(name);
    if (!v.is_array()) throw BadField(field(name) + " is not an array");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) throw BadField(field(name) + "[" + std::to_string(i) + "] is not a string");
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }
  std::optional<StatusTime> time(const std::string& name) {
    const auto& v = get(name);
    if (v.is_null()) return std::nullopt;
    if (!v.is_string()) throw BadField(field(name) + " is neither null nor an RFC 3339 time");
    auto t = tailcfg::GoTime::parse_rfc3339(v.get<std::string>());
    if (!t) throw BadField(field(name) + ": " + t.message());
    return t->to_system();
  }
  key::NodePublic node_key(const std::string& name) {
    auto k = key::NodePublic::parse(string(name));
    if (!k) throw BadField(field(name) + ": " + k.message());
    return *k;
  }
  LockVerdict verdict(const std::string& name) {
    const std::string text = string(name);
    for (std::size_t i = 0; i < kLockVerdictCount; ++i) {
      if (verdict_name(static_cast<LockVerdict>(i)) == text) return static_cast<LockVerdict>(i);
    }
    throw BadField(field(name) + ": unknown verdict \"" + text + "\"");
  }

  static std::uint64_t count_value(const Plain& v, const std::string& where) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      throw BadField(where + " is not a non-negative integer");
    }
    return v.get<std::uint64_t>();
  }

  void finish() const {
    for (const auto& [name, value] : j_.items()) {
      if (!read_.contains(name)) throw BadField(field(name) + " is not a field of status schema 1");
    }
  }

 private:
  std::string where() const { return path_.empty() ? "the document" : path_; }
  const Plain& j_;
  std::string path_;
  std::set<std::string> read_;
};

template <class Enum, std::size_t N, class NameFn>
Enum enum_by_name(const std::string& text, NameFn name, const std::string& where) {
  for (std::size_t i = 0; i < N; ++i) {
    if (name(static_cast<Enum>(i)) == text) return static_cast<Enum>(i);
  }
  throw BadField(where + ": unknown value \"" + text + "\"");
}

std::map<std::string, std::uint64_t> count_map(const Plain& j, const std::string& where) {
  if (!j.is_object()) throw BadField(where + " is not an object");
  std::map<std::string, std::uint64_t> out;
  for (const auto& [k, v] : j.items()) out[k] = Fields::count_value(v, where + "." + k);
  return out;
}

SelfStatus read_self(const Plain& j) {
  Fields f(j, "self");
  SelfStatus s;
  s.name = f.string("name");
  s.node_id = f.integer("node_id");
  s.stable_id = f.string("stable_id");
  s.node_key = f.node_key("node_key");
  s.addresses = f.strings("addresses");
  s.online = f.boolean("online");
  s.key_expiry = f.time("key_expiry");
  s.lock_verdict = f.verdict("lock_verdict");
  s.lock_reason = f.string("lock_reason");
  f.finish();
  return s;
}

PeerStatus read_peer(const Plain& j, const std::string& path) {
  Fields f(j, path);
  PeerStatus p;
  p.name = f.string("name");
  p.node_id = f.integer("node_id");
  p.node_key = f.node_key("node_key");
  p.addresses = f.strings("addresses");
  p.online = f.boolean("online");
  p.lock_verdict = f.verdict("lock_verdict");
  p.lock_reason = f.string("lock_reason");
  p.exposed = f.boolean("exposed");
  f.finish();
  return p;
}

LockStatus read_lock(const Plain& j) {
  Fields f(j, "lock");
  LockStatus l;
  const bool enabled = f.boolean("enabled");
  l.state = enum_by_name<LockView::State, 3>(f.string("state"), lock_state_name, "lock.state");
  if (enabled != (l.state == LockView::State::Active)) {
    throw BadField("lock.enabled is " + std::string(enabled ? "true" : "false") + " but lock.state is \"" +
                   std::string(lock_state_name(l.state)) + "\"");
  }
  l.mode = enum_by_name<LockMode, 2>(f.string("mode"), lock_mode_name, "lock.mode");
  l.head = f.string("head");
  l.state_id = f.string("state_id");
  l.nl_public = f.string("nl_public");
  const auto& keys = f.get("trusted_keys");
  if (!keys.is_array()) throw BadField("lock.trusted_keys is not an array");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    Fields k(keys[i], "lock.trusted_keys[" + std::to_string(i) + "]");
    TrustedKeyStatus t;
    t.key = k.string("key");
    const std::uint64_t votes = k.count("votes");
    if (votes > std::numeric_limits<std::uint32_t>::max()) throw BadField(k.field("votes") + " is out of range");
    t.votes = static_cast<std::uint32_t>(votes);
    k.finish();
    l.trusted_keys.push_back(std::move(t));
  }
  l.would_reject_total = f.count("would_reject_total");
  l.rejected_total = f.count("rejected_total");
  l.last_sync_error = f.string("last_sync_error");
  l.last_sync_at = f.time("last_sync_at");
  f.finish();
  return l;
}

StatusCounters read_counters(const Plain& j) {
  Fields f(j, "counters");
  StatusCounters c;
  Fields frames(f.get("map_frames_total"), "counters.map_frames_total");
  c.map_frames_total.keepalive = frames.count("keepalive");
  c.map_frames_total.full = frames.count("full");
  c.map_frames_total.delta = frames.count("delta");
  frames.finish();
  c.map_errors_total = count_map(f.get("map_errors_total"), "counters.map_errors_total");
  c.reconnects_total = f.count("reconnects_total");
  for (const auto& [name, n] : count_map(f.get("lock_peers"), "counters.lock_peers")) {
    const auto v = enum_by_name<LockVerdict, kLockVerdictCount>(name, verdict_name, "counters.lock_peers");
    c.lock_peers[static_cast<std::size_t>(v)] = n;
  }
  for (const auto& [name, n] : count_map(f.get("lock_sync_errors_total"), "counters.lock_sync_errors_total")) {
    const auto s = enum_by_name<SyncStage, kSyncStageCount>(name, stage_name, "counters.lock_sync_errors_total");
    c.lock_sync_errors_total[static_cast<std::size_t>(s)] = n;
  }
  c.retry_after_total = count_map(f.get("retry_after_total"), "counters.retry_after_total");
  f.finish();
  return c;
}

}  // namespace

Result<ClientStatus> status_from_json(std::string_view text) {
  Plain doc = Plain::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error{"status: not a JSON document"};
  try {
    Fields f(doc, "");
    const auto& schema = f.get("schema");
    if (!schema.is_number_integer()) return Error{"status: schema is not a number"};
    if (schema.get<std::int64_t>() != kStatusSchema) {
      return Error{"status: schema " + schema.dump() + " is not supported (this latchkey reads schema " +
                   std::to_string(kStatusSchema) + "; is the running latchkey up a different version?)"};
    }
    ClientStatus st;
    st.backend_state =
        enum_by_name<BackendState, 4>(f.string("backend_state"), backend_state_name, "backend_state");
    st.auth_url = f.string("auth_url");
    st.self = read_self(f.get("self"));
    const auto& peers = f.get("peers");
    if (!peers.is_array()) throw BadField("peers is not an array");
    for (std::size_t i = 0; i < peers.size(); ++i) {
      const std::string path = "peers[" + std::to_string(i) + "]";
      st.peers.push_back(read_peer(peers[i], path));
      if (i > 0 && st.peers[i - 1].node_id >= st.peers[i].node_id) {
        throw BadField(path + ".node_id " + std::to_string(st.peers[i].node_id) +
                       " is out of order (peers are sorted by node_id, each once)");
      }
    }
    st.lock = read_lock(f.get("lock"));
    st.counters = read_counters(f.get("counters"));
    f.finish();
    return st;
  } catch (const BadField& e) {
    return Error{std::string("status: ") + e.what()};
  }
}

}  // namespace latchkey::client
