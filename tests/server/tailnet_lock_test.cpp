// The server's Tailnet Lock over real TS2021 connections on loopback: the
// /machine/tka RPCs as upstream's client sends them (GET with a JSON body),
// the lock's state in every map stream (TKAInfo, Node.KeySignature), and
// bad input refused, counted and leaving nothing behind. Nodes and what
// they sign: server/lock_node.h.
#include <gtest/gtest.h>

#include "base/base64.h"
#include "server/lock_node.h"
#include "server/server_fixture.h"
#include "server/tailnet_lock.h"
#include "tailcfg/codec.h"
#include "tka/authority.h"
#include "tka/builder.h"
#include "tka/memory_storage.h"
#include "tka/sig.h"
#include "tka/signer.h"

namespace latchkey::server {
namespace {

using testing::add_key_aums;
using testing::b64;
using testing::change_aums;
using testing::direct_signature;
using testing::enable;
using testing::kSecret;
using testing::lock_key;
using testing::LockNode;
using testing::make_genesis;
using testing::ServerFixture;
using testing::update_after;
using transport::testing::run_loopback;
namespace asio = boost::asio;

TEST(TailnetLockServer, InitEnablesTheLockAndEveryStreamShowsItAndTheSignatures) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode a, b;
    CO_ASSERT_TRUE(co_await a.join(f, "alpha"));
    CO_ASSERT_TRUE(co_await b.join(f, "beta"));

    const tka::Aum genesis = make_genesis(a.nl).second;
    tailcfg::TkaInitBeginRequest begin;
    begin.version = 145;
    begin.node_key = a.node.public_key();
    begin.genesis_aum = genesis.serialize();
    auto r = co_await a.rpc("init/begin", begin);
    CO_ASSERT_TRUE(r.status == 200u);
    auto need = tailcfg::decode_json<tailcfg::TkaInitBeginResponse>(r.body);
    CO_ASSERT_TRUE(need.ok() && need->need_signatures.has_value());
    CO_ASSERT_TRUE(need->need_signatures->size() == 2u);
    for (const auto& info : *need->need_signatures) {
      LockNode& n = info.node_id == a.id ? a : b;
      EXPECT_EQ(info.node_public, n.node.public_key());
      EXPECT_EQ(info.rotation_pubkey, std::optional<Bytes>(n.nl.key_id()));  // so the node can re-sign itself
    }
    // Begun, not published: a bootstrap still finds the lock off.
    tailcfg::TkaBootstrapRequest boot;
    boot.version = 145;
    boot.node_key = b.node.public_key();
    EXPECT_EQ((co_await b.rpc("bootstrap", boot)).status, 409u);

    tailcfg::TkaInitFinishRequest finish;
    finish.version = 145;
    finish.node_key = a.node.public_key();
    finish.signatures.emplace();
    for (const auto& info : *need->need_signatures) {
      (*finish.signatures)[info.node_id] = direct_signature(a.nl, info.node_public, *info.rotation_pubkey);
    }
    auto done = co_await a.rpc("init/finish", finish);
    CO_ASSERT_TRUE(done.status == 200u);

    // To each stream: the head and every signature as patches in one
    // message (the same for all), then the node's own Node with its own.
    const std::string head = genesis.hash().to_string();
    for (LockNode* n : {&a, &b}) {
      auto m = co_await n->next_with("TKAInfo");
      CO_ASSERT_TRUE(m.has_value());
      EXPECT_EQ((*m)["TKAInfo"]["Head"], head);
      LockNode& peer = n == &a ? b : a;
      EXPECT_FALSE(m->contains("PeersChanged"));
      CO_ASSERT_TRUE(m->contains("PeersChangedPatch"));
      bool seen = false;
      for (const auto& p : (*m)["PeersChangedPatch"]) {
        if (p["NodeID"] == peer.id) {
          seen = true;
          EXPECT_EQ(p["KeySignature"], b64((*finish.signatures)[peer.id]));
        }
      }
      EXPECT_TRUE(seen) << m->dump();
      auto self = co_await n->next_with("Node");
      CO_ASSERT_TRUE(self.has_value());
      EXPECT_EQ((*self)["Node"]["KeySignature"], b64((*finish.signatures)[n->id]));
    }

