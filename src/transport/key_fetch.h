// The client side of GET /key?v=N: fetches the server's Noise public key over
// plain HTTP/1.1 or HTTPS before dialing /ts2021 (upstream
// controlclient.loadServerPubKeys). Over HTTPS the certificate is verified
// (chain and host name, dialer.h): the key it returns is what every later
// Noise session trusts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "base/result.h"
#include "transport/dialer.h"
#include "transport/key_endpoint.h"

namespace latchkey::transport {

// `tls`: the verifying context to use for https (null: the system's roots,
// verifying_tls_client_context()). A certificate that does not verify is
// an error naming it.
boost::asio::awaitable<Result<ServerKeys>> fetch_server_keys(
    const DialTarget& target, std::uint16_t capability_version,
    std::chrono::milliseconds timeout = std::chrono::seconds(30),
    std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

}  // namespace latchkey::transport
