// TS2021 transport benchmarks, each beside the limit measured in the same run.
//
// (a) Server handshakes per second per core:
//  - BM_ServerHandshakeLoopback: a single-threaded server (Asio on the
//    benchmark thread: accept, read the 101-byte initiation from a TcpStream,
//    noise::ServerHandshake, write the 51-byte response, close) driven over
//    loopback TCP by a pool of client threads replaying initiations. Rate per
//    CPU second of the server thread (kernel time included) and per wall
//    second ("wall_rate").
//  - BM_ServerHandshakeInMemory: the same server work without sockets
//    (stream-form read of the initiation, respond).
//  - The limit: the X25519 work of one server handshake — four
//    variable-base operations (es, ss, ee, se) and one fixed-base (the
//    ephemeral key): BM_HandshakeX25519Bound runs them with raw libsodium
//    calls (crypto_scalarmult x4 + crypto_scalarmult_base), and with our
//    fixed-base path (crypto::x25519_public, Edwards comb) instead of the
//    ladder; BM_FiveRawScalarmult is five raw crypto_scalarmult calls.
// (b) Record throughput, plaintext bytes per CPU second of one thread:
//  - BM_RecordStreamInMemory: 64 KiB writes sealed into records and opened
//    again (RecordSealer/RecordDecoder, the span forms NoiseStream uses);
//  - BM_NoiseStreamLoopback: the same bytes through two NoiseStreams over a
//    loopback TCP connection (write_all on one end, read_some on the other,
//    both on the benchmark thread, so seal + send + receive + open);
//  - the limit: BM_RawChaChaSealOpen4K, crypto::ChaCha20Poly1305 sealing and
//    opening 4 KiB with a keyed context (what one record costs).
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "crypto/chacha20poly1305.h"
#include "crypto/random.h"
#include "crypto/x25519.h"
#include "noise/client_handshake.h"
#include "noise/keypair.h"
#include "noise/record_decoder.h"
#include "noise/record_sealer.h"
#include "noise/server_handshake.h"
#include "transport/noise_stream.h"
#include "transport/socket_stream.h"