    // bootstrap now gives the genesis; a sync from it finds nothing missing.
    auto bs = co_await b.rpc("bootstrap", boot);
    CO_ASSERT_TRUE(bs.status == 200u);
    auto bsr = tailcfg::decode_json<tailcfg::TkaBootstrapResponse>(bs.body);
    CO_ASSERT_TRUE(bsr.ok());
    EXPECT_EQ(bsr->genesis_aum, genesis.serialize());
    tailcfg::TkaSyncOfferRequest offer;
    offer.version = 145;
    offer.node_key = b.node.public_key();
    offer.head = head;
    offer.ancestors.emplace();
    auto so = co_await b.rpc("sync/offer", offer);
    CO_ASSERT_TRUE(so.status == 200u);
    auto sor = tailcfg::decode_json<tailcfg::TkaSyncOfferResponse>(so.body);
    CO_ASSERT_TRUE(sor.ok());
    EXPECT_EQ(sor->head, head);
    EXPECT_TRUE(!sor->missing_aums || sor->missing_aums->empty());

    // A new stream's full map carries TKAInfo and the nodes' capability.
    auto again = co_await testing::open_stream(b, b.map_request(true));
    CO_ASSERT_TRUE(again.has_value());
    auto full = co_await again->next();
    CO_ASSERT_TRUE(full.has_value());
    EXPECT_EQ((*full)["TKAInfo"]["Head"], head);
    EXPECT_TRUE((*full)["Node"]["CapMap"].contains(kTailnetLockCapability));

    // What a restarted server reads back.
    auto reloaded = TailnetLock::load(f.db, &f.server->metrics());
    CO_ASSERT_TRUE(reloaded.ok());
    EXPECT_EQ((*reloaded)->mode(), TailnetLock::Mode::Enabled);
    const LockPublication cur = (*reloaded)->current();
    EXPECT_EQ(cur.info, (std::optional<tailcfg::TkaInfo>(tailcfg::TkaInfo{head, false})));
    EXPECT_EQ(cur.signatures.size(), 2u);
    EXPECT_EQ(f.server->metrics().tka_requests("init/finish"), 1u);
    a.conn->close();
    b.conn->close();
  });
}

