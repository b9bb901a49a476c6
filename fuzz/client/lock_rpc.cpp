// Fuzzes LockSync with arbitrary answers from control. Input: a first byte
// choosing the RPC being answered (value % 3: bootstrap to enable,
// sync/offer, sync/send) and the status ((value / 3) % 2: 200, else 500),
// then the body. The client is first brought to where it awaits that RPC,
// against a fixed authority: a genesis with one key, and control one AUM
// ahead for the sync cases.
// Whatever the body, LockSync must not crash, must either ask for exactly
// one next RPC or end the run (a failure being one stage-counted Error with
// a text and one RetryAt); an Active view must be at a stored AUM, and once
// the run is over, Active exactly when an authority exists, at its head.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "client/lock_sync.h"
#include "key/nl_key.h"
#include "key/node_key.h"
#include "tailcfg/codec.h"
#include "tailcfg/tka.h"
#include "tka/node_key_signing.h"
#include "tka/builder.h"
#include "tka/memory_storage.h"
#include "tka/signer.h"
#include "tka/sync.h"

namespace {

using namespace latchkey;

// Control's chain, made once: the genesis, and an AUM after it.
struct Chain {
  tka::Aum genesis;
  tka::AumHash head;         // after the second AUM
  std::string offer_answer;  // a valid sync/offer answer for a client at the genesis
  key::NodePublic self;

  Chain() {
    crypto::Ed25519Seed seed{};
    seed.fill(0x11);
    const key::NLPrivate nl = key::NLPrivate::from_seed(seed);
    tka::State s;
    s.keys = std::vector<tka::Key>{tka::trusted_key(nl.public_key())};
    s.disablement_values = std::vector<tka::NullableBytes>{Bytes(32, 0x42)};
    tka::MemoryStorage storage;
    tka::Ed25519Signer signer(nl.raw());
    auto created = tka::Authority::create(storage, s, signer);
    if (!created) std::abort();
    genesis = created->second;
    tka::Authority& authority = created->first;
    const tka::SyncOffer client_offer{genesis.hash(), {genesis.hash()}};

    seed.fill(0x22);
    tka::UpdateBuilder b(authority, &signer);
    if (!b.add_key(tka::trusted_key(key::NLPrivate::from_seed(seed).public_key()))) std::abort();
    auto made = b.finalize(storage);
    if (!made || !authority.inform(storage, *made)) std::abort();
    head = authority.head();

    auto offer = tka::make_sync_offer(authority, storage);
    auto missing = tka::missing_aums(authority, storage, client_offer);
    if (!offer || !missing) std::abort();
    tailcfg::TkaSyncOfferResponse r;
    const auto text = tka::sync_offer_to_text(*offer);
    r.head = text.head;
    r.ancestors = text.ancestors;
    r.missing_aums.emplace();
    for (const auto& a : *missing) r.missing_aums->push_back(a.serialize());
    offer_answer = tailcfg::encode_json(r);

    ByteArray<32> node_key{};
    node_key.fill(0x33);  // LockSync only sends it
    self = key::NodePublic::from_raw(node_key);
  }
};

const Chain& chain() {
  static const Chain c;
  return c;
}

template <class T>
std::size_t count(const client::LockActions& actions) {
  std::size_t n = 0;
  for (const auto& a : actions) n += std::holds_alternative<T>(a) ? 1 : 0;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Chain& c = chain();
  const auto kind = static_cast<client::RpcKind>(data[0] % 3);
  const unsigned status = (data[0] / 3) % 2 == 0 ? 200 : 500;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  tka::MemoryStorage storage;
  if (kind != client::RpcKind::Bootstrap && !tka::Authority::bootstrap(storage, c.genesis)) std::abort();
  client::LockSyncOptions options;
  options.backoff_seed = 1;
  client::LockSync sync(storage, options);
  (void)sync.start();
  (void)sync.on_netmap(client::LockWant{true, c.head, ""}, true, c.self);
  if (kind == client::RpcKind::SyncSend) (void)sync.on_reply(client::RpcKind::SyncOffer, 200, c.offer_answer);
  if (!sync.running()) std::abort();

  const auto errors_before = sync.counters().sync_errors_total;
  const client::LockActions out = sync.on_reply(kind, status, body);

  std::uint64_t counted = 0;
  for (std::size_t i = 0; i < errors_before.size(); ++i) {
    counted += sync.counters().sync_errors_total[i] - errors_before[i];
  }
  const std::size_t errors = count<client::lock_action::Error>(out);
  for (const auto& a : out) {
    if (const auto* e = std::get_if<client::lock_action::Error>(&a); e && e->text.empty()) std::abort();
  }
  if (errors != counted || errors > 1 || count<client::lock_action::RetryAt>(out) != errors) std::abort();
  if (sync.running() != (count<client::lock_action::Rpc>(out) == 1)) std::abort();
  if (sync.running() && errors != 0) std::abort();
  if (status != 200 && errors != 1) std::abort();

  // The view changes only between runs (the lock barrier); whenever it is
  // Active, its head is a stored, hence verified, AUM.
  const tka::Authority* authority = sync.authority();
  const auto& view = sync.view();
  if (view->state == client::LockView::State::Active) {
    auto stored = storage.has_aum(*view->authority->last_aum_hash);
    if (!stored || !*stored) std::abort();
  } else if (view != client::LockView::pending()) {
    std::abort();  // the lock is wanted: fail-open until an authority exists
  }
  if (!sync.running()) {
    if ((view->state == client::LockView::State::Active) != (authority != nullptr)) std::abort();
    if (authority && view->authority->last_aum_hash != authority->head()) std::abort();
  }
  return 0;
}
