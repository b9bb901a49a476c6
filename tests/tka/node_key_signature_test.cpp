// node_key_signature.json: decoding, hashing, rendering and verification of
// NodeKeySignatures against upstream authorities' trusted keys, re-signing,
// strict decoding, wrapped auth keys.
#include <gtest/gtest.h>

#include <map>

#include "base/base64.h"
#include "tka/node_key_signing.h"
#include "tka/sig.h"
#include "vector_support.h"

namespace latchkey::tka {
namespace {

using testing::json;

const json& vectors() {
  static const json v = testing::load_vectors("node_key_signature.json");
  return v;
}

key::NodePublic parse_node_key(const std::string& text) {
  auto k = key::NodePublic::parse(text);
  EXPECT_TRUE(k.ok()) << text;
  return k.ok() ? *k : key::NodePublic();
}

json bytes_view(const Bytes& b) { return b.empty() ? json(nullptr) : json(hex_encode(b)); }

json sig_view(const NodeKeySignature& s) {
  json j;
  j["sig_kind"] = static_cast<unsigned>(s.kind);
  j["sig_kind_name"] = sig_kind_name(s.kind);
  j["pubkey"] = bytes_view(s.pubkey);
  j["key_id"] = bytes_view(s.key_id);
  j["signature"] = bytes_view(s.signature);
  j["wrapping_pubkey"] = bytes_view(s.wrapping_pubkey);
  j["nested"] = s.nested ? sig_view(*s.nested) : json(nullptr);
  return j;
}

// The authorities' trusted keys after replay, as upstream lists them.
const std::map<std::string, State>& authorities() {
  static const std::map<std::string, State> states = [] {
    std::map<std::string, State> out;
    for (const auto& a : vectors().at("authorities")) {
      State s;
      s.keys.emplace();
      for (const auto& k : a.at("keys")) s.keys->push_back(testing::key_from_view(k));
      out[a.at("name").get<std::string>()] = std::move(s);
    }
    return out;
  }();
  return states;
}

crypto::Ed25519Private key_from_seed_hex(const std::string& seed_hex) {
  crypto::Ed25519Seed seed{};
  EXPECT_TRUE(hex_decode_into(seed_hex, seed).ok());
  return crypto::ed25519_from_seed(seed);
}

TEST(NodeKeySignatureVectors, DecodeHashRenderAndInspectAsUpstream) {
  const auto& cases = vectors().at("cases");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const key::NodePublic nk = parse_node_key(c.at("node_key"));
    EXPECT_EQ(hex_encode(nk.to_binary()), c.at("node_key_binary").get<std::string>());
    const Bytes marshaled = testing::unhex(c.at("signature"));
    auto sig = NodeKeySignature::unserialize(marshaled);
    if (c.at("unserialize") != "ok") {
      ASSERT_FALSE(sig.ok());
      EXPECT_EQ(sig.message(), c.at("unserialize").get<std::string>());
      continue;
    }
    ASSERT_TRUE(sig.ok()) << sig.message();
    EXPECT_EQ(sig_view(*sig), c.at("decoded"));
    EXPECT_EQ(hex_encode(sig->sig_hash()), c.at("sighash").get<std::string>());
    EXPECT_EQ(sig->serialize() == marshaled, c.at("reserialize_identical").get<bool>());
    auto kid = sig->authorizing_key_id();
    if (c.at("authorizing_key_id").is_null()) {
      ASSERT_FALSE(kid.ok());
      EXPECT_EQ(kid.message(), c.at("authorizing_key_id_error").get<std::string>());
    } else {
      ASSERT_TRUE(kid.ok()) << kid.message();
      EXPECT_EQ(hex_encode(*kid), c.at("authorizing_key_id").get<std::string>());
    }
    const auto wrapping = sig->wrapping_public();
    EXPECT_EQ(wrapping ? json(hex_encode(*wrapping)) : json(nullptr), c.at("wrapping_public"));
    EXPECT_EQ(sig->to_string(), c.at("string").get<std::string>());
    // Copies are deep and equal.
    NodeKeySignature copy = *sig;
    EXPECT_EQ(copy, *sig);
    EXPECT_EQ(copy.serialize(), sig->serialize());
  }
}

TEST(NodeKeySignatureVectors, VerificationAgainstEachAuthorityMatchesUpstream) {
  std::size_t checked = 0;
  for (const auto& c : vectors().at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const key::NodePublic nk = parse_node_key(c.at("node_key"));
    const Bytes marshaled = testing::unhex(c.at("signature"));
    for (const auto& r : c.at("results")) {
      SCOPED_TRACE(r.at("authority").get<std::string>());
      const State& state = authorities().at(r.at("authority").get<std::string>());
      auto result = node_key_authorized(state, nk, marshaled);
      ++checked;
      if (r.at("result") != "ok") {
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.message(), r.at("result").get<std::string>());
        continue;
      }
      EXPECT_TRUE(result.ok()) << result.message();
      if (!result.ok()) continue;
      if (!r.contains("rotation")) {
        EXPECT_FALSE(result->has_value());
        continue;
      }
      ASSERT_TRUE(result->has_value());
      const RotationDetails& details = **result;
      const auto& want = r.at("rotation");
      json prev = nullptr;
      for (const auto& k : details.prev_node_keys) prev.push_back(k.to_string());
      EXPECT_EQ(prev, want.at("prev_node_keys"));
      ASSERT_TRUE(details.initial_sig.has_value());
      EXPECT_EQ(sig_kind_name(details.initial_sig->kind), want.at("initial_sig_kind").get<std::string>());
      EXPECT_EQ(hex_encode(details.initial_sig->serialize()), want.at("initial_sig").get<std::string>());
    }
  }
  EXPECT_GT(checked, 0u);
}

