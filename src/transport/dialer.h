// Dialing a control server: resolve, connect TCP, and (for https) run a TLS
// handshake whose certificate is not verified — upstream's controlhttp
// demotes certificate errors to log lines, because the Noise handshake inside
// authenticates the server by its control key (a MITM sees only Noise).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "transport/socket_stream.h"

namespace latchkey::transport {

struct DialTarget {
  std::string host;            // name or address, no port
  std::uint16_t port = 80;
  bool tls = false;            // https
  std::string tls_server_name; // SNI; defaults to host when it is a name

  // "host:port" as in the Host header and :authority (IPv6 in brackets).
  std::string host_port() const;
};

// Resolves and connects `socket` (first address that accepts). Throws on
// failure. Closing the socket meanwhile aborts the attempt.
boost::asio::awaitable<void> connect_tcp(Tcp::socket& socket, const DialTarget& target);

// A client TLS context that offers no ALPN and verifies nothing (see above).
std::shared_ptr<boost::asio::ssl::context> unverified_tls_client_context();

// A TLS client stream over a connected socket, not yet handshaken.
TlsSocket make_tls_socket(Tcp::socket socket);
// TLS client handshake (SNI set). Throws on failure; closing the socket
// meanwhile aborts it.
boost::asio::awaitable<void> tls_handshake(TlsSocket& tls, const DialTarget& target);

}  // namespace latchkey::transport
