// `latchkey debug tka-replay FILE`: replays a Tailnet Lock chain the way a
// node that joins a locked tailnet does (upstream tka/tka.go Bootstrap, then
// Inform, then NodeKeyAuthorized), and prints what the resulting authority
// believes. Other implementations and tools drive this command for interop
// checks, so the formats are fixed:
//
// FILE: {"genesis": "<hex CBOR>", "aums": ["<hex CBOR>", ...],
//        "node_keys": [{"node_key": "nodekey:<hex>", "signature": "<hex CBOR>"}, ...]}
//   - genesis: the checkpoint to bootstrap from (a genesis, or a later
//     checkpoint that has a parent this node never holds);
//   - aums: any order; ordered breadth-first from the genesis (children of
//     one parent in ascending hash order, as upstream's own replays) and
//     informed in one all-or-nothing batch; copies of the genesis and
//     duplicates are dropped; when nothing is left, inform is not called
//     (upstream refuses an empty batch);
//   - node_keys: each checked against the final state.
//
// Output, one line: {"head": "<base32>", "active_chain": [<base32>, ...
// from the authority's oldest ancestor (the bootstrap checkpoint or a
// later one) to the head], "keys": [{"id": "<hex>", "votes": N, "meta":
// {...}}, ... sorted by id], "disablement_values": [<hex>, ... sorted],
// "state_ids": [id1, id2], "node_keys": [{"authorized": bool, "error":
// "<upstream's error text, or empty>"}, ... in input order]}, exit 0.
//
// Bad input (malformed JSON, hex or CBOR, over the size limits, a bad node
// key text) and a rejected bootstrap or batch print {"error": "<text>"} and
// exit 1; bootstrap and inform errors are upstream's texts verbatim ("update
// N" counts in the breadth-first order).
#include "cli/debug_tka_replay.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "cli/commands.h"
#include "cli/debug_group.h"
#include "key/node_key.h"
#include "tka/authority.h"
#include "tka/inform_order.h"
#include "tka/memory_storage.h"
#include "tka/sig.h"

namespace latchkey::cli {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Go's encoding/json replaces invalid UTF-8 with U+FFFD; so do we (meta
// strings come from the wire and need not be valid UTF-8).
std::string dump(const OrderedJson& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

DebugTkaReplayReport failure(const std::string& text) { return {1, dump(OrderedJson{{"error", text}})}; }

// A string member `name` of `obj`; `where` names obj in errors.
Result<std::string> string_member(const Json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) return Error{where + ": missing \"" + name + "\""};
  if (!it->is_string()) return Error{where + "." + name + ": not a string"};
  return it->get<std::string>();
}

Result<tka::Aum> decode_aum_hex(const std::string& text, const std::string& where) {
  auto raw = hex_decode(text);
  if (!raw) return Error{where + ": invalid hex: " + raw.message()};
  auto aum = tka::Aum::unserialize(*raw);
  if (!aum) return Error{where + ": " + aum.message()};
  return std::move(*aum);
}

struct NodeKeyCheck {
  key::NodePublic node_key;
  Bytes signature;
};

// An optional array member `name` of `doc` with at most `limit` elements.
Result<const Json*> array_member(const Json& doc, const char* name, std::size_t limit) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!it->is_array()) return Error{std::string(name) + ": not an array"};
  if (it->size() > limit) {
    return Error{std::string(name) + ": too many entries (" + std::to_string(it->size()) + ", limit " +
                 std::to_string(limit) + ")"};
  }
  return &*it;
}

OrderedJson key_view(const tka::Key& k) {
  auto id = k.id();
  OrderedJson meta = OrderedJson::object();
  if (k.meta) {
    for (const auto& [name, value] : *k.meta) meta[name] = value;
  }
  return OrderedJson{{"id", id.ok() ? hex_encode(*id) : std::string()}, {"votes", k.votes}, {"meta", std::move(meta)}};
}

}  // namespace

