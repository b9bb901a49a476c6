// `latchkey debug tka-replay`: its report for replay files built from
// upstream's vectors (chains.json: every hand-made and random chain;
// node_key_signature.json: node-key verdicts against each authority;
// sync.json: bootstraps from a later checkpoint that has a parent), plus
// malformed input.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "cli/debug_tka_replay.h"
#include "tka/aum_hash.h"

namespace latchkey::cli {
namespace {

using nlohmann::json;

json load_vectors(const std::string& name) {
  std::ifstream in(std::string(LATCHKEY_TEST_DATA) + "/vectors/" + name);
  EXPECT_TRUE(in.good()) << name;
  return json::parse(in);
}

const json& chains() {
  static const json v = load_vectors("chains.json");
  return v;
}

std::string base32_of_hex(const std::string& hex) {
  auto raw = hex_decode(hex);
  EXPECT_TRUE(raw.ok()) << hex;
  auto h = tka::AumHash::from_bytes(*raw);
  EXPECT_TRUE(h.ok()) << hex;
  return h.ok() ? h->to_string() : std::string();
}

struct Parsed {
  int exit_code;
  json out;
};

Parsed replay(const json& file) {
  const DebugTkaReplayReport r = debug_tka_replay_report(file.dump());
  EXPECT_EQ(r.json.find('\n'), std::string::npos);
  return {r.exit_code, json::parse(r.json)};
}

// What the report must say about the authority of a chains.json case.
void expect_state(const json& out, const json& e) {
  EXPECT_EQ(out.at("head"), e.at("head_base32"));
  std::vector<std::string> chain;
  for (const auto& h : e.at("active_chain")) chain.push_back(base32_of_hex(h.get<std::string>()));
  EXPECT_EQ(out.at("active_chain"), json(chain));

  std::vector<json> keys;
  for (const auto& k : e.at("keys")) {
    keys.push_back(json{{"id", k.at("key_id")},
                        {"votes", k.at("votes")},
                        {"meta", k.contains("meta") ? k.at("meta") : json::object()}});
  }
  std::sort(keys.begin(), keys.end(),
            [](const json& a, const json& b) { return a.at("id").get<std::string>() < b.at("id").get<std::string>(); });
  EXPECT_EQ(out.at("keys"), json(keys));

  auto dvs = e.at("disablement_values").get<std::vector<std::string>>();
  std::sort(dvs.begin(), dvs.end());
  EXPECT_EQ(out.at("disablement_values"), json(dvs));
  EXPECT_EQ(out.at("state_ids"), json::array({e.at("state_id1"), e.at("state_id2")}));
}

void check_chain_case(const json& c) {
  SCOPED_TRACE(c.at("name").get<std::string>());
  // The vectors' aums are already shuffled and include the genesis.
  const json file{{"genesis", c.at("genesis")}, {"aums", c.at("aums")}, {"node_keys", json::array()}};
  const Parsed p = replay(file);
  const std::string boot = c.at("bootstrap_result").get<std::string>();
  if (boot != "ok") {
    EXPECT_EQ(p.exit_code, 1);
    EXPECT_EQ(p.out, json({{"error", boot}}));
    return;
  }
  const std::string batch = c.at("batch_inform_result").get<std::string>();
  if (batch != "ok" && batch != "not-called") {
    EXPECT_EQ(p.exit_code, 1);
    EXPECT_EQ(p.out, json({{"error", batch}}));
    return;
  }
  ASSERT_EQ(p.exit_code, 0) << p.out.dump();
  expect_state(p.out, c.at("expected"));
  EXPECT_EQ(p.out.at("node_keys"), json::array());
  // Field order is part of the format.
  std::vector<std::string> names;
  const DebugTkaReplayReport raw = debug_tka_replay_report(file.dump());
  for (const char* n : {"\"head\"", "\"active_chain\"", "\"keys\"", "\"disablement_values\"", "\"state_ids\"",
                        "\"node_keys\""}) {
    names.push_back(n);
  }
  std::size_t last = 0;
  for (const auto& n : names) {
    const std::size_t at = raw.json.find(n);
    ASSERT_NE(at, std::string::npos) << n;
    EXPECT_GT(at, last) << n;
    last = at;
  }
}

TEST(DebugTkaReplay, HandMadeChainsMatchUpstream) {
  for (const auto& c : chains().at("chains")) check_chain_case(c);
}

TEST(DebugTkaReplay, RandomChainsMatchUpstream) {
  for (const auto& c : chains().at("random_chains")) check_chain_case(c);
}

TEST(DebugTkaReplay, InputOrderDoesNotMatter) {
  std::mt19937 rng(7);
  for (const auto& c : chains().at("random_chains")) {
    if (c.at("batch_inform_result") != "ok" || c.at("num_leaves").get<int>() < 2) continue;
    SCOPED_TRACE(c.at("name").get<std::string>());
    auto aums = c.at("aums").get<std::vector<std::string>>();
    std::shuffle(aums.begin(), aums.end(), rng);
    aums.push_back(aums.front());  // duplicates are dropped
    const Parsed p = replay(json{{"genesis", c.at("genesis")}, {"aums", aums}});
    ASSERT_EQ(p.exit_code, 0) << p.out.dump();
    expect_state(p.out, c.at("expected"));
  }
}

TEST(DebugTkaReplay, NodeKeyVerdictsMatchUpstream) {
  const json v = load_vectors("node_key_signature.json");
  for (const auto& authority : v.at("authorities")) {
    const std::string name = authority.at("name").get<std::string>();
    SCOPED_TRACE(name);
    auto aums = authority.at("aums").get<std::vector<std::string>>();
    const std::string genesis = aums.front();
    std::reverse(aums.begin(), aums.end());  // children before parents, genesis last
    json node_keys = json::array();
    json want = json::array();
    for (const auto& c : v.at("cases")) {
      for (const auto& r : c.at("results")) {
        if (r.at("authority") != name) continue;
        node_keys.push_back(json{{"node_key", c.at("node_key")}, {"signature", c.at("signature")}});
        const std::string result = r.at("result").get<std::string>();
        want.push_back(json{{"authorized", result == "ok"}, {"error", result == "ok" ? "" : result}});
      }
    }
    ASSERT_GT(node_keys.size(), 10u);
    const Parsed p = replay(json{{"genesis", genesis}, {"aums", aums}, {"node_keys", node_keys}});
    ASSERT_EQ(p.exit_code, 0) << p.out.dump();
    EXPECT_EQ(p.out.at("head"), base32_of_hex(authority.at("head").get<std::string>()));
    ASSERT_EQ(p.out.at("node_keys").size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(p.out.at("node_keys")[i], want[i]) << node_keys[i].dump();
    }
    std::vector<std::string> ids;
    for (const auto& k : authority.at("keys")) ids.push_back(k.at("key_id").get<std::string>());
    std::sort(ids.begin(), ids.end());
    ASSERT_EQ(p.out.at("keys").size(), ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(p.out.at("keys")[i].at("id"), ids[i]);
  }
}

TEST(DebugTkaReplay, BootstrapsFromALaterCheckpoint) {
  const json v = load_vectors("sync.json");
  int checked = 0;
  for (const auto& c : v.at("cases")) {
    if (c.at("name").get<std::string>().rfind("from-checkpoint", 0) != 0) continue;
    for (const char* side : {"a", "b"}) {
      const json& s = c.at(side);
      if (s.at("bootstrap").get<int>() == 0) continue;
      SCOPED_TRACE(c.at("name").get<std::string>() + " " + side);
      const json& pool = c.at("aum_pool");
      json aums = json::array();
      for (const auto& i : s.at("aums")) aums.push_back(pool.at(i.get<std::size_t>()));
      std::reverse(aums.begin(), aums.end());
      const Parsed p = replay(json{{"genesis", pool.at(s.at("bootstrap").get<std::size_t>())}, {"aums", aums}});
      ASSERT_EQ(p.exit_code, 0) << p.out.dump();
      EXPECT_EQ(p.out.at("head"), base32_of_hex(s.at("head").get<std::string>()));
      const json& chain = p.out.at("active_chain");
      ASSERT_FALSE(chain.empty());
      EXPECT_EQ(chain.front(), base32_of_hex(s.at("oldest_ancestor").get<std::string>()));
      EXPECT_EQ(chain.back(), p.out.at("head"));
      EXPECT_EQ(chain.size(), s.at("aums").size() + 1);
      ++checked;
    }
  }
  EXPECT_GE(checked, 2);
}

// A chains.json case by name.
const json& chain_case(const std::string& name) {
  for (const auto& c : chains().at("chains")) {
    if (c.at("name") == name) return c;
  }
  throw std::runtime_error("no case " + name);
}

std::string error_of(const json& file) {
  const Parsed p = replay(file);
  EXPECT_EQ(p.exit_code, 1) << p.out.dump();
  EXPECT_EQ(p.out.size(), 1u);
  return p.out.value("error", "");
}

TEST(DebugTkaReplay, RefusesMalformedInput) {
  const json& c = chain_case("builder-linear-10");
  const std::string genesis = c.at("genesis").get<std::string>();
  const json aums = c.at("aums");

  EXPECT_EQ(error_of(json{{"genesis", "zz"}}).rfind("genesis: invalid hex", 0), 0u);
  EXPECT_EQ(error_of(json{{"genesis", "a1"}}).rfind("genesis: ", 0), 0u);           // truncated CBOR
  EXPECT_EQ(error_of(json{{"genesis", genesis + "00"}}).rfind("genesis: ", 0), 0u);  // trailing bytes
  EXPECT_EQ(error_of(json{{"genesis", genesis}, {"aums", json::array({"a2010302f6", "0g"})}}).rfind("aums[1]: invalid hex", 0), 0u);
  EXPECT_EQ(error_of(json{{"genesis", genesis}, {"aums", json::array({"ff"})}}).rfind("aums[0]: ", 0), 0u);
  EXPECT_EQ(error_of(json{{"genesis", genesis}, {"aums", json::array({1})}}), "aums[0]: not a string");
  EXPECT_EQ(error_of(json{{"genesis", genesis}, {"aums", "x"}}), "aums: not an array");
  EXPECT_EQ(error_of(json{{"aums", aums}}), "file: missing \"genesis\"");
  EXPECT_EQ(error_of(json::array()), "invalid JSON: the document must be an object");
  {
    const DebugTkaReplayReport r = debug_tka_replay_report("{\"genesis\": ");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(json::parse(r.json), json({{"error", "invalid JSON"}}));
  }

  // A genesis that is not a checkpoint: upstream Bootstrap's error.
  EXPECT_EQ(error_of(json{{"genesis", "a2010302f6"}}), "bootstrap AUMs must be checkpoint messages, got no-op");

  // Node keys: bad text and bad hex are input errors; bad CBOR is a verdict.
  EXPECT_EQ(error_of(json{{"genesis", genesis}, {"node_keys", json::array({json{{"node_key", "nodekey:12"}, {"signature", ""}}})}})
                .rfind("node_keys[0].node_key: ", 0),
            0u);
  const std::string nk = "nodekey:" + std::string(64, 'a');
  EXPECT_EQ(error_of(json{{"genesis", genesis}, {"node_keys", json::array({json{{"node_key", nk}, {"signature", "x"}}})}})
                .rfind("node_keys[0].signature: invalid hex", 0),
            0u);
  EXPECT_EQ(error_of(json{{"genesis", genesis}, {"node_keys", json::array({json{{"node_key", nk}}})}}),
            "node_keys[0]: missing \"signature\"");
  const Parsed p = replay(json{{"genesis", genesis}, {"node_keys", json::array({json{{"node_key", nk}, {"signature", "a1"}}})}});
  ASSERT_EQ(p.exit_code, 0);
  ASSERT_EQ(p.out.at("node_keys").size(), 1u);
  EXPECT_EQ(p.out.at("node_keys")[0].at("authorized"), false);
  EXPECT_EQ(p.out.at("node_keys")[0].at("error").get<std::string>().rfind("unserialize: ", 0), 0u);
}

TEST(DebugTkaReplay, RefusesAForgedSignatureWithTheWholeBatch) {
  const json& c = chain_case("builder-linear-10");
  auto aums = c.at("aums").get<std::vector<std::string>>();
  // Tamper with the last byte of one non-genesis AUM (inside its signature).
  std::size_t victim = 0;
  while (aums[victim] == c.at("genesis").get<std::string>()) ++victim;
  std::string& hex = aums[victim];
  hex.back() = hex.back() == '0' ? '1' : '0';
  const std::string err = error_of(json{{"genesis", c.at("genesis")}, {"aums", aums}});
  EXPECT_NE(err.find("invalid signature"), std::string::npos) << err;
  EXPECT_EQ(err.rfind("update ", 0), 0u) << err;
}

TEST(DebugTkaReplay, BoundsTheInput) {
  std::string big(kMaxTkaReplayFileBytes + 1, ' ');
  const DebugTkaReplayReport r = debug_tka_replay_report(big);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.json).at("error").get<std::string>().rfind("file too large", 0), 0u);

  json many = json::array();
  for (std::size_t i = 0; i <= kMaxTkaReplayAums; ++i) many.push_back("");
  EXPECT_EQ(error_of(json{{"genesis", chain_case("genesis-only").at("genesis")}, {"aums", many}}).rfind("aums: too many entries", 0),
            0u);

  const DebugTkaReplayReport missing = debug_tka_replay_file("/nonexistent/replay.json");
  EXPECT_EQ(missing.exit_code, 1);
}

}  // namespace
}  // namespace latchkey::cli
