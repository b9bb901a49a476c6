#include "transport/noise_stream.h"

#include <algorithm>
#include <cstring>

#include "transport/transport_error.h"

namespace latchkey::transport {

namespace {
constexpr std::size_t kReadChunk = 16 * 1024;
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
  auto result = rx_.decode(ciphertext, std::span<std::uint8_t>(plain_).subspan(base));
  plain_.resize(base + result.plaintext_size);
  if (counters_) counters_->bytes_received.fetch_add(result.plaintext_size, std::memory_order_relaxed);
  if (!result.status && !rx_error_) {
    rx_error_ = Failure{classify_record_error(result.status.message()), "noise: " + result.status.message()};
  }
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
    decode(ByteView(rx_wire_.data(), n));
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
  Bytes wire(noise::RecordSealer::sealed_size(data.size()));
  auto sealed = tx_.seal(data, wire);
  // The AEAD's OpenSSL contexts go back to the thread's pool between writes
  // (re-taking them costs one key setup): an idle connection holds none.
  tx_.release_idle();
  if (!sealed.ok()) throw TransportError(CloseReason::IoError, "noise: " + sealed.message());
  co_await lower_->write_all(ByteView(wire.data(), *sealed));
  if (counters_) counters_->bytes_sent.fetch_add(data.size(), std::memory_order_relaxed);
}

}  // namespace latchkey::transport
