#include "transport/noise_stream.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "transport/transport_error.h"

namespace latchkey::transport {

namespace {
// Ciphertext is read 16 KiB at a time, and 64 KiB at a time once a read has
// filled the smaller buffer (a bulk transfer): fewer system calls and
// coroutine resumptions per record. The buffer goes when the stream idles.
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kBulkReadChunk = 64 * 1024;
}  // namespace

CloseReason classify_record_error(std::string_view message) {
  // noise::RecordDecoder's texts (upstream's errReadTooBig wording for a
  // frame over 4096 bytes).
  if (message.find("exceeds max allowed Noise frame size") != std::string_view::npos) {
    return CloseReason::OversizedFrame;
  }
  if (message.rfind("unexpected EOF", 0) == 0) return CloseReason::PeerClosed;
  return CloseReason::CorruptRecord;
}

NoiseStream::NoiseStream(std::unique_ptr<ByteStream> lower, noise::Conn conn, Bytes initial_ciphertext,
                         TransportCounters* counters)
    : lower_(std::move(lower)),
      version_(conn.protocol_version()),
      peer_(conn.peer()),
      handshake_hash_(conn.handshake_hash()),
      tx_(conn.take_sender()),
      rx_(conn.take_receiver()),
      counters_(counters) {
  if (!initial_ciphertext.empty()) decode(initial_ciphertext);
}

void NoiseStream::decode(ByteView ciphertext) {
  std::size_t base = plain_.size();
  plain_.resize(base + rx_.max_plaintext(ciphertext.size()));
  std::size_t n = decode_into(ciphertext, std::span<std::uint8_t>(plain_).subspan(base));
  plain_.resize(base + n);
}

std::size_t NoiseStream::decode_into(ByteView ciphertext, std::span<std::uint8_t> out) {
  auto result = rx_.decode(ciphertext, out);
  if (counters_) counters_->bytes_received.fetch_add(result.plaintext_size, std::memory_order_relaxed);
  if (!result.status && !rx_error_) {
    rx_error_ = Failure{classify_record_error(result.status.message()), "noise: " + result.status.message()};
  }
  return result.plaintext_size;
}

asio::awaitable<std::size_t> NoiseStream::read_some(std::span<std::uint8_t> into) {
  while (plain_pos_ == plain_.size()) {
    plain_.clear();
    plain_pos_ = 0;
    if (rx_error_) throw TransportError(rx_error_->reason, rx_error_->message);
    if (rx_wire_.empty()) rx_wire_.resize(kReadChunk);
    std::size_t n = co_await lower_->read_some(rx_wire_);
    if (n == 0) {
      auto end = rx_.end_of_stream();
      if (!end) throw TransportError(classify_record_error(end.message()), "noise: " + end.message());
      co_return 0;
    }
    const ByteView ciphertext(rx_wire_.data(), n);
    const bool filled = n == rx_wire_.size();
    // With room for everything these bytes can complete, the plaintext goes
    // straight to the caller: no staging copy.
    std::size_t direct = 0;
    if (into.size() >= rx_.max_plaintext(n)) {
      direct = decode_into(ciphertext, into);
    } else {
      decode(ciphertext);
    }
    if (filled && rx_wire_.size() < kBulkReadChunk) rx_wire_.resize(kBulkReadChunk);
    if (direct > 0) co_return direct;
    // Otherwise: staged plaintext, a partial frame, or an error thrown above.
  }
  std::size_t n = std::min(into.size(), plain_.size() - plain_pos_);
  std::memcpy(into.data(), plain_.data() + plain_pos_, n);
  plain_pos_ += n;
  co_return n;
}

asio::awaitable<void> NoiseStream::wait_readable() {
  if (plain_pos_ < plain_.size() || rx_error_) co_return;
  Bytes().swap(plain_);
  plain_pos_ = 0;
  Bytes().swap(rx_wire_);
  rx_.release_idle();
  co_await lower_->wait_readable();
}

asio::awaitable<void> NoiseStream::write_all(ByteView data) {
  if (data.empty()) co_return;
  // Sealed into a buffer that lives only for this write: a long-lived
  // connection should not keep its largest write's worth of memory.
  // (Not zero-filled: the sealer writes every byte it reports.)
  const std::size_t capacity = noise::RecordSealer::sealed_size(data.size());
  auto storage = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
  std::span<std::uint8_t> wire(storage.get(), capacity);
  auto sealed = tx_.seal(data, wire);
  // The AEAD's OpenSSL contexts go back to the thread's pool between writes
  // (re-taking them costs one key setup): an idle connection holds none.
  tx_.release_idle();
  if (!sealed.ok()) throw TransportError(CloseReason::IoError, "noise: " + sealed.message());
  co_await lower_->write_all(ByteView(wire.data(), *sealed));
  if (counters_) counters_->bytes_sent.fetch_add(data.size(), std::memory_order_relaxed);
}

}  // namespace latchkey::transport
