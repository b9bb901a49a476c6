#include "transport/early_payload_reader.h"

#include <algorithm>
#include <cstring>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "transport/transport_error.h"

namespace latchkey::transport {

EarlyPayloadReader::EarlyPayloadReader(std::unique_ptr<ByteStream> inner)
    : inner_(std::move(inner)), settled_(inner_->executor()) {}

void EarlyPayloadReader::close() noexcept {
  inner_->close();
  if (!outcome_) settle(Error{"connection closed before the server sent anything"});
}

void EarlyPayloadReader::reset() noexcept {
  inner_->reset();
  if (!outcome_) settle(Error{"connection reset before the server sent anything"});
}

void EarlyPayloadReader::settle(Result<std::optional<EarlyNoise>> outcome) {
  if (outcome_) return;
  outcome_ = std::move(outcome);
  settled_.cancel();
}

asio::awaitable<void> EarlyPayloadReader::read_header() {
  reading_header_ = true;
  Bytes header(kEarlyPayloadHeaderSize);
  std::size_t got = 0;
  while (got < header.size()) {
    std::size_t n = 0;
    try {
      n = co_await inner_->read_some(std::span<std::uint8_t>(header).subspan(got));
    } catch (...) {
      reading_header_ = false;
      settle(Error{classify_failure(std::current_exception()).message});
      throw;
    }
    if (n == 0) break;
    got += n;
  }
  reading_header_ = false;
  header_done_ = true;
  header.resize(got);
  if (got < kEarlyPayloadHeaderSize) {
    // Too short for either an early payload or an HTTP/2 frame header; what
    // there is goes on to HTTP/2, which reports the truncation.
    settle(std::optional<EarlyNoise>());
    pending_ = std::move(header);
    co_return;
  }
  auto announced = parse_early_payload_header(header);
  if (!announced) {
    settle(std::optional<EarlyNoise>());
    pending_ = std::move(header);
    co_return;
  }
  if (!announced->ok()) {
    settle(announced->error());
    throw TransportError(CloseReason::ProtocolError, "early payload: " + announced->message());
  }
  Bytes json(**announced);
  reading_header_ = true;
  bool complete = co_await read_exact(*inner_, json);
  reading_header_ = false;
  if (!complete) {
    settle(Error{"stream ended inside the early payload"});
    throw TransportError(CloseReason::PeerClosed, "stream ended inside the early payload");
  }
  auto early = parse_early_payload_json(json);
  if (!early.ok()) {
    settle(early.error());
    throw TransportError(CloseReason::ProtocolError, "early payload: " + early.message());
  }
  settle(std::optional<EarlyNoise>(std::move(*early)));
}

asio::awaitable<std::size_t> EarlyPayloadReader::read_some(std::span<std::uint8_t> into) {
  if (!header_done_) co_await read_header();
  if (pending_pos_ < pending_.size()) {
    std::size_t n = std::min(into.size(), pending_.size() - pending_pos_);
    std::memcpy(into.data(), pending_.data() + pending_pos_, n);
    pending_pos_ += n;
    co_return n;
  }
  co_return co_await inner_->read_some(into);
}

asio::awaitable<Result<std::optional<EarlyNoise>>> EarlyPayloadReader::early_payload() {
  while (!outcome_) {
    settled_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await settled_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return *outcome_;
}

}  // namespace latchkey::transport
