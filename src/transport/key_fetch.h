// The client side of GET /key?v=N: fetches the server's Noise public key over
// plain HTTP/1.1 or HTTPS before dialing /ts2021 (upstream
// controlclient.loadServerPubKeys).
#pragma once

#include <chrono>
#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "base/result.h"
#include "transport/dialer.h"
#include "transport/key_endpoint.h"

namespace latchkey::transport {

boost::asio::awaitable<Result<ServerKeys>> fetch_server_keys(
    const DialTarget& target, std::uint16_t capability_version,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace latchkey::transport
