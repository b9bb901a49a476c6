// NoiseStream over a real loopback TCP connection: every byte arrives in
// order whatever the write sizes and the reader's buffer sizes (the reader
// decodes straight into a large enough buffer and stages plaintext for a
// small one), and a corrupted record delivers the plaintext before it, then
// fails the stream as a corrupt record.
#include "transport/noise_stream.h"

#include <gtest/gtest.h>

#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "crypto/random.h"
#include "noise/conn.h"
#include "noise/record_sealer.h"
#include "loopback.h"
#include "transport/socket_stream.h"
#include "transport/transport_error.h"

namespace latchkey::transport {
namespace {

using testing::run_loopback;

struct Keys {
  crypto::ChaChaKey a_to_b, b_to_a;
  Keys() {
    crypto::random_bytes(a_to_b);
    crypto::random_bytes(b_to_a);
  }
};

asio::awaitable<std::pair<Tcp::socket, Tcp::socket>> connected_pair(asio::io_context& io) {
  Tcp::acceptor acceptor(io, Tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  Tcp::socket a(io);
  co_await a.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
  Tcp::socket b = co_await acceptor.async_accept(asio::use_awaitable);
  co_return std::pair<Tcp::socket, Tcp::socket>{std::move(a), std::move(b)};
}

Bytes pattern(std::size_t n, std::size_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 131 + seed * 7) >> 3);
  return b;
}

TEST(NoiseStream, AnyWriteAndReadSizesDeliverTheSameBytes) {
  const Keys keys;
  const std::vector<std::size_t> writes = {1, 4077, 4078, 100, 65536, 200000, 3, 16384, 70000};
  const std::vector<std::size_t> reads = {1, 100, 5000, 70000, 262144};
  Bytes expected;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const Bytes p = pattern(writes[i], i);
    expected.insert(expected.end(), p.begin(), p.end());
  }
  for (std::size_t read_size : reads) {
    run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
      auto [a, b] = co_await connected_pair(io);
      const crypto::X25519Point peer{};
      const crypto::Blake2sDigest h{};
      NoiseStream sender(std::make_unique<TcpStream>(std::move(a)), noise::Conn(145, peer, h, keys.a_to_b, keys.b_to_a));
      NoiseStream receiver(std::make_unique<TcpStream>(std::move(b)),
                           noise::Conn(145, peer, h, keys.b_to_a, keys.a_to_b));
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            for (std::size_t i = 0; i < writes.size(); ++i) co_await sender.write_all(pattern(writes[i], i));
          },
          asio::detached);
      Bytes got;
      Bytes buffer(read_size);
      while (got.size() < expected.size()) {
        const std::size_t n = co_await receiver.read_some(buffer);
        CO_ASSERT_TRUE(n > 0);
        got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
      }
      EXPECT_EQ(got.size(), expected.size()) << "read size " << read_size;
      EXPECT_TRUE(got == expected) << "read size " << read_size;
    });
  }
}

TEST(NoiseStream, CorruptRecordFailsAfterThePlaintextBeforeIt) {
  const Keys keys;
  for (std::size_t read_size : {std::size_t{64}, std::size_t{1} << 20}) {
    run_loopback([&](asio::io_context& io) -> asio::awaitable<void> {
      auto [a, b] = co_await connected_pair(io);
      const crypto::X25519Point peer{};
      const crypto::Blake2sDigest h{};
      TcpStream raw_sender(std::move(a));
      NoiseStream receiver(std::make_unique<TcpStream>(std::move(b)),
                           noise::Conn(145, peer, h, keys.b_to_a, keys.a_to_b));
      noise::RecordSealer sealer(keys.a_to_b);
      const Bytes good = pattern(5000, 1);  // two records
      Bytes wire(noise::RecordSealer::sealed_size(good.size()) + noise::RecordSealer::sealed_size(10));
      auto n1 = sealer.seal(good, wire);
      CO_ASSERT_TRUE(n1.ok());
      auto n2 = sealer.seal(pattern(10, 2), std::span<std::uint8_t>(wire).subspan(*n1));
      CO_ASSERT_TRUE(n2.ok());
      wire.resize(*n1 + *n2);
      wire[*n1 + 5] ^= 0x01;  // inside the third record's ciphertext
      co_await raw_sender.write_all(wire);

      Bytes got;
      Bytes buffer(read_size);
      bool failed = false;
      try {
        for (;;) {
          const std::size_t n = co_await receiver.read_some(buffer);
          if (n == 0) break;
          got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
        }
      } catch (const TransportError& e) {
        failed = true;
        EXPECT_EQ(e.reason(), CloseReason::CorruptRecord) << e.what();
      }
      EXPECT_TRUE(failed);
      EXPECT_TRUE(got == good) << "got " << got.size() << " bytes with read size " << read_size;
    });
  }
}

}  // namespace
}  // namespace latchkey::transport