TEST(TailnetLockServer, BadInitInputIsRefusedAndNothingIsEnabled) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode a, b;
    CO_ASSERT_TRUE(co_await a.join(f, "alpha"));
    CO_ASSERT_TRUE(co_await b.join(f, "beta"));
    auto& m = f.server->metrics();

    // finish without begin
    tailcfg::TkaInitFinishRequest finish;
    finish.version = 145;
    finish.node_key = a.node.public_key();
    EXPECT_EQ((co_await a.rpc("init/finish", finish)).status, 409u);
    // malformed JSON, and a body that is no AUM
    EXPECT_EQ((co_await a.get("/machine/tka/init/begin", "{not json")).status, 400u);
    tailcfg::TkaInitBeginRequest begin;
    begin.version = 145;
    begin.node_key = a.node.public_key();
    begin.genesis_aum = Bytes{0xa1, 0x01};
    EXPECT_EQ((co_await a.rpc("init/begin", begin)).status, 400u);
    // a genesis that is not a checkpoint: an update AUM
    begin.genesis_aum = update_after(make_genesis(a.nl).second, a.nl).serialize();
    EXPECT_EQ((co_await a.rpc("init/begin", begin)).status, 400u);
    // a genesis signed by a key it does not trust
    {
      const key::NLPrivate stranger = key::NLPrivate::generate();
      tka::Aum forged = make_genesis(stranger).second;
      forged.state->keys = std::vector<tka::Key>(1, lock_key(a.nl));
      begin.genesis_aum = forged.serialize();
      EXPECT_EQ((co_await a.rpc("init/begin", begin)).status, 400u);
    }
    // a NodeKey this machine does not own
    begin.node_key = b.node.public_key();
    EXPECT_EQ((co_await a.rpc("init/begin", begin)).status, 404u);

    // A proper begin, then a finish whose signature covers another node's key.
    const tka::Aum genesis = make_genesis(a.nl).second;
    begin.node_key = a.node.public_key();
    begin.genesis_aum = genesis.serialize();
    CO_ASSERT_TRUE((co_await a.rpc("init/begin", begin)).status == 200u);
    // finish by another node than the one that began
    finish.node_key = b.node.public_key();
    EXPECT_EQ((co_await b.rpc("init/finish", finish)).status, 409u);
    finish.node_key = a.node.public_key();
    finish.signatures.emplace();
    (*finish.signatures)[a.id] = direct_signature(a.nl, b.node.public_key(), a.nl.key_id());
    auto r = co_await a.rpc("init/finish", finish);
    EXPECT_EQ(r.status, 400u);
    EXPECT_NE(r.body.find("does not verify"), std::string::npos) << r.body;
    // ... or is made by an untrusted key
    (*finish.signatures)[a.id] = direct_signature(key::NLPrivate::generate(), a.node.public_key(), a.nl.key_id());
    EXPECT_EQ((co_await a.rpc("init/finish", finish)).status, 400u);
    EXPECT_EQ(f.server->tailnet_lock().mode(), TailnetLock::Mode::Off);
    auto stored = f.db->list_aums();
    CO_ASSERT_TRUE(stored.ok());
    EXPECT_TRUE(stored->empty());
    EXPECT_EQ(m.errors("tka_no_pending_init"), 2u);
    EXPECT_EQ(m.errors("tka_bad_signature"), 2u);
    EXPECT_EQ(m.errors("tka_unknown_node"), 1u);
    EXPECT_GE(m.errors("tka_bad_genesis"), 3u);
    EXPECT_EQ(m.errors("tka_bad_request"), 1u);

    // The same begin still pending: a correct finish enables the lock, and
    // a second init is refused.
    (*finish.signatures)[a.id] = direct_signature(a.nl, a.node.public_key(), a.nl.key_id());
    CO_ASSERT_TRUE((co_await a.rpc("init/finish", finish)).status == 200u);
    EXPECT_EQ((co_await a.rpc("init/begin", begin)).status, 409u);
    EXPECT_EQ(m.errors("tka_already_enabled"), 1u);
    a.conn->close();
    b.conn->close();
  });
}

// init/finish verifies its signatures as one batch, with the verdict of
// checking them node by node in ID order: the first bad one is named, an
// unknown node after it does not hide it, and nothing is stored.
TEST(TailnetLockServer, InitFinishNamesTheFirstRefusedSignatureInNodeOrder) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    std::vector<std::unique_ptr<LockNode>> nodes;
    for (int i = 0; i < 5; ++i) {
      nodes.push_back(std::make_unique<LockNode>());
      CO_ASSERT_TRUE(co_await nodes.back()->join(f, "node" + std::to_string(i)));
    }
    LockNode& a = *nodes[0];
    const tka::Aum genesis = make_genesis(a.nl).second;
    tailcfg::TkaInitBeginRequest begin;
    begin.version = 145;
    begin.node_key = a.node.public_key();
    begin.genesis_aum = genesis.serialize();
    CO_ASSERT_TRUE((co_await a.rpc("init/begin", begin)).status == 200u);

    tailcfg::TkaInitFinishRequest finish;
    finish.version = 145;
    finish.node_key = a.node.public_key();
    finish.signatures.emplace();
    for (const auto& n : nodes) {
      (*finish.signatures)[n->id] = direct_signature(a.nl, n->node.public_key(), n->nl.key_id());
    }
    const auto good = *finish.signatures;
    // Node 2's signature corrupted, node 4's made for node 3's key, and a
    // node that does not exist (after all of them).
    const store::NodeId id2 = nodes[2]->id;
    const store::NodeId id4 = nodes[4]->id;
    const store::NodeId unknown = id4 + 1000;
    (*finish.signatures)[id2].back() ^= 0x01;
    (*finish.signatures)[id4] = good.at(nodes[3]->id);
    (*finish.signatures)[unknown] = good.at(id2);
    auto r = co_await a.rpc("init/finish", finish);
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body, "signature for node " + std::to_string(id2) + " does not verify: invalid signature\n") << r.body;
    (*finish.signatures)[id2] = good.at(id2);
    r = co_await a.rpc("init/finish", finish);
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body, "signature for node " + std::to_string(id4) +
                          " does not verify: signature does not authorize nodeKey\n")
        << r.body;
    (*finish.signatures)[id4] = good.at(id4);
    r = co_await a.rpc("init/finish", finish);
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body, "signature for node " + std::to_string(unknown) + ": no such node\n") << r.body;
    EXPECT_EQ(f.server->tailnet_lock().mode(), TailnetLock::Mode::Off);
    auto stored_signatures = [&] {
      std::size_t count = 0;
      EXPECT_TRUE(f.db->transact([&](store::Transaction& tx) -> Status {
                       auto all = tx.list_node_key_signatures();
                       if (!all) return all.error();
                       count = all->size();
                       return {};
                     }).ok());
      return count;
    };
    EXPECT_EQ(stored_signatures(), 0u);
    EXPECT_EQ(f.server->metrics().errors("tka_bad_signature"), 3u);

    // All good: every node signed.
    finish.signatures->erase(unknown);
    r = co_await a.rpc("init/finish", finish);
    CO_ASSERT_TRUE(r.status == 200u);
    EXPECT_EQ(stored_signatures(), nodes.size());
    for (auto& n : nodes) n->conn->close();
  });
}

