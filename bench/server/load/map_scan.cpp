#include "map_scan.h"

#include <cstring>
#include <string>

namespace latchkey::load {
namespace {

constexpr int kMaxDepth = 64;

struct ScanError {
  std::string what;
};

class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  MapSummary top() {
    MapSummary out;
    ws();
    expect('{');
    if (!take('}')) {
      do {
        ws();
        const std::string_view key = string();
        ws();
        expect(':');
        ws();
        if (key == "KeepAlive") {
          out.keep_alive = literal() == "true";
        } else if (key == "Node") {
          if (!null()) node_object(out.self, nullptr, nullptr);
        } else if (key == "Peers") {
          out.has_peers = true;
          entries(out.peers, out, "ID");
        } else if (key == "PeersChanged") {
          entries(out.peers_changed, out, "ID");
        } else if (key == "PeersChangedPatch") {
          entries(out.patched, out, "NodeID");
        } else if (key == "PeersRemoved") {
          ids(out.peers_removed);
        } else if (key == "TKAInfo") {
          if (!null()) tka_info(out.tka_head);
        } else {
          skip_value();
        }
        ws();
      } while (take(','));
      expect('}');
    }
    ws();
    if (p_ != end_) fail("trailing bytes after the MapResponse");
    return out;
  }

 private:
  [[noreturn]] static void fail(std::string what) { throw ScanError{std::move(what)}; }

