// LockSync against a scripted control plane: a FakeControl holding its own
// authority (made with our tka code) answers each RPC the way a server
// does, or, in the bad-input tests, the way a broken or lying one might.
#include "client/lock_sync.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "key/nl_key.h"
#include "key/node_key.h"
#include "tailcfg/codec.h"
#include "tailcfg/tka.h"
#include "tka/node_key_signing.h"
#include "tka/authority.h"
#include "tka/builder.h"
#include "tka/directory_storage.h"
#include "tka/memory_storage.h"
#include "tka/signer.h"
#include "tka/state.h"
#include "tka/sync.h"
#include "test_util/temp_dir.h"

namespace latchkey::client {
namespace {

using lock_action::Error;
using lock_action::InstallLock;
using lock_action::Log;
using lock_action::RetryAt;
using lock_action::Rpc;
using lock_action::SetTkaHead;

const Bytes kSecret(32, 0x42);
const Bytes kWrongSecret(32, 0x17);

// The control plane's side of the lock: the authority it relays, with the
// answers a server gives to each RPC.
struct FakeControl {
  key::NLPrivate nl = key::NLPrivate::generate();
  tka::MemoryStorage storage;
  std::optional<tka::Authority> authority;
  tka::Aum genesis;

  FakeControl() {
    tka::State s;
    s.keys = std::vector<tka::Key>{tka::trusted_key(nl.public_key())};
    s.disablement_values = std::vector<tka::NullableBytes>{tka::disablement_kdf(kSecret)};
    s.state_id1 = 7;
    s.state_id2 = 9;
    tka::Ed25519Signer signer(nl.raw());
    auto c = tka::Authority::create(storage, s, signer);
    EXPECT_TRUE(c.ok()) << c.message();
    authority.emplace(std::move(c->first));
    genesis = std::move(c->second);
  }

  tka::AumHash head() const { return authority->head(); }

  // `tailscale lock add` on control's side: the AUMs made, already applied.
  std::vector<tka::Aum> add_key() {
    tka::Ed25519Signer signer(nl.raw());
    tka::UpdateBuilder b(*authority, &signer);
    EXPECT_TRUE(b.add_key(tka::trusted_key(key::NLPrivate::generate().public_key())).ok());
    auto made = b.finalize(storage);
    EXPECT_TRUE(made.ok()) << made.message();
    EXPECT_TRUE(authority->inform(storage, *made).ok());
    return *made;
  }

  LockWant want() const { return LockWant{true, head(), ""}; }

  std::string bootstrap_answer(const tka::Aum& g) const {
    tailcfg::TkaBootstrapResponse r;
    r.genesis_aum = g.serialize();
    return tailcfg::encode_json(r);
  }

  // As the server: control's offer and the AUMs the client misses.
  std::string offer_answer(std::string_view request_body) {
    auto req = tailcfg::decode_json<tailcfg::TkaSyncOfferRequest>(request_body);
    EXPECT_TRUE(req.ok()) << req.message();
    auto theirs = tka::sync_offer_from_text(req->head, req->ancestors.value_or(std::vector<std::string>{}));
    EXPECT_TRUE(theirs.ok()) << theirs.message();
    auto ours = tka::make_sync_offer(*authority, storage);
    EXPECT_TRUE(ours.ok());
    auto missing = tka::missing_aums(*authority, storage, *theirs);
    EXPECT_TRUE(missing.ok()) << missing.message();
    tailcfg::TkaSyncOfferResponse r;
    const auto text = tka::sync_offer_to_text(*ours);
    r.head = text.head;
    r.ancestors = text.ancestors;
    r.missing_aums.emplace();
    for (const auto& a : *missing) r.missing_aums->push_back(a.serialize());
    return tailcfg::encode_json(r);
  }

  // As the server: informs itself with what the client sent.
  std::string send_answer(std::string_view request_body) {
    auto req = tailcfg::decode_json<tailcfg::TkaSyncSendRequest>(request_body);
    EXPECT_TRUE(req.ok()) << req.message();
    std::vector<tka::Aum> aums;
    for (const Bytes& b : req->missing_aums.value_or(std::vector<Bytes>{})) {
      auto a = tka::Aum::unserialize(b);
      EXPECT_TRUE(a.ok());
      aums.push_back(*a);
    }
    if (!aums.empty()) {
      EXPECT_TRUE(authority->inform(storage, aums).ok());
    }
    tailcfg::TkaSyncSendResponse r;
    r.head = head().to_string();
    return tailcfg::encode_json(r);
  }