namespace latchkey::transport {
namespace {

// ---------------------------------------------------------------- limits

void BM_RawScalarmult(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init");
  const auto a = crypto::x25519_generate();
  const auto point = crypto::x25519_public(crypto::x25519_generate());
  std::uint8_t out[32];
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult(out, a.data(), point.data()));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawScalarmult);

void BM_FiveRawScalarmult(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init");
  const auto a = crypto::x25519_generate();
  const auto point = crypto::x25519_public(crypto::x25519_generate());
  std::uint8_t out[32];
  for (auto _ : state) {
    for (int i = 0; i < 5; ++i) {
      benchmark::DoNotOptimize(crypto_scalarmult(out, a.data(), point.data()));
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FiveRawScalarmult);

// One server handshake's X25519 work: Arg 0 = raw libsodium (four
// crypto_scalarmult + crypto_scalarmult_base); Arg 1 = four raw
// crypto_scalarmult + our fixed-base path; Arg 2 = what ServerHandshake
// runs: four crypto::x25519_shared (libsodium's ladder behind our wrapper)
// + crypto::x25519_public.
void BM_HandshakeX25519Bound(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init");
  const auto arm = state.range(0);
  const auto a = crypto::x25519_generate();
  const auto point = crypto::x25519_public(crypto::x25519_generate());
  std::uint8_t out[32];
  for (auto _ : state) {
    if (arm >= 1) {
      auto p = crypto::x25519_public(a);
      benchmark::DoNotOptimize(p);
    } else {
      benchmark::DoNotOptimize(crypto_scalarmult_base(out, a.data()));
    }
    for (int i = 0; i < 4; ++i) {
      if (arm == 2) {
        auto shared = crypto::x25519_shared(a, point);
        benchmark::DoNotOptimize(shared);
      } else {
        benchmark::DoNotOptimize(crypto_scalarmult(out, a.data(), point.data()));
      }
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(arm == 2   ? "4 x25519_shared + x25519_public (the server's)"
                 : arm == 1 ? "4 scalarmult + x25519_public"
                            : "4 scalarmult + scalarmult_base");
}
BENCHMARK(BM_HandshakeX25519Bound)->Arg(0)->Arg(1)->Arg(2);

// A keyed AEAD and 4 KiB buffers, for the record limits below.
struct Aead4K {
  static constexpr std::size_t n = 4096;
  crypto::ChaCha20Poly1305 aead{random_key()};
  crypto::ChaChaNonce nonce{};
  Bytes plaintext = Bytes(n, 0x5a);
  Bytes sealed = Bytes(n + crypto::kChaChaTagSize);
  Bytes opened = Bytes(n);

  static crypto::ChaChaKey random_key() {
    crypto::ChaChaKey key;
    crypto::random_bytes(key);
    return key;
  }
};

void BM_RawChaChaSealOpen4K(benchmark::State& state) {
  Aead4K a;
  auto& [aead, nonce, plaintext, sealed, opened] = a;
  constexpr std::size_t n = Aead4K::n;
  std::uint64_t counter = 0;
  for (auto _ : state) {
    nonce[11] = static_cast<std::uint8_t>(counter);
    nonce[10] = static_cast<std::uint8_t>(counter >> 8);
    ++counter;
    aead.seal(nonce, ByteView{}, plaintext, sealed.data());
    if (!aead.open(nonce, ByteView{}, sealed, opened.data())) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(opened.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_RawChaChaSealOpen4K);

// ------------------------------------------------------------ handshakes

// Distinct client initiations (fresh machine and ephemeral keys), made once.
const std::vector<noise::InitiationMessage>& initiations(const noise::Keypair& control) {
  static std::vector<noise::InitiationMessage> pool = [&] {
    std::vector<noise::InitiationMessage> v;
    for (int i = 0; i < 64; ++i) {
      auto c = noise::ClientHandshake::start(noise::Keypair::generate(), control.public_key,
                                             noise::kCurrentCapabilityVersion);
      v.push_back(c->initiation());
    }
    return v;
  }();
  return pool;
}

const noise::Keypair& control_key() {
  static const noise::Keypair k = noise::Keypair::generate();
  return k;
}

void BM_ServerHandshakeInMemory(benchmark::State& state) {
  const noise::Keypair& control = control_key();
  const auto& pool = initiations(control);
  std::size_t i = 0;
  for (auto _ : state) {
    noise::ServerHandshake server(control);
    auto used = server.read_initiation(pool[i++ % pool.size()]);
    if (!used || !server.initiation_complete()) state.SkipWithError("initiation rejected");
    auto accept = server.respond();
    if (!accept) state.SkipWithError("respond failed");
    benchmark::DoNotOptimize(accept);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ServerHandshakeInMemory);

namespace asio = boost::asio;

// One server connection: what a raw-TCP TS2021 endpoint does per handshake.
asio::awaitable<void> serve_handshake(Tcp::socket socket, const noise::Keypair& control, std::size_t& done) {
  try {
    TcpStream stream(std::move(socket));
    noise::ServerHandshake server(control);
    std::uint8_t buf[noise::kInitiationSize];
    while (!server.initiation_complete()) {
      const std::size_t n = co_await stream.read_some(std::span<std::uint8_t>(buf, server.bytes_needed()));
      if (n == 0) co_return;
      if (!server.read_initiation(ByteView(buf, n))) co_return;
    }
    auto accept = server.respond();
    if (!accept) co_return;
    co_await stream.write_all(accept->response);
    ++done;
  } catch (...) {
  }
}

asio::awaitable<void> accept_handshakes(Tcp::acceptor& acceptor, const noise::Keypair& control, std::size_t& done) {
  for (;;) {
    Tcp::socket s = co_await acceptor.async_accept(asio::use_awaitable);
    s.set_option(Tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), serve_handshake(std::move(s), control, done), asio::detached);
  }
}

// A blocking loopback client replaying initiations until told to stop.
void client_loop(std::uint16_t port, const std::vector<noise::InitiationMessage>& pool, std::size_t first,
                 const std::atomic<bool>& stop) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::size_t i = first;
  while (!stop.load(std::memory_order_relaxed)) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0) {
      const auto& init = pool[i++ % pool.size()];
      if (::write(fd, init.data(), init.size()) == static_cast<ssize_t>(init.size())) {
        std::uint8_t resp[noise::kResponseSize];
        std::size_t got = 0;
        while (got < sizeof resp) {
          const ssize_t n = ::read(fd, resp + got, sizeof resp - got);
          if (n <= 0) break;
          got += static_cast<std::size_t>(n);
        }
      }
    }
    ::close(fd);
  }
}

// Arg: number of client threads, each with one connection in flight.
void BM_ServerHandshakeLoopback(benchmark::State& state) {
  const noise::Keypair& control = control_key();
  const auto& pool = initiations(control);
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  {
    asio::io_context io(1);
    Tcp::acceptor acceptor(io, Tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    acceptor.listen(1024);
    const std::uint16_t port = acceptor.local_endpoint().port();
    std::size_t done = 0;
    asio::co_spawn(io, accept_handshakes(acceptor, control, done), asio::detached);
    for (int t = 0; t < state.range(0); ++t) {
      clients.emplace_back(client_loop, port, std::cref(pool), static_cast<std::size_t>(t) * 7, std::cref(stop));
    }
    // Warm up: let the pool reach a steady state.
    while (done < 32) io.run_one();
    const std::size_t start_done = done;
    const auto wall_start = std::chrono::steady_clock::now();
    for (auto _ : state) {
      const std::size_t target = done + 1;
      while (done < target) io.run_one();
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    state.counters["wall_rate"] = static_cast<double>(done - start_done) / wall;
    stop = true;
    acceptor.close();
    io.stop();
  }  // the io_context's sockets close here, releasing blocked clients
  for (auto& c : clients) c.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ServerHandshakeLoopback)->Arg(1)->Arg(4);

// --------------------------------------------------------------- records

constexpr std::size_t kWrite = 64 * 1024;

void BM_RecordStreamInMemory(benchmark::State& state) {
  crypto::ChaChaKey key;
  crypto::random_bytes(key);
  noise::RecordSealer tx(key);
  noise::RecordDecoder rx(key);
  Bytes plaintext(kWrite, 0x5a);
  Bytes wire(noise::RecordSealer::sealed_size(kWrite));
  Bytes received(wire.size());
  for (auto _ : state) {
    auto w = tx.seal(plaintext, wire);
    noise::DecodeResult r = rx.decode(ByteView(wire).first(*w), received);
    if (!r.status || r.plaintext_size != kWrite) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(received.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kWrite));
}
BENCHMARK(BM_RecordStreamInMemory);

// Two NoiseStreams over a connected loopback TCP pair, the sending end's
// socket in `send_io`, the receiving end's in `receive_io` (which may be the
// same context). A 64 KiB write is ~66 KiB on the wire; large socket
// buffers let most of it go in one system call.
struct LoopbackStreams {
  std::unique_ptr<NoiseStream> sender;
  std::unique_ptr<NoiseStream> receiver;
};

LoopbackStreams loopback_streams(asio::io_context& send_io, asio::io_context& receive_io) {
  Tcp::acceptor acceptor(receive_io, Tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  Tcp::socket a(send_io);
  a.connect(acceptor.local_endpoint());
  Tcp::socket b = acceptor.accept();
  a.set_option(Tcp::no_delay(true));
  b.set_option(Tcp::no_delay(true));
  a.set_option(asio::socket_base::send_buffer_size(1 << 20));
  b.set_option(asio::socket_base::receive_buffer_size(1 << 20));
  crypto::ChaChaKey k1;
  crypto::ChaChaKey k2;
  crypto::random_bytes(k1);
  crypto::random_bytes(k2);
  const crypto::X25519Point peer{};
  const crypto::Blake2sDigest h{};
  return {std::make_unique<NoiseStream>(std::make_unique<TcpStream>(std::move(a)), noise::Conn(145, peer, h, k1, k2)),
          std::make_unique<NoiseStream>(std::make_unique<TcpStream>(std::move(b)), noise::Conn(145, peer, h, k2, k1))};
}

asio::awaitable<void> write_side(NoiseStream& from, const Bytes& plaintext) { co_await from.write_all(plaintext); }

asio::awaitable<void> read_side(NoiseStream& to, Bytes& sink, bool& ok) {
  std::size_t got = 0;
  while (got < sink.size()) {
    const std::size_t n = co_await to.read_some(std::span<std::uint8_t>(sink).subspan(got));
    if (n == 0) break;
    got += n;
  }
  ok = got == sink.size();
}

void BM_NoiseStreamLoopback(benchmark::State& state) {
  asio::io_context io(1);
  LoopbackStreams streams = loopback_streams(io, io);
  const Bytes plaintext(kWrite, 0x5a);
  Bytes sink(kWrite);
  for (auto _ : state) {
    bool ok = false;
    asio::co_spawn(io, write_side(*streams.sender, plaintext), asio::detached);
    asio::co_spawn(io, read_side(*streams.receiver, sink, ok), asio::detached);
    io.restart();
    io.run();
    if (!ok) state.SkipWithError("stream failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kWrite));
}
BENCHMARK(BM_NoiseStreamLoopback);

// A record stream as two peers run it: the sender's NoiseStream (seal +
// send) on one thread with its own io_context, the receiver's (receive +
// open) on another, over loopback TCP. Plaintext bytes per wall-clock
// second: sealing and opening run concurrently on the two cores, so the
// limit is the slower direction of the AEAD (BM_RawChaChaSeal4K /
// BM_RawChaChaOpen4K), not their sum.
asio::awaitable<void> write_many(NoiseStream& from, const Bytes& plaintext, std::size_t writes) {
  for (std::size_t i = 0; i < writes; ++i) co_await from.write_all(plaintext);
}

void BM_NoiseStreamLoopbackTwoThreads(benchmark::State& state) {
  constexpr std::size_t kWritesPerIteration = 256;  // 16 MiB
  asio::io_context send_io(1);
  asio::io_context receive_io(1);
  LoopbackStreams streams = loopback_streams(send_io, receive_io);
  const Bytes plaintext(kWrite, 0x5a);
  Bytes sink(kWrite * kWritesPerIteration);
  for (auto _ : state) {
    bool ok = false;
    asio::co_spawn(receive_io, read_side(*streams.receiver, sink, ok), asio::detached);
    asio::co_spawn(send_io, write_many(*streams.sender, plaintext, kWritesPerIteration), asio::detached);
    receive_io.restart();
    send_io.restart();
    std::thread receiving([&] { receive_io.run(); });
    send_io.run();
    receiving.join();
    if (!ok) state.SkipWithError("stream failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kWrite * kWritesPerIteration));
}
BENCHMARK(BM_NoiseStreamLoopbackTwoThreads)->UseRealTime()->Unit(benchmark::kMillisecond);

// The limits of the two-thread stream: one direction of the AEAD on 4 KiB.
void BM_RawChaChaOneWay4K(benchmark::State& state) {
  const bool seal = state.range(0) == 0;
  Aead4K a;
  auto& [aead, nonce, plaintext, sealed, opened] = a;
  constexpr std::size_t n = Aead4K::n;
  aead.seal(nonce, ByteView{}, plaintext, sealed.data());
  for (auto _ : state) {
    if (seal) {
      aead.seal(nonce, ByteView{}, plaintext, sealed.data());
      benchmark::DoNotOptimize(sealed.data());
    } else {
      if (!aead.open(nonce, ByteView{}, sealed, opened.data())) state.SkipWithError("open failed");
      benchmark::DoNotOptimize(opened.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetLabel(seal ? "seal" : "open");
}
BENCHMARK(BM_RawChaChaOneWay4K)->Arg(0)->Arg(1);

}  // namespace
}  // namespace latchkey::transport