// node_keys_authorized (the batch form) gives, for any run of the vector
// cases, the first refusal node_key_authorized gives one by one: same
// index, same error.
TEST(NodeKeySignatureVectors, BatchVerdictEqualsTheFirstSingleRefusal) {
  std::vector<key::NodePublic> keys;
  std::vector<Bytes> sigs;
  for (const auto& c : vectors().at("cases")) {
    keys.push_back(parse_node_key(c.at("node_key")));
    sigs.push_back(testing::unhex(c.at("signature")));
  }
  std::size_t refusals = 0;
  for (const auto& [name, state] : authorities()) {
    SCOPED_TRACE(name);
    for (std::size_t start = 0; start < keys.size(); ++start) {
      std::vector<NodeKeyToAuthorize> items;
      for (std::size_t i = start; i < keys.size(); ++i) items.push_back({keys[i], sigs[i]});
      std::optional<std::size_t> want;
      std::string want_error;
      for (std::size_t i = 0; i < items.size() && !want; ++i) {
        auto single = node_key_authorized(state, items[i].node_key, items[i].marshaled);
        if (!single) {
          want = i;
          want_error = single.message();
        }
      }
      auto got = node_keys_authorized(state, items);
      ASSERT_EQ(got.has_value(), want.has_value()) << "from case " << start;
      if (!got) continue;
      ++refusals;
      EXPECT_EQ(got->index, *want) << "from case " << start;
      EXPECT_EQ(got->error.message, want_error) << "from case " << start;
    }
  }
  EXPECT_GT(refusals, 0u);
}

