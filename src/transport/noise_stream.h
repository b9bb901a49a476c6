// NoiseStream: a ByteStream of plaintext over an established TS2021 Noise
// session (noise::Conn) and the ByteStream beneath it. Writes become record
// frames of at most 4077 plaintext bytes, all frames of one write leaving in
// one write below; reads decrypt frames as they complete. A corrupt record,
// an oversized or unexpected frame, or a stream cut mid-frame ends the
// stream with a TransportError naming why. Upstream: controlbase.Conn's
// Read/Write (control/controlbase/conn.go) over its net.Conn.
#pragma once

#include <memory>
#include <optional>

#include "noise/conn.h"
#include "transport/byte_stream.h"
#include "transport/counters.h"
#include "transport/transport_error.h"

namespace latchkey::transport {

class NoiseStream final : public ByteStream {
 public:
  // `initial_ciphertext`: transport bytes that arrived with the handshake
  // (e.g. right behind the server's response); decoded before reading below.
  NoiseStream(std::unique_ptr<ByteStream> lower, noise::Conn conn, Bytes initial_ciphertext = {},
              TransportCounters* counters = nullptr);

  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> into) override;
  asio::awaitable<void> write_all(ByteView data) override;
  // Releases the read buffers and the decoder's AEAD contexts while nothing
  // is pending, then waits below.
  asio::awaitable<void> wait_readable() override;
  void close() noexcept override { lower_->close(); }
  void reset() noexcept override { lower_->reset(); }
  asio::any_io_executor executor() const override { return lower_->executor(); }
  std::string remote_address() const override { return lower_->remote_address(); }
  bool mid_message() const override { return rx_.buffered() > 0; }

  std::uint16_t protocol_version() const { return version_; }
  const crypto::X25519Point& peer() const { return peer_; }
  const crypto::Blake2sDigest& handshake_hash() const { return handshake_hash_; }

 private:
  void decode(ByteView ciphertext);  // into plain_
  std::size_t decode_into(ByteView ciphertext, std::span<std::uint8_t> out);

  std::unique_ptr<ByteStream> lower_;
  std::uint16_t version_;
  crypto::X25519Point peer_;
  crypto::Blake2sDigest handshake_hash_;
  noise::RecordSealer tx_;
  noise::RecordDecoder rx_;
  TransportCounters* counters_;
  Bytes rx_wire_;        // read buffer for ciphertext (released while idle)
  Bytes plain_;          // decrypted, not yet delivered (released while idle)
  std::size_t plain_pos_ = 0;
  std::optional<Failure> rx_error_;  // reported once the plaintext before it is delivered
};

// The CloseReason for an error text of noise::RecordDecoder.
CloseReason classify_record_error(std::string_view message);

}  // namespace latchkey::transport