TEST(TailnetLockServer, SyncSendSignAndDisable) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode a, b, c;
    CO_ASSERT_TRUE(co_await a.join(f, "alpha"));
    CO_ASSERT_TRUE(co_await b.join(f, "beta"));
    tka::Aum genesis;
    CO_ASSERT_TRUE(co_await enable(a, 2, genesis));
    CO_ASSERT_TRUE((co_await a.next_with("TKAInfo")).has_value());
    CO_ASSERT_TRUE((co_await b.next_with("TKAInfo")).has_value());
    auto& m = f.server->metrics();

    // `tailscale lock add`: b's key added by an AUM a signs.
    const std::vector<tka::Aum> add = add_key_aums(std::vector<tka::Aum>(1, genesis), a.nl, lock_key(b.nl));
    CO_ASSERT_TRUE(!add.empty());
    tailcfg::TkaSyncSendRequest send;
    send.version = 145;
    send.node_key = a.node.public_key();
    send.head = genesis.hash().to_string();
    send.interactive = true;
    send.missing_aums.emplace();
    for (const auto& x : add) send.missing_aums->push_back(x.serialize());
    auto sent = co_await a.rpc("sync/send", send);
    CO_ASSERT_TRUE(sent.status == 200u);
    const std::string new_head = add.back().hash().to_string();
    EXPECT_EQ(tailcfg::decode_json<tailcfg::TkaSyncSendResponse>(sent.body)->head, new_head);
    for (LockNode* n : {&a, &b}) {
      auto msg = co_await n->next_with("TKAInfo");
      CO_ASSERT_TRUE(msg.has_value());
      EXPECT_EQ((*msg)["TKAInfo"]["Head"], new_head);
    }
    // A node still at the genesis gets the AUM from sync/offer.
    tailcfg::TkaSyncOfferRequest offer;
    offer.version = 145;
    offer.node_key = b.node.public_key();
    offer.head = genesis.hash().to_string();
    offer.ancestors.emplace();
    auto so = co_await b.rpc("sync/offer", offer);
    CO_ASSERT_TRUE(so.status == 200u);
    auto sor = tailcfg::decode_json<tailcfg::TkaSyncOfferResponse>(so.body);
    CO_ASSERT_TRUE(sor.ok() && sor->missing_aums.has_value());
    EXPECT_EQ(sor->head, new_head);
    EXPECT_EQ(*sor->missing_aums, std::vector<Bytes>(1, add.back().serialize()));
    // The same change again, built on the old head, interactively: stale.
    EXPECT_EQ((co_await a.rpc("sync/send", send)).status, 409u);
    // A forged AUM (signed by a key the lock does not trust): refused, head kept.
    {
      const key::NLPrivate stranger = key::NLPrivate::generate();
      std::vector<tka::Aum> chain(1, genesis);
      chain.insert(chain.end(), add.begin(), add.end());
      const std::vector<tka::Aum> forged = add_key_aums(chain, stranger, lock_key(stranger));
      send.head = new_head;
      send.interactive = false;
      send.missing_aums->clear();
      for (const auto& x : forged) send.missing_aums->push_back(x.serialize());
      auto r = co_await a.rpc("sync/send", send);
      EXPECT_EQ(r.status, 400u) << r.body;
      EXPECT_EQ(m.errors("tka_bad_aum"), 1u);
      auto again = co_await b.rpc("sync/offer", offer);
      EXPECT_EQ(tailcfg::decode_json<tailcfg::TkaSyncOfferResponse>(again.body)->head, new_head);
    }

    // c joins after the lock: unsigned until `tailscale lock sign`.
    CO_ASSERT_TRUE(co_await c.join(f, "gamma"));
    auto joined = co_await a.next_with("PeersChanged");
    CO_ASSERT_TRUE(joined.has_value());
    EXPECT_FALSE((*joined)["PeersChanged"][0].contains("KeySignature"));
    tailcfg::TkaSubmitSignatureRequest sign;
    sign.version = 145;
    sign.node_key = b.node.public_key();
    // by a key the lock does not trust: refused
    sign.signature = direct_signature(key::NLPrivate::generate(), c.node.public_key(), c.nl.key_id());
    EXPECT_EQ((co_await b.rpc("sign", sign)).status, 400u);
    // for a node key nobody has: refused
    sign.signature = direct_signature(b.nl, key::NodePrivate::generate().public_key(), c.nl.key_id());
    EXPECT_EQ((co_await b.rpc("sign", sign)).status, 404u);
    // garbage
    sign.signature = Bytes{1, 2, 3};
    EXPECT_EQ((co_await b.rpc("sign", sign)).status, 400u);
    // by b's key, now trusted
    const Bytes sig_c = direct_signature(b.nl, c.node.public_key(), c.nl.key_id());
    sign.signature = sig_c;
    CO_ASSERT_TRUE((co_await b.rpc("sign", sign)).status == 200u);
    // (c's Online patch, from its stream opening, may come first.)
    std::optional<nlohmann::json> signed_c;
    for (int i = 0; i < 5 && !signed_c; ++i) {
      auto patch = co_await a.next_with("PeersChangedPatch");
      CO_ASSERT_TRUE(patch.has_value());
      for (const auto& change : (*patch)["PeersChangedPatch"]) {
        if (change.contains("KeySignature")) signed_c = change;
      }
    }
    CO_ASSERT_TRUE(signed_c.has_value());
    EXPECT_EQ((*signed_c)["NodeID"], c.id);
    EXPECT_EQ((*signed_c)["KeySignature"], b64(sig_c));

    // affected-sigs: what b's key signed, for `tailscale lock remove`.
    tailcfg::TkaSignaturesUsingKeyRequest affected;
    affected.version = 145;
    affected.node_key = a.node.public_key();
    affected.key_id = b.nl.key_id();
    auto as = co_await a.rpc("affected-sigs", affected);
    CO_ASSERT_TRUE(as.status == 200u);
    auto asr = tailcfg::decode_json<tailcfg::TkaSignaturesUsingKeyResponse>(as.body);
    CO_ASSERT_TRUE(asr.ok() && asr->signatures.has_value());
    EXPECT_EQ(*asr->signatures, std::vector<Bytes>(1, sig_c));

    // disable: a wrong secret is refused, the right one switches it off.
    tailcfg::TkaDisableRequest off;
    off.version = 145;
    off.node_key = a.node.public_key();
    off.head = new_head;
    off.disablement_secret = Bytes(32, 0x43);
    EXPECT_EQ((co_await a.rpc("disable", off)).status, 400u);
    EXPECT_EQ(f.server->tailnet_lock().mode(), TailnetLock::Mode::Enabled);
    off.disablement_secret = kSecret;
    CO_ASSERT_TRUE((co_await a.rpc("disable", off)).status == 200u);
    auto gone = co_await b.next_with("TKAInfo");
    CO_ASSERT_TRUE(gone.has_value());
    EXPECT_EQ((*gone)["TKAInfo"]["Disabled"], true);
    tailcfg::TkaBootstrapRequest boot;
    boot.version = 145;
    boot.node_key = b.node.public_key();
    boot.head = new_head;
    auto bs = co_await b.rpc("bootstrap", boot);
    CO_ASSERT_TRUE(bs.status == 200u);
    EXPECT_EQ(tailcfg::decode_json<tailcfg::TkaBootstrapResponse>(bs.body)->disablement_secret, kSecret);
    EXPECT_TRUE(f.db->list_aums()->empty());
    EXPECT_EQ(m.errors("tka_bad_disablement_secret"), 1u);
    for (LockNode* n : {&a, &b, &c}) n->conn->close();
  });
}