  void ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool take(char c) {
    if (p_ != end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }
  bool null() {
    if (end_ - p_ >= 4 && std::memcmp(p_, "null", 4) == 0) {
      p_ += 4;
      return true;
    }
    return false;
  }

  // The raw text between the quotes (escapes left as they are).
  std::string_view string() {
    expect('"');
    const char* start = p_;
    while (true) {
      const void* q = std::memchr(p_, '"', static_cast<std::size_t>(end_ - p_));
      if (q == nullptr) fail("unterminated string");
      const char* quote = static_cast<const char*>(q);
      // A quote preceded by an odd run of backslashes is escaped.
      std::size_t slashes = 0;
      for (const char* b = quote; b != start && *(b - 1) == '\\'; --b) ++slashes;
      p_ = quote + 1;
      if (slashes % 2 == 0) return {start, static_cast<std::size_t>(quote - start)};
    }
  }

  // A number, true, false or null: the text up to the next delimiter.
  std::string_view literal() {
    const char* start = p_;
    while (p_ != end_ && *p_ != ',' && *p_ != '}' && *p_ != ']' && *p_ != ' ' && *p_ != '\n' && *p_ != '\r' &&
           *p_ != '\t')
      ++p_;
    if (p_ == start) fail("expected a value");
    return {start, static_cast<std::size_t>(p_ - start)};
  }

  NodeId integer() {
    const std::string_view t = literal();
    NodeId v = 0;
    bool neg = false;
    std::size_t i = 0;
    if (!t.empty() && t[0] == '-') {
      neg = true;
      i = 1;
    }
    if (i == t.size() || t.size() - i > 18) fail("expected an integer ID");
    for (; i < t.size(); ++i) {
      if (t[i] < '0' || t[i] > '9') fail("expected an integer ID");
      v = v * 10 + (t[i] - '0');
    }
    return neg ? -v : v;
  }

  void skip_value() {
    if (p_ == end_) fail("truncated value");
    if (*p_ == '"') {
      (void)string();
      return;
    }
    if (*p_ != '{' && *p_ != '[') {
      (void)literal();
      return;
    }
    // A container: count brackets, skipping strings whole.
    char stack[kMaxDepth];
    int depth = 0;
    while (p_ != end_) {
      const char c = *p_;
      if (c == '"') {
        (void)string();
        continue;
      }
      if (c == '{' || c == '[') {
        if (depth == kMaxDepth) fail("nesting too deep");
        stack[depth++] = c == '{' ? '}' : ']';
      } else if (c == '}' || c == ']') {
        if (depth == 0 || stack[depth - 1] != c) fail("unbalanced brackets");
        --depth;
        if (depth == 0) {
          ++p_;
          return;
        }
      }
      ++p_;
    }
    fail("truncated container");
  }

  // The port of the first "addr:port" string of an Endpoints array.
  std::optional<std::uint16_t> first_endpoint_port() {
    if (null()) return std::nullopt;
    expect('[');
    std::optional<std::uint16_t> port;
    ws();
    if (take(']')) return port;
    do {
      ws();
      const std::string_view s = string();
      if (!port) {
        const auto colon = s.rfind(':');
        if (colon != std::string_view::npos && colon + 1 < s.size() && s.size() - colon - 1 <= 5) {
          unsigned v = 0;
          bool digits = true;
          for (char c : s.substr(colon + 1)) {
            if (c < '0' || c > '9') digits = false;
            v = v * 10 + static_cast<unsigned>(c - '0');
          }
          if (digits && v <= 65535) port = static_cast<std::uint16_t>(v);
        }
      }
      ws();
    } while (take(','));
    expect(']');
    return port;
  }

  // true or false (a JSON bool; null is left unset).
  std::optional<bool> boolean() {
    if (null()) return std::nullopt;
    const std::string_view t = literal();
    if (t == "true") return true;
    if (t == "false") return false;
    fail("expected true or false");
  }

  // TKAInfo: its Head ("" when absent).
  void tka_info(std::optional<std::string_view>& head) {
    head = std::string_view{};
    expect('{');
    ws();
    if (take('}')) return;
    do {
      ws();
      const std::string_view key = string();
      ws();
      expect(':');
      ws();
      if (key == "Head") {
        if (!null()) head = string();
      } else {
        skip_value();
      }
      ws();
    } while (take(','));
    expect('}');
  }

  // One node-like object: its id (under `id_key`), first endpoint port,
  // Online flag and KeySignature.
  void node_object(std::optional<NodeId>& id, std::optional<std::uint16_t>* port, std::optional<bool>* online,
                   std::string_view id_key = "ID", std::optional<std::string_view>* key_signature = nullptr) {
    expect('{');
    ws();
    if (take('}')) return;
    do {
      ws();
      const std::string_view key = string();
      ws();
      expect(':');
      ws();
      if (key == id_key) {
        id = integer();
      } else if (port != nullptr && key == "Endpoints") {
        *port = first_endpoint_port();
      } else if (online != nullptr && key == "Online") {
        *online = boolean();
      } else if (key_signature != nullptr && key == "KeySignature") {
        if (!null()) *key_signature = string();
      } else {
        skip_value();
      }
      ws();
    } while (take(','));
    expect('}');
  }

  void entries(std::vector<NodeId>& out, MapSummary& summary, std::string_view id_key) {
    if (null()) return;
    expect('[');
    ws();
    if (take(']')) return;
    do {
      ws();
      std::optional<NodeId> id;
      std::optional<std::uint16_t> port;
      std::optional<bool> online;
      std::optional<std::string_view> key_signature;
      node_object(id, &port, &online, id_key, &key_signature);
      if (!id) fail("peer entry without " + std::string(id_key));
      out.push_back(*id);
      if (port) summary.endpoints.push_back({*id, *port});
      if (online) summary.online.push_back({*id, *online});
      if (key_signature) summary.key_signatures.push_back({*id, *key_signature});
      ws();
    } while (take(','));
    expect(']');
  }

  void ids(std::vector<NodeId>& out) {
    if (null()) return;
    expect('[');
    ws();
    if (take(']')) return;
    do {
      ws();
      out.push_back(integer());
      ws();
    } while (take(','));
    expect(']');
  }

  const char* p_;
  const char* end_;
};

}  // namespace

Result<MapSummary> scan_map_response(std::string_view json) {
  try {
    return Scanner(json).top();
  } catch (const ScanError& e) {
    return Error{"MapResponse: " + e.what};
  }
}

}  // namespace latchkey::load
