// MapStreamReader: the messages of one streaming map response, as a client
// reads them — HTTP/2 DATA chunks split into frames (4-byte little-endian
// length, body zstd-compressed when the request asked for it) and handed
// out one JSON message at a time. Mirrors the read loop of upstream's
// controlclient.Direct.sendMapRequest.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "base/result.h"
#include "transport/map_frame.h"
#include "transport/http2_client.h"

namespace latchkey::load {

class MapStreamReader {
 public:
  // `wire_bytes`, if given, is added every received chunk's size (framed,
  // compressed).
  explicit MapStreamReader(std::unique_ptr<transport::Http2ClientResponse> response, bool zstd = true,
                           std::atomic<std::uint64_t>* wire_bytes = nullptr)
      : response_(std::move(response)), frames_(zstd), wire_bytes_(wire_bytes) {}

  // The next message's JSON; nullopt when the stream is over — the server
  // finished it, or the stream or connection failed (end_error() then says
  // why). Fails on a malformed or oversized frame.
  boost::asio::awaitable<Result<std::optional<std::string>>> next();

  // Messages returned so far (keepalives included): the first is the full map.
  std::uint64_t messages() const { return messages_; }
  // Why the stream ended when it did not end cleanly; empty otherwise.
  const std::string& end_error() const { return end_error_; }

 private:
  std::unique_ptr<transport::Http2ClientResponse> response_;
  transport::MapFrameReader frames_;
  std::atomic<std::uint64_t>* wire_bytes_;
  std::uint64_t messages_ = 0;
  bool ended_ = false;
  std::string end_error_;
};

}  // namespace latchkey::load