  std::string answer(const Rpc& rpc) {
    switch (rpc.kind) {
      case RpcKind::Bootstrap: return bootstrap_answer(genesis);
      case RpcKind::SyncOffer: return offer_answer(rpc.body);
      case RpcKind::SyncSend: return send_answer(rpc.body);
    }
    return {};
  }
};

template <class T>
std::vector<T> all_of(const LockActions& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const T* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

std::vector<RpcKind> rpc_kinds(const LockActions& actions) {
  std::vector<RpcKind> out;
  for (const auto& r : all_of<Rpc>(actions)) out.push_back(r.kind);
  return out;
}

// Performs each Rpc action against `control` until none is outstanding;
// returns every action, in order.
LockActions drive(LockSync& sync, FakeControl& control, LockActions actions) {
  LockActions transcript;
  while (!actions.empty()) {
    LockActions next;
    for (auto& a : actions) {
      transcript.push_back(a);
      if (const Rpc* rpc = std::get_if<Rpc>(&a)) {
        auto more = sync.on_reply(rpc->kind, 200, control.answer(*rpc));
        next.insert(next.end(), more.begin(), more.end());
      }
    }
    actions = std::move(next);
  }
  return transcript;
}

// Advances the client until its next RPC, returned; asserts there is one.
Rpc only_rpc(const LockActions& actions) {
  auto rpcs = all_of<Rpc>(actions);
  EXPECT_EQ(rpcs.size(), 1u);
  return rpcs.empty() ? Rpc{} : rpcs.front();
}

std::optional<Error> only_error(const LockActions& actions) {
  auto errors = all_of<Error>(actions);
  EXPECT_EQ(errors.size(), 1u);
  if (errors.empty()) return std::nullopt;
  EXPECT_EQ(all_of<RetryAt>(actions).size(), 1u) << "every failure schedules a retry";
  return errors.front();
}

struct LockSyncTest : ::testing::Test {
  FakeControl control;
  key::NodePublic self = key::NodePrivate::generate().public_key();
  tka::MemoryStorage storage;

  LockSyncOptions options() const {
    LockSyncOptions o;
    o.now = [] { return tka::UnixTime{1'700'000'000}; };
    o.backoff_seed = 1;
    return o;
  }

  // A client whose storage already holds control's chain as it is now.
  void preload_storage() {
    auto a = tka::Authority::bootstrap(storage, control.genesis);
    ASSERT_TRUE(a.ok()) << a.message();
    auto chain = control.authority->active_chain(control.storage);
    ASSERT_TRUE(chain.ok());
    std::vector<tka::Aum> rest(chain->begin() + 1, chain->end());
    if (!rest.empty()) {
      ASSERT_TRUE(a->inform(storage, rest).ok());
    }
  }
};

std::shared_ptr<const LockView> installed(const LockActions& actions) {
  auto installs = all_of<InstallLock>(actions);
  return installs.empty() ? nullptr : installs.back().view;
}

TEST_F(LockSyncTest, EnableBootstrapsThenOffersWithoutSendWhenHeadsAgree) {
  LockSync sync(storage, options());
  auto start = sync.start();
  ASSERT_EQ(installed(start), LockView::off());
  ASSERT_EQ(all_of<SetTkaHead>(start).at(0).head_text, "");

  auto first = sync.on_netmap(control.want(), true, self);
  // Fail-open while the lock is acquired: pending first, then the RPC.
  ASSERT_EQ(first.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<InstallLock>(first[0]));
  EXPECT_EQ(std::get<InstallLock>(first[0]).view, LockView::pending());
  const Rpc bootstrap = only_rpc(first);
  EXPECT_EQ(bootstrap.path, "/machine/tka/bootstrap");
  EXPECT_EQ(bootstrap.max_response_bytes, 1u << 20);
  auto req = tailcfg::decode_json<tailcfg::TkaBootstrapRequest>(bootstrap.body);
  ASSERT_TRUE(req.ok()) << req.message();
  EXPECT_EQ(req->version, tailcfg::kCurrentCapabilityVersion);
  EXPECT_EQ(req->node_key, self);
  EXPECT_EQ(req->head, "");
  EXPECT_EQ(bootstrap.body.back(), '\n');
  EXPECT_TRUE(sync.running());

  auto t = drive(sync, control, first);
  EXPECT_EQ(rpc_kinds(t), (std::vector<RpcKind>{RpcKind::Bootstrap, RpcKind::SyncOffer}));
  EXPECT_EQ(all_of<Rpc>(t)[1].max_response_bytes, 10u << 20);
  EXPECT_TRUE(all_of<Error>(t).empty());
  ASSERT_NE(sync.authority(), nullptr);
  EXPECT_EQ(sync.authority()->head(), control.head());
  auto view = installed(t);
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->state, LockView::State::Active);
  EXPECT_EQ(view->authority->last_aum_hash, control.head());
  EXPECT_EQ(all_of<SetTkaHead>(t).back().head_text, control.head().to_string());
  EXPECT_FALSE(sync.running());

  // The next netmap with the same head needs nothing.
  auto again = sync.on_netmap(control.want(), true, self);
  EXPECT_TRUE(again.empty());
}

TEST_F(LockSyncTest, CapabilityVersionComesFromOptions) {
  auto o = options();
  o.capability_version = 142;
  LockSync sync(storage, o);
  (void)sync.start();
  auto req = tailcfg::decode_json<tailcfg::TkaBootstrapRequest>(only_rpc(sync.on_netmap(control.want(), true, self)).body);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->version, 142);
}

TEST_F(LockSyncTest, LaterHeadIsInformedThenSentWithOurNewHead) {
  preload_storage();
  LockSync sync(storage, options());
  auto start = sync.start();
  ASSERT_EQ(installed(start)->state, LockView::State::Active);
  const auto old_view = sync.view();
  const auto added = control.add_key();

  auto t = drive(sync, control, sync.on_netmap(control.want(), true, self));
  EXPECT_EQ(rpc_kinds(t), (std::vector<RpcKind>{RpcKind::SyncOffer, RpcKind::SyncSend}));
  EXPECT_TRUE(all_of<Error>(t).empty());
  auto send = tailcfg::decode_json<tailcfg::TkaSyncSendRequest>(all_of<Rpc>(t)[1].body);
  ASSERT_TRUE(send.ok()) << send.message();
  EXPECT_EQ(send->head, control.head().to_string()) << "the head after inform";
  ASSERT_TRUE(send->missing_aums.has_value());
  EXPECT_TRUE(send->missing_aums->empty());
  EXPECT_FALSE(send->interactive);
  EXPECT_EQ(sync.authority()->head(), control.head());
  EXPECT_TRUE(storage.has_aum(added.back().hash()).value());
  ASSERT_NE(installed(t), nullptr);
  EXPECT_NE(installed(t), old_view);
  EXPECT_EQ(installed(t)->authority->last_aum_hash, control.head());
  EXPECT_EQ(all_of<SetTkaHead>(t).back().head_text, control.head().to_string());
  EXPECT_TRUE(all_of<Log>(t).empty()) << "no desync";
}

TEST_F(LockSyncTest, AumsControlLacksGoUpInSend) {
  // The client holds an AUM control has not seen.
  preload_storage();
  std::vector<tka::Aum> ours;
  {
    auto a = tka::Authority::open(storage);
    ASSERT_TRUE(a.ok());
    tka::Ed25519Signer signer(control.nl.raw());
    tka::UpdateBuilder b(*a, &signer);
    ASSERT_TRUE(b.add_key(tka::trusted_key(key::NLPrivate::generate().public_key())).ok());
    auto made = b.finalize(storage);
    ASSERT_TRUE(made.ok());
    ASSERT_TRUE(a->inform(storage, *made).ok());
    ours = *made;
  }
  LockSync sync(storage, options());
  (void)sync.start();
  const auto our_head = sync.authority()->head();
  ASSERT_NE(our_head, control.head());

  auto t = drive(sync, control, sync.on_netmap(control.want(), true, self));
  EXPECT_EQ(rpc_kinds(t), (std::vector<RpcKind>{RpcKind::SyncOffer, RpcKind::SyncSend}));
  auto send = tailcfg::decode_json<tailcfg::TkaSyncSendRequest>(all_of<Rpc>(t)[1].body);
  ASSERT_TRUE(send.ok());
  EXPECT_EQ(send->head, our_head.to_string());
  ASSERT_EQ(send->missing_aums.value_or(std::vector<Bytes>{}).size(), ours.size());
  EXPECT_EQ(send->missing_aums->front(), ours.front().serialize());
  EXPECT_EQ(control.head(), our_head) << "control took the AUMs";
  EXPECT_TRUE(all_of<Error>(t).empty());
}

TEST_F(LockSyncTest, DesyncInSendAnswerIsOnlyLogged) {
  preload_storage();
  LockSync sync(storage, options());
  (void)sync.start();
  control.add_key();
  auto offer = sync.on_netmap(control.want(), true, self);
  auto send = sync.on_reply(RpcKind::SyncOffer, 200, control.offer_answer(only_rpc(offer).body));
  ASSERT_EQ(only_rpc(send).kind, RpcKind::SyncSend);
  tailcfg::TkaSyncSendResponse lie;
  lie.head = control.genesis.hash().to_string();
  auto done = sync.on_reply(RpcKind::SyncSend, 200, tailcfg::encode_json(lie));
  EXPECT_TRUE(all_of<Error>(done).empty());
  EXPECT_TRUE(all_of<RetryAt>(done).empty());
  ASSERT_EQ(all_of<Log>(done).size(), 1u);
  EXPECT_NE(all_of<Log>(done)[0].text.find("TKA desync"), std::string::npos);
  EXPECT_EQ(sync.authority()->head(), control.head());
}

TEST_F(LockSyncTest, DisableWithTheRightSecretRemovesLocalState) {
  preload_storage();
  LockSync sync(storage, options());
  (void)sync.start();
  auto first = sync.on_netmap(LockWant{false, std::nullopt, ""}, true, self);
  const Rpc bootstrap = only_rpc(first);
  auto req = tailcfg::decode_json<tailcfg::TkaBootstrapRequest>(bootstrap.body);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->head, control.head().to_string());

  tailcfg::TkaBootstrapResponse r;
  r.disablement_secret = kSecret;
  auto done = sync.on_reply(RpcKind::Bootstrap, 200, tailcfg::encode_json(r));
  EXPECT_TRUE(all_of<Rpc>(done).empty());
  EXPECT_TRUE(all_of<Error>(done).empty());
  EXPECT_EQ(sync.authority(), nullptr);
  EXPECT_EQ(storage.size(), 0u);
  EXPECT_EQ(installed(done), LockView::off());
  EXPECT_EQ(all_of<SetTkaHead>(done).at(0).head_text, "");
}

TEST_F(LockSyncTest, DisableWithAWrongSecretKeepsTheLock) {
  preload_storage();
  LockSync sync(storage, options());
  (void)sync.start();
  const auto view = sync.view();
  (void)only_rpc(sync.on_netmap(LockWant{false, std::nullopt, ""}, true, self));
  tailcfg::TkaBootstrapResponse r;
  r.disablement_secret = kWrongSecret;
  auto next = sync.on_reply(RpcKind::Bootstrap, 200, tailcfg::encode_json(r));
  ASSERT_EQ(all_of<Log>(next).size(), 1u);
  EXPECT_NE(all_of<Log>(next)[0].text.find("Disablement failed, leaving TKA enabled"), std::string::npos);
  EXPECT_TRUE(all_of<Error>(next).empty()) << "only logged";
  ASSERT_NE(sync.authority(), nullptr);
  EXPECT_EQ(storage.size(), 1u);
  EXPECT_EQ(sync.view(), view);
  // As upstream, the run goes on to sync (the netmap's head differs).
  EXPECT_EQ(only_rpc(next).kind, RpcKind::SyncOffer);
}

TEST_F(LockSyncTest, DenyListRefusesTheGenesis) {
  auto o = options();
  o.disallowed_state_ids = {"1:2", "7:9"};
  LockSync sync(storage, o);
  (void)sync.start();
  (void)only_rpc(sync.on_netmap(control.want(), true, self));
  auto out = sync.on_reply(RpcKind::Bootstrap, 200, control.bootstrap_answer(control.genesis));
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Bootstrap);
  EXPECT_EQ(e->text, "bootstrap: TKA with stateID of \"7:9\" is disallowed on this node");
  EXPECT_EQ(storage.size(), 0u);
  EXPECT_EQ(sync.authority(), nullptr);
  EXPECT_EQ(sync.view(), LockView::pending());
  EXPECT_EQ(sync.counters().sync_errors_total[static_cast<std::size_t>(SyncStage::Bootstrap)], 1u);
}

TEST_F(LockSyncTest, RestartReopensTheAuthorityFromDirectoryStorage) {
  const test_util::TempDir tmp("lock_sync_test");
  ASSERT_FALSE(tmp.path().empty());
  const std::string dir = (tmp.path() / "tka").string();
  {
    auto disk = tka::DirectoryStorage::open(dir, [] { return tka::UnixTime{1'700'000'000}; });
    ASSERT_TRUE(disk.ok()) << disk.message();
    LockSync sync(**disk, options());
    (void)sync.start();
    auto t = drive(sync, control, sync.on_netmap(control.want(), true, self));
    ASSERT_TRUE(all_of<Error>(t).empty());
    ASSERT_NE(sync.authority(), nullptr);
  }
  auto disk = tka::DirectoryStorage::open(dir, [] { return tka::UnixTime{1'700'000'000}; });
  ASSERT_TRUE(disk.ok()) << disk.message();
  LockSync sync(**disk, options());
  auto start = sync.start();
  EXPECT_TRUE(all_of<Error>(start).empty());
  ASSERT_NE(sync.authority(), nullptr);
  EXPECT_EQ(sync.authority()->head(), control.head());
  EXPECT_EQ(installed(start)->state, LockView::State::Active);
  EXPECT_EQ(all_of<SetTkaHead>(start).at(0).head_text, control.head().to_string());
  EXPECT_TRUE(sync.on_netmap(control.want(), true, self).empty()) << "up to date after restart";
}

TEST_F(LockSyncTest, DisableThenEnableAgainOnDirectoryStorage) {
  const test_util::TempDir tmp("lock_sync_test");
  ASSERT_FALSE(tmp.path().empty());
  const std::string dir = (tmp.path() / "tka").string();
  auto disk = tka::DirectoryStorage::open(dir, [] { return tka::UnixTime{1'700'000'000}; });
  ASSERT_TRUE(disk.ok()) << disk.message();
  LockSync sync(**disk, options());
  (void)sync.start();
  ASSERT_TRUE(all_of<Error>(drive(sync, control, sync.on_netmap(control.want(), true, self))).empty());

  (void)only_rpc(sync.on_netmap(LockWant{false, std::nullopt, ""}, true, self));
  tailcfg::TkaBootstrapResponse r;
  r.disablement_secret = kSecret;
  auto off = sync.on_reply(RpcKind::Bootstrap, 200, tailcfg::encode_json(r));
  EXPECT_TRUE(all_of<Error>(off).empty());
  EXPECT_FALSE(std::filesystem::exists(dir)) << "local lock state removed";
  EXPECT_EQ(sync.view(), LockView::off());

  auto t = drive(sync, control, sync.on_netmap(control.want(), true, self));
  EXPECT_TRUE(all_of<Error>(t).empty());
  EXPECT_EQ(rpc_kinds(t), (std::vector<RpcKind>{RpcKind::Bootstrap, RpcKind::SyncOffer}));
  EXPECT_EQ(sync.view()->state, LockView::State::Active);
  EXPECT_TRUE(std::filesystem::exists((*disk)->aum_path(control.head())));
}

TEST_F(LockSyncTest, StoredStateThatDoesNotOpenIsReportedNotRetried) {
  // An update whose parent is not stored: no chain to replay.
  const auto added = control.add_key();
  ASSERT_TRUE(storage.commit_verified_aums(added).ok());
  LockSync sync(storage, options());
  auto start = sync.start();
  EXPECT_TRUE(all_of<RetryAt>(start).empty()) << "the driver moves the state aside instead";
  auto errors = all_of<Error>(start);
  ASSERT_EQ(errors.size(), 1u);
  const Error* e = &errors[0];
  EXPECT_EQ(e->stage, SyncStage::Storage);
  EXPECT_EQ(e->text.rfind("opening stored lock state: ", 0), 0u) << e->text;
  EXPECT_EQ(sync.authority(), nullptr);
  EXPECT_EQ(sync.view(), LockView::off());
}

TEST_F(LockSyncTest, WithoutCapabilityTkaInfoIsIgnoredAndReportedOnce) {
  LockSync sync(storage, options());
  (void)sync.start();
  auto first = sync.on_netmap(control.want(), false, self);
  EXPECT_TRUE(all_of<Rpc>(first).empty());
  EXPECT_EQ(all_of<Log>(first).size(), 1u);
  EXPECT_EQ(sync.view(), LockView::off());
  auto second = sync.on_netmap(control.want(), false, self);
  EXPECT_TRUE(second.empty());
}

TEST_F(LockSyncTest, UnparsableNetmapHeadMeansNotEnabled) {
  LockSync sync(storage, options());
  (void)sync.start();
  auto out = sync.on_netmap(LockWant{true, std::nullopt, "illegal base32 data"}, true, self);
  EXPECT_TRUE(all_of<Rpc>(out).empty());
  ASSERT_EQ(all_of<Log>(out).size(), 1u);
  EXPECT_EQ(sync.view(), LockView::off());
}

// ---- Bad answers: an error with its stage, a retry, nothing accepted. ----

struct LockSyncBadAnswerTest : LockSyncTest {
  // An active client at control's genesis; control has moved on by one
  // key. ask_offer() hands the client the netmap with control's new head.
  std::unique_ptr<LockSync> sync;
  std::shared_ptr<const LockView> view_before;

  void SetUp() override {
    preload_storage();
    sync = std::make_unique<LockSync>(storage, options());
    (void)sync->start();
    view_before = sync->view();
    control.add_key();
  }

  Rpc ask_offer() { return only_rpc(sync->on_netmap(control.want(), true, self)); }

  void expect_nothing_accepted() {
    EXPECT_EQ(sync->view(), view_before);
    EXPECT_EQ(sync->authority()->head(), control.genesis.hash());
    EXPECT_EQ(storage.size(), 1u);
    EXPECT_FALSE(sync->running());
  }
};

TEST_F(LockSyncBadAnswerTest, UnparsableOfferHead) {
  ask_offer();
  auto out = sync->on_reply(RpcKind::SyncOffer, 200, R"({"Head":"not-a-hash","Ancestors":null,"MissingAUMs":null})");
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Offer);
  EXPECT_EQ(e->text.rfind("control offer: head.UnmarshalText", 0), 0u) << e->text;
  EXPECT_TRUE(all_of<Rpc>(out).empty()) << "no send";
  expect_nothing_accepted();
}

TEST_F(LockSyncBadAnswerTest, AumsThatDoNotVerify) {
  const Rpc offer = ask_offer();
  auto answer = tailcfg::decode_json<tailcfg::TkaSyncOfferResponse>(control.offer_answer(offer.body));
  ASSERT_TRUE(answer.ok());
  ASSERT_FALSE(answer->missing_aums->empty());
  auto aum = tka::Aum::unserialize(answer->missing_aums->back());
  ASSERT_TRUE(aum.ok());
  aum->signatures.at(0).signature->at(5) ^= 0x01;
  answer->missing_aums->back() = aum->serialize();

  auto out = sync->on_reply(RpcKind::SyncOffer, 200, tailcfg::encode_json(*answer));
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Inform);
  EXPECT_EQ(e->text.rfind("inform failed: update ", 0), 0u) << e->text;
  EXPECT_TRUE(all_of<Rpc>(out).empty()) << "no send after a failed inform";
  expect_nothing_accepted();
  EXPECT_EQ(sync->counters().sync_errors_total[static_cast<std::size_t>(SyncStage::Inform)], 1u);
}

TEST_F(LockSyncBadAnswerTest, AumsThatDoNotChain) {
  const Rpc offer = ask_offer();
  auto answer = tailcfg::decode_json<tailcfg::TkaSyncOfferResponse>(control.offer_answer(offer.body));
  ASSERT_TRUE(answer.ok());
  // A well-signed AUM from another tailnet's chain: its parent is unknown here.
  FakeControl other;
  const auto foreign = other.add_key();
  answer->missing_aums = std::vector<Bytes>{foreign.front().serialize()};

  auto out = sync->on_reply(RpcKind::SyncOffer, 200, tailcfg::encode_json(*answer));
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Inform);
  EXPECT_EQ(e->text.rfind("inform failed: ", 0), 0u) << e->text;
  EXPECT_TRUE(all_of<Rpc>(out).empty());
  expect_nothing_accepted();
}

TEST_F(LockSyncBadAnswerTest, AumThatDoesNotDecode) {
  ask_offer();
  tailcfg::TkaSyncOfferResponse answer;
  answer.head = control.head().to_string();
  answer.ancestors = std::vector<std::string>{control.genesis.hash().to_string()};
  answer.missing_aums = std::vector<Bytes>{Bytes{0xa1, 0x01}};
  auto out = sync->on_reply(RpcKind::SyncOffer, 200, tailcfg::encode_json(answer));
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Inform);
  EXPECT_EQ(e->text.rfind("MissingAUMs[0]: ", 0), 0u) << e->text;
  expect_nothing_accepted();
}

TEST_F(LockSyncBadAnswerTest, OfferJsonThatDoesNotDecode) {
  ask_offer();
  auto out = sync->on_reply(RpcKind::SyncOffer, 200, R"({"Head": [}")");
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Offer);
  EXPECT_EQ(e->text.rfind("offer RPC: decoding JSON: ", 0), 0u) << e->text;
  expect_nothing_accepted();
}

TEST_F(LockSyncBadAnswerTest, OfferTimesOutAndALateAnswerIsIgnored) {
  const Rpc offer = ask_offer();
  auto out = sync->on_timeout(RpcKind::SyncOffer);
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Offer);
  EXPECT_EQ(e->text, "offer RPC: no complete answer before the deadline");
  expect_nothing_accepted();

  auto late = sync->on_reply(RpcKind::SyncOffer, 200, control.offer_answer(offer.body));
  EXPECT_TRUE(all_of<Rpc>(late).empty());
  EXPECT_EQ(all_of<Log>(late).size(), 1u);
  expect_nothing_accepted();

  // The retry repeats the sync, which now succeeds.
  auto t = drive(*sync, control, sync->on_retry());
  EXPECT_EQ(rpc_kinds(t), (std::vector<RpcKind>{RpcKind::SyncOffer, RpcKind::SyncSend}));
  EXPECT_EQ(sync->authority()->head(), control.head());
}

TEST_F(LockSyncBadAnswerTest, SendAnswerWithUnparsableHead) {
  const Rpc offer = ask_offer();
  auto send = sync->on_reply(RpcKind::SyncOffer, 200, control.offer_answer(offer.body));
  ASSERT_EQ(only_rpc(send).kind, RpcKind::SyncSend);
  auto out = sync->on_reply(RpcKind::SyncSend, 200, R"({"Head":"zz"})");
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Send);
  EXPECT_EQ(e->text.rfind("head unmarshal: ", 0), 0u) << e->text;
  // The informed AUMs verified, so the advanced authority stays installed.
  EXPECT_EQ(sync->authority()->head(), control.head());
  EXPECT_EQ(sync->view()->authority->last_aum_hash, control.head());
}

TEST_F(LockSyncTest, GenesisSignedByAKeyOutsideItsState) {
  tka::Aum forged = control.genesis;
  const key::NLPrivate stranger = key::NLPrivate::generate();
  tka::Ed25519Signer signer(stranger.raw());
  auto sigs = signer.sign_aum(forged.sig_hash());
  ASSERT_TRUE(sigs.ok());
  forged.signatures = *sigs;

  LockSync sync(storage, options());
  (void)sync.start();
  (void)only_rpc(sync.on_netmap(control.want(), true, self));
  auto out = sync.on_reply(RpcKind::Bootstrap, 200, control.bootstrap_answer(forged));
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Bootstrap);
  EXPECT_EQ(e->text, "bootstrap: tka bootstrap: invalid bootstrap: bad keyID on signature 0: key not found");
  EXPECT_EQ(sync.authority(), nullptr);
  EXPECT_EQ(storage.size(), 0u);
  EXPECT_EQ(sync.view(), LockView::pending()) << "fail-open, never Active";
  EXPECT_TRUE(all_of<Rpc>(out).empty());
}

TEST_F(LockSyncTest, Non200AnswerIsRetriedWithBackoff) {
  LockSync sync(storage, options());
  (void)sync.start();
  (void)only_rpc(sync.on_netmap(control.want(), true, self));
  auto out = sync.on_reply(RpcKind::Bootstrap, 500, "database unavailable");
  auto e = only_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, SyncStage::Bootstrap);
  EXPECT_EQ(e->text, "fetching bootstrap: request returned (500): database unavailable");
  EXPECT_EQ(sync.view(), LockView::pending());
  const auto delay = all_of<RetryAt>(out).at(0).delay;
  EXPECT_GE(delay.count(), 5);  // 10 ms × [0.5, 1.5)
  EXPECT_LT(delay.count(), 15);

  // A retry asks again, and succeeds.
  auto t = drive(sync, control, sync.on_retry());
  EXPECT_EQ(rpc_kinds(t), (std::vector<RpcKind>{RpcKind::Bootstrap, RpcKind::SyncOffer}));
  EXPECT_EQ(sync.view()->state, LockView::State::Active);
  EXPECT_TRUE(sync.on_retry().empty()) << "a stale timer does nothing";
}

TEST_F(LockSyncTest, BootstrapJsonThatDoesNotDecodeOrIsTooLarge) {
  LockSync sync(storage, options());
  (void)sync.start();
  (void)only_rpc(sync.on_netmap(control.want(), true, self));
  auto e = only_error(sync.on_reply(RpcKind::Bootstrap, 200, "<html>"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->text.rfind("fetching bootstrap: decoding JSON: ", 0), 0u) << e->text;

  (void)only_rpc(sync.on_retry());
  const std::string huge = R"({"GenesisAUM":")" + std::string(2u << 20, 'A') + R"("})";
  e = only_error(sync.on_reply(RpcKind::Bootstrap, 200, huge));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->text.rfind("fetching bootstrap: decoding JSON: ", 0), 0u) << e->text;
  EXPECT_EQ(sync.view(), LockView::pending());
  EXPECT_EQ(sync.counters().sync_errors_total[static_cast<std::size_t>(SyncStage::Bootstrap)], 2u);
}

TEST_F(LockSyncTest, BackoffGrowsQuadraticallyUpToThirtySeconds) {
  LockSync sync(storage, options());
  (void)sync.start();
  (void)only_rpc(sync.on_netmap(control.want(), true, self));
  for (std::int64_t n = 1; n <= 60; ++n) {
    auto out = sync.on_timeout(RpcKind::Bootstrap);
    const auto delay = all_of<RetryAt>(out).at(0).delay.count();
    const std::int64_t base = std::min<std::int64_t>(n * n * 10, 30'000);
    EXPECT_GE(delay, base / 2) << n;
    EXPECT_LT(delay, base * 3 / 2) << n;
    (void)only_rpc(sync.on_retry());
  }
  EXPECT_EQ(sync.counters().sync_errors_total[static_cast<std::size_t>(SyncStage::Bootstrap)], 60u);
}

TEST_F(LockSyncTest, NetmapDuringARunIsHandledWhenTheRunEnds) {
  LockSync sync(storage, options());
  (void)sync.start();
  const Rpc bootstrap = only_rpc(sync.on_netmap(control.want(), true, self));
  control.add_key();
  // A newer head arrives while the bootstrap is outstanding.
  EXPECT_TRUE(sync.on_netmap(control.want(), true, self).empty());
  auto t = drive(sync, control, LockActions{bootstrap});
  // The bootstrap run's offer already brings the new AUMs; the netmap
  // seen meanwhile then needs nothing more.
  EXPECT_EQ(rpc_kinds(t), (std::vector<RpcKind>{RpcKind::Bootstrap, RpcKind::SyncOffer, RpcKind::SyncSend}));
  EXPECT_EQ(sync.authority()->head(), control.head());
  EXPECT_TRUE(all_of<Error>(t).empty());
}

}  // namespace
}  // namespace latchkey::client