DebugTkaReplayReport debug_tka_replay_report(std::string_view file_text) {
  if (file_text.size() > kMaxTkaReplayFileBytes) {
    return failure("file too large (" + std::to_string(file_text.size()) + " bytes, limit " +
                   std::to_string(kMaxTkaReplayFileBytes) + ")");
  }
  const Json doc = Json::parse(file_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return failure("invalid JSON");
  if (!doc.is_object()) return failure("invalid JSON: the document must be an object");

  // Decode everything first: malformed input is refused before any replay.
  auto genesis_text = string_member(doc, "genesis", "file");
  if (!genesis_text) return failure(genesis_text.message());
  auto genesis = decode_aum_hex(*genesis_text, "genesis");
  if (!genesis) return failure(genesis.message());

  auto aums_json = array_member(doc, "aums", kMaxTkaReplayAums);
  if (!aums_json) return failure(aums_json.message());
  std::vector<tka::Aum> aums;
  if (*aums_json) {
    aums.reserve((*aums_json)->size());
    for (std::size_t i = 0; i < (*aums_json)->size(); ++i) {
      const std::string where = "aums[" + std::to_string(i) + "]";
      const Json& item = (**aums_json)[i];
      if (!item.is_string()) return failure(where + ": not a string");
      auto aum = decode_aum_hex(item.get<std::string>(), where);
      if (!aum) return failure(aum.message());
      aums.push_back(std::move(*aum));
    }
  }

  auto keys_json = array_member(doc, "node_keys", kMaxTkaReplayNodeKeys);
  if (!keys_json) return failure(keys_json.message());
  std::vector<NodeKeyCheck> checks;
  if (*keys_json) {
    checks.reserve((*keys_json)->size());
    for (std::size_t i = 0; i < (*keys_json)->size(); ++i) {
      const std::string where = "node_keys[" + std::to_string(i) + "]";
      const Json& item = (**keys_json)[i];
      if (!item.is_object()) return failure(where + ": not an object");
      auto nk_text = string_member(item, "node_key", where);
      if (!nk_text) return failure(nk_text.message());
      auto nk = key::NodePublic::parse(*nk_text);
      if (!nk) return failure(where + ".node_key: " + nk.message());
      auto sig_text = string_member(item, "signature", where);
      if (!sig_text) return failure(sig_text.message());
      auto sig = hex_decode(*sig_text);
      if (!sig) return failure(where + ".signature: invalid hex: " + sig.message());
      checks.push_back(NodeKeyCheck{*nk, std::move(*sig)});
    }
  }

  // Replay: bootstrap, then one batch.
  tka::MemoryStorage storage;
  auto authority = tka::Authority::bootstrap(storage, *genesis);
  if (!authority) return failure(authority.message());
  const std::vector<tka::Aum> batch = tka::order_for_inform(genesis->hash(), std::move(aums));
  if (!batch.empty()) {
    if (auto st = authority->inform(storage, batch); !st.ok()) return failure(st.message());
  }

  auto chain = authority->active_chain(storage);
  if (!chain) return failure("reading the active chain: " + chain.message());
  OrderedJson chain_view = OrderedJson::array();
  for (const auto& aum : *chain) chain_view.push_back(aum.hash().to_string());

  std::vector<tka::Key> keys = authority->keys();
  std::vector<std::pair<std::string, OrderedJson>> key_views;
  key_views.reserve(keys.size());
  for (const auto& k : keys) {
    OrderedJson v = key_view(k);
    std::string id = v["id"].get<std::string>();
    key_views.emplace_back(std::move(id), std::move(v));
  }
  std::stable_sort(key_views.begin(), key_views.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  OrderedJson keys_view = OrderedJson::array();
  for (auto& kv : key_views) keys_view.push_back(std::move(kv.second));

  std::vector<std::string> disablement;
  if (const auto& dvs = authority->state().disablement_values) {
    for (const auto& dv : *dvs) disablement.push_back(dv ? hex_encode(*dv) : std::string());
  }
  std::sort(disablement.begin(), disablement.end());

  OrderedJson verdicts = OrderedJson::array();
  for (const auto& check : checks) {
    auto verdict = tka::node_key_authorized(authority->state(), check.node_key, check.signature);
    verdicts.push_back(
        OrderedJson{{"authorized", verdict.ok()}, {"error", verdict.ok() ? std::string() : verdict.message()}});
  }

  const auto ids = authority->state_ids();
  OrderedJson out;
  out["head"] = authority->head().to_string();
  out["active_chain"] = std::move(chain_view);
  out["keys"] = std::move(keys_view);
  out["disablement_values"] = disablement;
  out["state_ids"] = OrderedJson::array({ids.first, ids.second});
  out["node_keys"] = std::move(verdicts);
  return {0, dump(out)};
}

DebugTkaReplayReport debug_tka_replay_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return failure("cannot open " + path);
  // Read in chunks, stopping one byte past the limit, so an oversized file
  // is refused without reading all of it.
  std::string text;
  char chunk[1 << 16];
  while (in && text.size() <= kMaxTkaReplayFileBytes) {
    in.read(chunk, sizeof chunk);
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return failure("reading " + path + " failed");
  if (text.size() > kMaxTkaReplayFileBytes) {
    return failure(path + ": file too large (limit " + std::to_string(kMaxTkaReplayFileBytes) + " bytes)");
  }
  return debug_tka_replay_report(text);
}

void add_debug_tka_replay_command(CLI::App& app) {
  auto* cmd = debug_group(app)->add_subcommand(
      "tka-replay", "bootstrap a Tailnet Lock authority from a JSON file of AUMs, inform the rest, check node keys");
  auto path = std::make_shared<std::string>();
  cmd->add_option("file", *path, "JSON: {genesis, aums, node_keys}")->required();
  cmd->callback([path] {
    const DebugTkaReplayReport report = debug_tka_replay_file(*path);
    std::cout << report.json << "\n" << std::flush;
    if (report.exit_code != 0) std::exit(report.exit_code);
  });
}

}  // namespace latchkey::cli
