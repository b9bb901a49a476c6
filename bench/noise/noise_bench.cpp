// Noise (TS2021) benchmarks, each beside the limit measured in the same run:
//  - server handshakes per second vs. the raw X25519 rate (the bound for a
//    handshake is five X25519 operations: BM_X25519_FiveOps);
//  - a full client + server handshake;
//  - record seal+open throughput on 4 KiB records vs. raw
//    crypto::ChaCha20Poly1305 seal+open of 4 KiB.
// Single-threaded; run with --benchmark_min_time=2 for stable figures.
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>
#include <vector>

#include "crypto/chacha20poly1305.h"
#include "crypto/random.h"
#include "crypto/x25519.h"
#include <optional>

#include "noise/client_handshake.h"
#include "noise/record_decoder.h"
#include "noise/record_sealer.h"
#include "noise/server_handshake.h"

namespace latchkey::noise {
namespace {

void BM_X25519_Shared(benchmark::State& state) {
  const auto a = crypto::x25519_generate();
  auto point = crypto::x25519_public(crypto::x25519_generate());
  for (auto _ : state) {
    auto r = crypto::x25519_shared(a, point);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_X25519_Shared);

void BM_X25519_Base(benchmark::State& state) {
  const auto a = crypto::x25519_generate();
  for (auto _ : state) {
    auto p = crypto::x25519_public(a);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_X25519_Base);

// The bound: five variable-base X25519 operations per "handshake".
void BM_X25519_FiveOps(benchmark::State& state) {
  const auto a = crypto::x25519_generate();
  auto point = crypto::x25519_public(crypto::x25519_generate());
  for (auto _ : state) {
    for (int i = 0; i < 5; ++i) {
      auto r = crypto::x25519_shared(a, point);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_X25519_FiveOps);

// Server side of one handshake: read the initiation (header form), respond.
void BM_ServerHandshake(benchmark::State& state) {
  const Keypair control = Keypair::generate();
  const Keypair machine = Keypair::generate();
  auto client = ClientHandshake::start(machine, control.public_key, kCurrentCapabilityVersion);
  const InitiationMessage init = client->initiation();
  for (auto _ : state) {
    ServerHandshake server(control);
    if (!server.read_initiation_message(init)) state.SkipWithError("initiation rejected");
    auto accept = server.respond();
    benchmark::DoNotOptimize(accept);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ServerHandshake);

void BM_FullHandshake(benchmark::State& state) {
  const Keypair control = Keypair::generate();
  const Keypair machine = Keypair::generate();
  for (auto _ : state) {
    auto client = ClientHandshake::start(machine, control.public_key, kCurrentCapabilityVersion);
    ServerHandshake server(control);
    (void)server.read_initiation_message(client->initiation());
    auto accept = server.respond();
    auto used = client->read_response(accept->response);
    if (!used || !client->established()) state.SkipWithError("handshake failed");
    benchmark::DoNotOptimize(client->take_conn());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FullHandshake);

crypto::ChaChaKey random_key() {
  crypto::ChaChaKey k;
  crypto::random_bytes(k);
  return k;
}

// Seal a write of state.range(0) plaintext bytes into records, then feed
// the records to the receiving side: the bytes of a stream, both ends.
void BM_RecordSealOpen(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const crypto::ChaChaKey key = random_key();
  RecordSealer tx(key);
  RecordDecoder rx(key);
  Bytes plaintext(n, 0x5a);
  Bytes wire(RecordSealer::sealed_size(n));
  Bytes received(wire.size());
  for (auto _ : state) {
    auto w = tx.seal(plaintext, wire);
    DecodeResult r = rx.decode(ByteView(wire).first(*w), received);
    if (!r.status || r.plaintext_size != n) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(received.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_RecordSealOpen)->Arg(4096)->Arg(kMaxPlaintextSize)->Arg(64 * 1024);

void BM_RecordSealOnly(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  RecordSealer tx(random_key());
  Bytes plaintext(n, 0x5a);
  Bytes wire(RecordSealer::sealed_size(n));
  for (auto _ : state) {
    auto w = tx.seal(plaintext, wire);
    benchmark::DoNotOptimize(w);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_RecordSealOnly)->Arg(4096)->Arg(kMaxPlaintextSize);

void BM_RecordOpenOnly(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const crypto::ChaChaKey key = random_key();
  // Pre-seal a long run of records so each iteration opens a fresh one.
  constexpr std::size_t kRecords = 4096;
  RecordSealer tx(key);
  Bytes plaintext(n, 0x5a);
  std::vector<Bytes> wire(kRecords);
  for (auto& w : wire) (void)tx.seal_append(plaintext, w);
  Bytes received(RecordSealer::sealed_size(n));
  std::size_t i = kRecords;
  std::optional<RecordDecoder> rx;
  for (auto _ : state) {
    if (i == kRecords) {
      state.PauseTiming();
      rx.emplace(key);
      i = 0;
      state.ResumeTiming();
    }
    DecodeResult r = rx->decode(wire[i++], received);
    if (!r.status) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(received.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_RecordOpenOnly)->Arg(4096)->Arg(kMaxPlaintextSize);

// A record stream as a connection has it: one thread seals (the sender),
// another opens (the receiver), handing batches of full-size records through
// a small ring. Wall-clock throughput of plaintext; needs two idle cores.
void BM_RecordStreamTwoThreads(benchmark::State& state) {
  constexpr std::size_t kSlots = 8;
  constexpr std::size_t kBatchWrite = 16 * kMaxPlaintextSize;  // 16 full records per batch
  constexpr std::size_t kBatchesPerIteration = 256;
  const crypto::ChaChaKey key = random_key();
  RecordSealer tx(key);
  RecordDecoder rx(key);
  Bytes plaintext(kBatchWrite, 0x5a);
  std::vector<Bytes> slots(kSlots, Bytes(RecordSealer::sealed_size(kBatchWrite)));
  Bytes received(slots[0].size());
  for (auto _ : state) {
    std::atomic<std::size_t> produced{0}, consumed{0};
    std::atomic<bool> failed{false};
    std::thread receiver([&] {
      for (std::size_t b = 0; b < kBatchesPerIteration; ++b) {
        while (produced.load(std::memory_order_acquire) <= b) std::this_thread::yield();
        DecodeResult r = rx.decode(slots[b % kSlots], received);
        if (!r.status || r.plaintext_size != kBatchWrite) failed = true;
        consumed.store(b + 1, std::memory_order_release);
      }
    });
    for (std::size_t b = 0; b < kBatchesPerIteration; ++b) {
      while (b - consumed.load(std::memory_order_acquire) >= kSlots) std::this_thread::yield();
      (void)tx.seal(plaintext, slots[b % kSlots]);
      produced.store(b + 1, std::memory_order_release);
    }
    receiver.join();
    if (failed) state.SkipWithError("decode failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBatchesPerIteration * kBatchWrite));
}
BENCHMARK(BM_RecordStreamTwoThreads)->UseRealTime()->Unit(benchmark::kMillisecond);

// The limit: the AEAD itself sealing and opening 4 KiB with a keyed context.
void BM_RawChaChaSealOpen(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  crypto::ChaCha20Poly1305 aead(random_key());
  crypto::ChaChaNonce nonce{};
  Bytes plaintext(n, 0x5a);
  Bytes sealed(n + crypto::kChaChaTagSize);
  Bytes opened(n);
  std::uint64_t counter = 0;
  for (auto _ : state) {
    nonce[11] = static_cast<std::uint8_t>(counter++);
    aead.seal(nonce, ByteView{}, plaintext, sealed.data());
    if (!aead.open(nonce, ByteView{}, sealed, opened.data())) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(opened.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_RawChaChaSealOpen)->Arg(4096)->Arg(kMaxPlaintextSize);

void BM_RawChaChaSealOnly(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  crypto::ChaCha20Poly1305 aead(random_key());
  crypto::ChaChaNonce nonce{};
  Bytes plaintext(n, 0x5a);
  Bytes sealed(n + crypto::kChaChaTagSize);
  for (auto _ : state) {
    aead.seal(nonce, ByteView{}, plaintext, sealed.data());
    benchmark::DoNotOptimize(sealed.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_RawChaChaSealOnly)->Arg(4096)->Arg(kMaxPlaintextSize);

}  // namespace
}  // namespace latchkey::noise