// Bad input to sync/send, each refused with nothing committed and counted:
// an AUM whose parent the server does not have, one signed by a key that
// was removed, undecodable CBOR, and a body over the request limit. AUMs
// the server already has are accepted again without a second copy.
TEST(TailnetLockServer, SyncSendRefusesOrphansRemovedKeysBadCborAndOversizedBodies) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ServerFixture f(io);
    LockNode a, b;
    CO_ASSERT_TRUE(co_await a.join(f, "alpha"));
    CO_ASSERT_TRUE(co_await b.join(f, "beta"));
    tka::Aum genesis;
    CO_ASSERT_TRUE(co_await enable(a, 2, genesis));
    auto& m = f.server->metrics();
    std::vector<tka::Aum> chain(1, genesis);
    const tka::Key key_b = lock_key(b.nl);

    tailcfg::TkaSyncSendRequest send;
    send.version = 145;
    send.node_key = a.node.public_key();
    send.missing_aums.emplace();
    // Sends `aums` as a sync would (not interactive) and returns the status.
    auto sync_send = [&](const std::vector<tka::Aum>& aums) -> asio::awaitable<unsigned> {
      send.head = chain.back().hash().to_string();
      send.missing_aums->clear();
      for (const auto& x : aums) send.missing_aums->push_back(x.serialize());
      co_return (co_await a.rpc("sync/send", send)).status;
    };
    auto stored = [&] { return f.db->list_aums()->size(); };

    // b's key added by a, then removed by a.
    const auto add = change_aums(chain, a.nl, [&](tka::UpdateBuilder& u) { return u.add_key(key_b); });
    CO_ASSERT_TRUE(add.size() == 1);
    EXPECT_EQ(co_await sync_send(add), 200u);
    chain.push_back(add.front());
    const auto remove = change_aums(chain, a.nl, [&](tka::UpdateBuilder& u) { return u.remove_key(*key_b.public_key); });
    CO_ASSERT_TRUE(remove.size() == 1);
    EXPECT_EQ(co_await sync_send(remove), 200u);
    chain.push_back(remove.front());
    const std::size_t before = stored();
    const std::string head = chain.back().hash().to_string();

    // Replayed: the same AUMs again change nothing and store nothing twice.
    EXPECT_EQ(co_await sync_send(add), 200u);
    EXPECT_EQ(stored(), before);

    // Signed by the removed key, on top of the current head: refused.
    const tka::Key stranger = lock_key(key::NLPrivate::generate());
    const auto by_removed = change_aums(chain, b.nl, [&](tka::UpdateBuilder& u) { return u.add_key(stranger); });
    const std::uint64_t bad0 = m.errors("tka_bad_aum");
    EXPECT_EQ(co_await sync_send(by_removed), 400u);
    // A wrong parent: an AUM of another lock's chain.
    {
      const tka::Aum other_genesis = make_genesis(b.nl).second;
      const auto orphan = change_aums(std::vector<tka::Aum>(1, other_genesis), b.nl,
                                      [&](tka::UpdateBuilder& u) { return u.set_key_vote(*key_b.public_key, 2); });
      EXPECT_EQ(co_await sync_send(orphan), 400u);
    }
    // CBOR that is no AUM.
    {
      send.missing_aums->clear();
      send.missing_aums->push_back(Bytes{0xa1, 0x01});
      send.missing_aums->push_back(Bytes{0xff, 0x00, 0x13});
      EXPECT_EQ((co_await a.rpc("sync/send", send)).status, 400u);
    }
    EXPECT_EQ(m.errors("tka_bad_aum"), bad0 + 3);
    // A body over the 4 MiB request limit: refused before it is read whole.
    {
      std::string big = "{\"Version\":145,\"NodeKey\":\"" + a.node.public_key().to_string() + "\",\"MissingAUMs\":[\"";
      big.append(5u << 20, 'A');
      big += "\"]}";
      EXPECT_EQ((co_await a.get("/machine/tka/sync/send", big)).status, 413u);
    }
    // Nothing of it was committed: the head and the stored AUMs are as before.
    EXPECT_EQ(stored(), before);
    tailcfg::TkaSyncOfferRequest offer;
    offer.version = 145;
    offer.node_key = b.node.public_key();
    offer.head = head;
    offer.ancestors.emplace();
    auto so = co_await b.rpc("sync/offer", offer);
    CO_ASSERT_TRUE(so.status == 200u);
    EXPECT_EQ(tailcfg::decode_json<tailcfg::TkaSyncOfferResponse>(so.body)->head, head);
  });
}