// Many direct signatures by one trusted key (init/finish): all valid
// passes; one bad signature anywhere is found, with its own error, even
// behind a rotation signature (checked singly) and before a single refusal.
TEST(NodeKeySignature, BatchOfDirectSignaturesFindsTheFirstBadOne) {
  const crypto::Ed25519Private trusted = crypto::ed25519_generate();
  const crypto::Ed25519Public trusted_pub = crypto::ed25519_public(trusted);
  State state;
  Key k;
  k.kind = KeyKind::Ed25519;
  k.votes = 1;
  k.public_key = Bytes(trusted_pub.begin(), trusted_pub.end());
  state.keys = std::vector<Key>{k};

  const crypto::Ed25519Private rotation = crypto::ed25519_generate();
  const crypto::Ed25519Public rotation_pub = crypto::ed25519_public(rotation);
  std::vector<key::NodePublic> node_keys;
  std::vector<Bytes> sigs;
  for (int i = 0; i < 200; ++i) {
    const key::NodePublic nk = key::NodePrivate::generate().public_key();
    NodeKeySignature sig;
    sig.kind = SigKind::Direct;
    const auto bin = nk.to_binary();
    sig.pubkey = Bytes(bin.begin(), bin.end());
    sig.key_id = *k.public_key;
    sig.wrapping_pubkey = Bytes(rotation_pub.begin(), rotation_pub.end());
    const auto s = crypto::ed25519_sign(trusted, sig.sig_hash());
    sig.signature = Bytes(s.begin(), s.end());
    node_keys.push_back(nk);
    sigs.push_back(sig.serialize());
  }
  // Item 50: the node rotated its key; the node re-signed it with its
  // rotation key (a rotation signature over item 50's direct one).
  const key::NodePublic rotated = key::NodePrivate::generate().public_key();
  auto resigned = resign_node_key_signature(rotation, rotated, sigs[50]);
  ASSERT_TRUE(resigned.ok()) << resigned.message();
  node_keys[50] = rotated;
  sigs[50] = *resigned;
  auto items = [&] {
    std::vector<NodeKeyToAuthorize> out;
    for (std::size_t i = 0; i < sigs.size(); ++i) out.push_back({node_keys[i], sigs[i]});
    return out;
  };
  EXPECT_FALSE(node_keys_authorized(state, items()).has_value());

  // A corrupted Ed25519 signature at 137, a signature for another node's
  // key at 180 (refused before verification): 137 comes first.
  const std::vector<Bytes> good = sigs;
  sigs[137][sigs[137].size() - 5] ^= 0x01;
  sigs[180] = good[181];
  ASSERT_FALSE(node_key_authorized(state, node_keys[137], sigs[137]).ok());
  auto bad = node_keys_authorized(state, items());
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->index, 137u);
  EXPECT_EQ(bad->error.message, node_key_authorized(state, node_keys[137], sigs[137]).message());
  // Only the later refusal left: it is the answer.
  sigs[137] = good[137];
  bad = node_keys_authorized(state, items());
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->index, 180u);
  EXPECT_EQ(bad->error.message, "signature does not authorize nodeKey");
  // A bad signature after the first single refusal does not change it.
  sigs[190][sigs[190].size() - 5] ^= 0x01;
  bad = node_keys_authorized(state, items());
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->index, 180u);
  // A rotation signature whose outer signature is bad, before all that.
  sigs[50][sigs[50].size() - 5] ^= 0x01;
  const auto single50 = node_key_authorized(state, node_keys[50], sigs[50]);
  ASSERT_FALSE(single50.ok());
  bad = node_keys_authorized(state, items());
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->index, 50u);
  EXPECT_EQ(bad->error.message, single50.message());
}

TEST(NodeKeySignatureVectors, ResignMatchesUpstream) {
  const auto& cases = vectors().at("resign");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const auto priv = key_from_seed_hex(c.at("rotation_key_seed"));
    auto out = resign_node_key_signature(priv, parse_node_key(c.at("node_key")), testing::unhex(c.at("old_signature")));
    if (c.contains("new_signature")) {
      ASSERT_TRUE(out.ok()) << out.message();
      EXPECT_EQ(hex_encode(*out), c.at("new_signature").get<std::string>());
    } else {
      ASSERT_FALSE(out.ok());
    }
  }
}

TEST(NodeKeySignatureVectors, StrictDecoderVerdictsMatchUpstream) {
  const auto& cases = vectors().at("decode");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Bytes input = testing::unhex(c.at("input"));
    auto sig = NodeKeySignature::unserialize(input);
    if (!c.at("accepted").get<bool>()) {
      ASSERT_FALSE(sig.ok());
      EXPECT_EQ(sig.message(), c.at("error").get<std::string>());
      continue;
    }
    ASSERT_TRUE(sig.ok()) << sig.message();
    EXPECT_EQ(sig_view(*sig), c.at("decoded"));
    const Bytes re = sig->serialize();
    EXPECT_EQ(hex_encode(re), c.at("reserialized").get<std::string>());
    EXPECT_EQ(re == input, c.at("reserialized_identical").get<bool>());
  }
}

