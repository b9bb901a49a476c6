// Dialing a control server: resolve, connect TCP, and (for https) run a TLS
// handshake. Two kinds of TLS client context: the /ts2021 dial verifies
// nothing — upstream's controlhttp demotes certificate errors to log lines,
// because the Noise handshake inside authenticates the server by its
// control key (a MITM sees only Noise) — while GET /key, where that control
// key comes from, verifies the certificate chain and the host name as
// upstream's loadServerPubKeys does: without it a MITM could hand out its
// own Noise key and receive the pre-auth key.
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
// A client TLS context that verifies the peer against the system's roots
// (OpenSSL's default paths, so SSL_CERT_FILE and SSL_CERT_DIR apply) and,
// when `ca_file` is not empty, the PEM certificates in it too. Throws
// std::system_error when `ca_file` cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> verifying_tls_client_context(const std::string& ca_file = "");

// A TLS client stream over a connected socket, not yet handshaken; with the
// unverified context unless one is given.
TlsSocket make_tls_socket(Tcp::socket socket);
TlsSocket make_tls_socket(Tcp::socket socket, boost::asio::ssl::context& context);
// TLS client handshake (SNI set). With `verify_host`, the certificate must
// also name target.host (a DNS name or an IP address). Throws on failure;
// closing the socket meanwhile aborts it.
boost::asio::awaitable<void> tls_handshake(TlsSocket& tls, const DialTarget& target, bool verify_host = false);

}  // namespace latchkey::transport
