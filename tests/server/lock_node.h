// Nodes that take part in Tailnet Lock against a test server, and the
// AUMs and signatures they make with our own tka/ code (which the vectors
// and upstream's tka pin to upstream's bytes): shared by the lock's RPC
// tests (tailnet_lock_test.cpp) and its admin API tests (lock_admin_test.cpp).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/base64.h"
#include "server/server_fixture.h"
#include "tailcfg/codec.h"
#include "tka/authority.h"
#include "tka/builder.h"
#include "tka/memory_storage.h"
#include "tka/node_key_signing.h"
#include "tka/sig.h"
#include "tka/signer.h"

namespace latchkey::server::testing {

namespace asio = boost::asio;

inline const Bytes kSecret(32, 0x42);  // the disablement secret

// A node with a lock key of its own (RegisterRequest.NLKey), joined with a
// pre-auth key and following its map stream.
struct LockNode : SimNode {
  key::NLPrivate nl = key::NLPrivate::generate();
  store::NodeId id = 0;
  std::optional<testing::MapStreamReader> stream;

  asio::awaitable<bool> join(ServerFixture& f, const std::string& name, std::string auth_key = "") {
    hostname = name;
    if (!co_await connect(f)) co_return false;
    auto req = register_request(auth_key.empty() ? f.auth_key() : auth_key);
    req.nl_key = nl.public_key();
    auto r = co_await register_with(req);
    if (!r || !r->machine_authorized) co_return false;
    auto n = f.db->find_node_by_node_key(node.public_key());
    if (!n.ok()) co_return false;
    id = n->id;
    stream = co_await testing::open_stream(*this, map_request(true));
    if (!stream) co_return false;
    auto full = co_await stream->next();
    co_return full.has_value();
  }

  template <class T>
  asio::awaitable<testing::HttpResult> rpc(const std::string& endpoint, const T& body) {
    return get("/machine/tka/" + endpoint, tailcfg::encode_json(body));
  }

  // The next map message carrying `field` (skipping keepalives and others).
  asio::awaitable<std::optional<nlohmann::json>> next_with(const std::string& field) {
    for (int i = 0; i < 20; ++i) {
      auto m = co_await stream->next_change();
      if (!m) co_return std::nullopt;
      if (m->contains(field)) co_return m;
    }
    co_return std::nullopt;
  }
};

inline tka::Key lock_key(const key::NLPrivate& nl) { return tka::trusted_key(nl.public_key()); }

// Upstream's client: tka.Create over scratch storage, signed by the node's
// own lock key, trusting `keys`.
// (No braced list may be a temporary of an expression that has a co_await
// in it: GCC 12 cannot keep its backing array in the coroutine frame.)
// `support`: a support disablement secret, trusted as upstream's CLI does
// (its KDF output among the disablement values).
inline std::pair<tka::Authority, tka::Aum> make_genesis(const key::NLPrivate& signer_key,
                                                        const std::optional<Bytes>& support = std::nullopt) {
  tka::State s;
  s.keys = std::vector<tka::Key>{lock_key(signer_key)};
  s.disablement_values = std::vector<tka::NullableBytes>{tka::disablement_kdf(kSecret)};
  if (support) s.disablement_values->push_back(tka::disablement_kdf(*support));
  tka::MemoryStorage scratch;
  tka::Ed25519Signer signer(signer_key.raw());
  auto c = tka::Authority::create(scratch, s, signer);
  EXPECT_TRUE(c.ok()) << c.message();
  return std::move(*c);
}

// A direct signature of `node_key` by `by`, wrapping `rotation` (the
// node's own lock key), as `tailscale lock sign` makes it.
inline Bytes direct_signature(const key::NLPrivate& by, const key::NodePublic& node_key, const Bytes& rotation) {
  return tka::sign_node_key(by, node_key, rotation);
}

inline std::string b64(const Bytes& b) { return base64_encode(b); }

// The AUMs `change` makes with a builder on top of `chain` (genesis first),
// signed by `by`: what `tailscale lock add/remove` sends.
template <class Change>
inline std::vector<tka::Aum> change_aums(const std::vector<tka::Aum>& chain, const key::NLPrivate& by, Change change) {
  tka::MemoryStorage local;
  auto authority = tka::Authority::bootstrap(local, chain.front());
  EXPECT_TRUE(authority.ok()) << authority.message();
  if (chain.size() > 1) {
    EXPECT_TRUE(authority->inform(local, std::vector<tka::Aum>(chain.begin() + 1, chain.end())).ok());
  }
  tka::Ed25519Signer signer(by.raw());
  tka::UpdateBuilder b(*authority, &signer);
  EXPECT_TRUE(change(b).ok());
  auto made = b.finalize(local);
  EXPECT_TRUE(made.ok()) << made.message();
  return made.ok() ? *made : std::vector<tka::Aum>{};
}

// The AUMs that add `added` on top of `chain`, signed by `by`: what
// `tailscale lock add` sends.
inline std::vector<tka::Aum> add_key_aums(const std::vector<tka::Aum>& chain, const key::NLPrivate& by,
                                          const tka::Key& added) {
  return change_aums(chain, by, [&](tka::UpdateBuilder& b) { return b.add_key(added); });
}

// An update AUM (not a checkpoint) after `genesis`.
inline tka::Aum update_after(const tka::Aum& genesis, const key::NLPrivate& by) {
  tka::MemoryStorage local;
  auto authority = tka::Authority::bootstrap(local, genesis);
  EXPECT_TRUE(authority.ok()) << authority.message();
  tka::Ed25519Signer signer(by.raw());
  tka::UpdateBuilder b(*authority, &signer);
  EXPECT_TRUE(b.set_key_vote(by.key_id(), 2).ok());
  auto made = b.finalize(local);
  EXPECT_TRUE(made.ok() && !made->empty());
  return made->front();
}

// Enables the lock with `a`'s key trusted, every listed node signed.
// `nodes`: how many nodes the tailnet has (each must be asked to sign).
// `support`: the support disablement secret init/finish leaves with the
// server (SupportDisablement), when set.
inline asio::awaitable<bool> enable(LockNode& a, std::size_t nodes, tka::Aum& genesis_out,
                                    std::optional<Bytes> support = std::nullopt) {
  const tka::Aum genesis = make_genesis(a.nl, support).second;
  tailcfg::TkaInitBeginRequest begin;
  begin.version = 145;
  begin.node_key = a.node.public_key();
  begin.genesis_aum = genesis.serialize();
  auto r = co_await a.rpc("init/begin", begin);
  EXPECT_EQ(r.status, 200u) << r.body;
  auto need = tailcfg::decode_json<tailcfg::TkaInitBeginResponse>(r.body);
  EXPECT_TRUE(need.ok()) << r.body;
  if (!need.ok() || !need->need_signatures) co_return false;
  tailcfg::TkaInitFinishRequest finish;
  finish.version = 145;
  finish.node_key = a.node.public_key();
  finish.signatures.emplace();
  for (const auto& info : *need->need_signatures) {
    (*finish.signatures)[info.node_id] =
        direct_signature(a.nl, info.node_public, info.rotation_pubkey.value_or(Bytes{}));
  }
  EXPECT_EQ(need->need_signatures->size(), nodes);
  if (support) finish.support_disablement = *support;
  auto done = co_await a.rpc("init/finish", finish);
  EXPECT_EQ(done.status, 200u) << done.body;
  EXPECT_EQ(done.body, "{}\n");
  genesis_out = genesis;
  co_return done.status == 200;
}

}  // namespace latchkey::server::testing