TEST(NodeKeySignatureVectors, WrappedAuthKeysDecodeAsUpstream) {
  const auto& cases = vectors().at("wrapped_authkeys");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const WrappedAuthKey w = decode_wrapped_auth_key(c.at("input").get<std::string>());
    EXPECT_EQ(w.auth_key, c.at("auth_key").get<std::string>());
    EXPECT_EQ(w.is_wrapped, c.at("is_wrapped").get<bool>());
    if (c.at("signature").is_null()) {
      EXPECT_FALSE(w.signature.has_value());
    } else {
      ASSERT_TRUE(w.signature.has_value());
      EXPECT_EQ(hex_encode(w.signature->serialize()), c.at("signature").get<std::string>());
      EXPECT_EQ(hex_encode(w.private_key), c.at("private_key").get<std::string>());
    }
    json log = nullptr;
    for (const auto& line : w.log) log.push_back(line);
    EXPECT_EQ(log, c.at("log"));
  }
}

TEST(NodeKeySignature, SignByCredentialVerifiesAgainstTheCredentialsKey) {
  // A wrapped auth key's credential, used as upstream's client does: sign the
  // node key with the wrapped private key.
  const auto& c = vectors().at("wrapped_authkeys").at(1);
  const WrappedAuthKey w = decode_wrapped_auth_key(c.at("input").get<std::string>());
  ASSERT_TRUE(w.is_wrapped);
  crypto::Ed25519Private priv{};
  ASSERT_EQ(w.private_key.size(), priv.size());
  std::copy(w.private_key.begin(), w.private_key.end(), priv.begin());
  const key::NodePublic nk = parse_node_key("nodekey:" + std::string(64, '7'));
  auto signed_nks = sign_by_credential(priv, *w.signature, nk);
  ASSERT_TRUE(signed_nks.ok()) << signed_nks.message();
  auto ok = node_key_authorized(authorities().at("main"), nk, *signed_nks);
  ASSERT_TRUE(ok.ok()) << ok.message();
  ASSERT_TRUE(ok->has_value());
  EXPECT_EQ((*ok)->initial_sig->kind, SigKind::Credential);
  EXPECT_TRUE((*ok)->prev_node_keys.empty());
  // The credential alone, or with a different node key, does not authorize.
  EXPECT_FALSE(node_key_authorized(authorities().at("main"), nk, w.signature->serialize()).ok());
  ByteArray<32> other_raw = nk.raw();
  other_raw[0] ^= 1;
  const key::NodePublic other = key::NodePublic::from_raw(other_raw);
  EXPECT_EQ(node_key_authorized(authorities().at("main"), other, *signed_nks).message(),
            "signature does not authorize nodeKey");
  // Only credentials can sign by credential.
  NodeKeySignature direct = *w.signature;
  direct.kind = SigKind::Direct;
  EXPECT_EQ(sign_by_credential(priv, direct, nk).message(), "wrapped signature must be a credential, got direct");
}


// What `tailscale lock sign` makes (upstream signNodeKey): a direct
// signature by the signer's lock key naming the node's own lock key as the
// wrapping key, authorized by a state that trusts the signer and by no other.
TEST(NodeKeySignature, SignNodeKeyIsADirectSignatureTheSignersAuthorityAccepts) {
  const auto signer = key::NLPrivate::generate();
  const auto node_nl = key::NLPrivate::generate();
  const auto node_key = key::NodePrivate::generate().public_key();
  const Bytes marshaled = sign_node_key(signer, node_key, node_nl.key_id());
  auto sig = NodeKeySignature::unserialize(marshaled);
  ASSERT_TRUE(sig.ok()) << sig.message();
  EXPECT_EQ(sig->kind, SigKind::Direct);
  EXPECT_EQ(sig->key_id, signer.key_id());
  EXPECT_EQ(sig->wrapping_pubkey, node_nl.key_id());
  State trusting;
  trusting.keys = std::vector<Key>{trusted_key(signer.public_key(), 2)};
  EXPECT_EQ(trusting.keys->front().votes, 2u);
  auto ok = node_key_authorized(trusting, node_key, marshaled);
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_FALSE(ok->has_value()) << "a direct signature has no rotation details";
  const auto other = key::NodePrivate::generate().public_key();
  EXPECT_EQ(node_key_authorized(trusting, other, marshaled).message(), "signature does not authorize nodeKey");
  State someone_else;
  someone_else.keys = std::vector<Key>{trusted_key(node_nl.public_key())};
  EXPECT_EQ(node_key_authorized(someone_else, node_key, marshaled).message(), "key: key not found");
}

}  // namespace
}  // namespace latchkey::tka