// tailnet_lock.administrators: only the named users' nodes may change the
// lock; another user's node is refused (403, counted) and still follows it.
TEST(TailnetLockServer, OnlyTheConfiguredUsersNodesMayChangeTheLock) {
  run_loopback([](asio::io_context& io) -> asio::awaitable<void> {
    ControlServerConfig config = testing::test_config();
    config.tailnet.lock_administrators = std::vector<std::string>{"bob"};
    ServerFixture f(io, std::move(config));
    auto bob = f.db->create_user({"bob", "Bob", "", ""}, std::chrono::system_clock::now());
    CO_ASSERT_TRUE(bob.ok());
    store::NewPreAuthKey k;
    k.user_id = bob->id;
    auto bob_key = f.db->create_pre_auth_key(k, std::chrono::system_clock::now());
    CO_ASSERT_TRUE(bob_key.ok());
    LockNode a, b;
    CO_ASSERT_TRUE(co_await a.join(f, "alpha"));  // alice's
    CO_ASSERT_TRUE(co_await b.join(f, "beta", bob_key->text));
    auto& m = f.server->metrics();

    tailcfg::TkaInitBeginRequest begin;
    begin.version = 145;
    begin.node_key = a.node.public_key();
    begin.genesis_aum = make_genesis(a.nl).second.serialize();
    auto r = co_await a.rpc("init/begin", begin);
    EXPECT_EQ(r.status, 403u) << r.body;
    EXPECT_NE(r.body.find("tailnet_lock.administrators"), std::string::npos) << r.body;
    EXPECT_EQ(m.errors("tka_not_administrator"), 1u);

    // bob's node may; alice's node follows the lock it enabled.
    tka::Aum genesis;
    CO_ASSERT_TRUE(co_await enable(b, 2, genesis));
    tailcfg::TkaBootstrapRequest boot;
    boot.version = 145;
    boot.node_key = a.node.public_key();
    boot.head = "";
    auto got = co_await a.rpc("bootstrap", boot);
    EXPECT_EQ(got.status, 200u) << got.body;
    // ... but may not sign, disable or push a change of its own.
    tailcfg::TkaSubmitSignatureRequest sign;
    sign.version = 145;
    sign.node_key = a.node.public_key();
    sign.signature = direct_signature(b.nl, a.node.public_key(), a.nl.key_id());
    EXPECT_EQ((co_await a.rpc("sign", sign)).status, 403u);
    tailcfg::TkaSyncSendRequest send;
    send.version = 145;
    send.node_key = a.node.public_key();
    send.head = genesis.hash().to_string();
    send.interactive = true;
    send.missing_aums.emplace();
    for (const auto& x : change_aums(std::vector<tka::Aum>(1, genesis), b.nl,
                                     [&](tka::UpdateBuilder& u) { return u.add_key(lock_key(a.nl)); })) {
      send.missing_aums->push_back(x.serialize());
    }
    EXPECT_EQ((co_await a.rpc("sync/send", send)).status, 403u);
    EXPECT_EQ(m.errors("tka_not_administrator"), 3u);
  });
}

}  // namespace
}  // namespace latchkey::server
