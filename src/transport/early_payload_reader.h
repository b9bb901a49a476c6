// EarlyPayloadReader: the client's view of the server's plaintext stream,
// which may begin with an early payload (see early_payload.h) before HTTP/2.
// The first read takes 9 bytes: the early-payload header (then the JSON is
// consumed and kept) or the start of HTTP/2 (handed on unchanged). Anyone may
// wait for the outcome with early_payload(). Mirrors control/ts2021/conn.go
// (Conn.Read, readHeader, GetEarlyPayload).
#pragma once

#include <memory>
#include <optional>

#include <boost/asio/steady_timer.hpp>

#include "base/result.h"
#include "transport/byte_stream.h"
#include "transport/early_payload.h"

namespace latchkey::transport {

class EarlyPayloadReader final : public ByteStream {
 public:
  explicit EarlyPayloadReader(std::unique_ptr<ByteStream> inner);

  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> into) override;
  asio::awaitable<void> write_all(ByteView data) override { return inner_->write_all(data); }
  void close() noexcept override;
  void reset() noexcept override;
  asio::any_io_executor executor() const override { return inner_->executor(); }
  std::string remote_address() const override { return inner_->remote_address(); }
  bool mid_message() const override { return reading_header_ || inner_->mid_message(); }

  // Waits until the first bytes from the server arrived (someone must be
  // reading: the HTTP/2 client does). nullopt when the server sent none; an
  // error when the payload was malformed or the stream ended first.
  asio::awaitable<Result<std::optional<EarlyNoise>>> early_payload();

 private:
  asio::awaitable<void> read_header();
  void settle(Result<std::optional<EarlyNoise>> outcome);

  std::unique_ptr<ByteStream> inner_;
  bool header_done_ = false;
  bool reading_header_ = false;
  Bytes pending_;  // the 9 bytes when they belong to HTTP/2
  std::size_t pending_pos_ = 0;
  std::optional<Result<std::optional<EarlyNoise>>> outcome_;
  asio::steady_timer settled_;
};

}  // namespace latchkey::transport
