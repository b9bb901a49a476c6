#include "transport/dialer.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace latchkey::transport {

std::string DialTarget::host_port() const {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  std::string h = (!ec && addr.is_v6()) ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

asio::awaitable<void> connect_tcp(Tcp::socket& socket, const DialTarget& target) {
  Tcp::resolver resolver(socket.get_executor());
  const std::string service = std::to_string(target.port);
  auto endpoints = co_await resolver.async_resolve(target.host, service, asio::use_awaitable);
  co_await asio::async_connect(socket, endpoints, asio::use_awaitable);
  socket.set_option(Tcp::no_delay(true));
}

std::shared_ptr<asio::ssl::context> unverified_tls_client_context() {
  static std::shared_ptr<asio::ssl::context> ctx = [] {
    auto c = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    c->set_verify_mode(asio::ssl::verify_none);
    return c;
  }();
  return ctx;
}

std::shared_ptr<asio::ssl::context> verifying_tls_client_context(const std::string& ca_file) {
  auto c = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  c->set_default_verify_paths();
  if (!ca_file.empty()) c->load_verify_file(ca_file);
  c->set_verify_mode(asio::ssl::verify_peer);
  return c;
}

TlsSocket make_tls_socket(Tcp::socket socket) { return TlsSocket(std::move(socket), *unverified_tls_client_context()); }

TlsSocket make_tls_socket(Tcp::socket socket, asio::ssl::context& context) {
  return TlsSocket(std::move(socket), context);
}

asio::awaitable<void> tls_handshake(TlsSocket& tls, const DialTarget& target, bool verify_host) {
  if (verify_host) tls.set_verify_callback(asio::ssl::host_name_verification(target.host));
  std::string sni = target.tls_server_name;
  boost::system::error_code ec;
  if (sni.empty()) {
    asio::ip::make_address(target.host, ec);
    if (ec) sni = target.host;  // a name, not an address literal
  }
  if (!sni.empty()) {
    // SSL_set_tlsext_host_name is a macro with a C cast; this is its body.
    SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(sni.c_str()));
  }
  co_await tls.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
}

}  // namespace latchkey::transport
