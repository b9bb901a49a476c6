// A self-signed certificate for TLS tests, made with OpenSSL at run time
// (P-256, valid for "localhost" and 127.0.0.1).
#pragma once

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace latchkey::transport::testing {

inline std::shared_ptr<boost::asio::ssl::context> self_signed_server_context() {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  if (!pkey) throw std::runtime_error("EVP_EC_gen failed");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, pkey);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, pkey, EVP_sha256());

  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));  // BIO_get_mem_data
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  X509_free(cert);
  EVP_PKEY_free(pkey);

  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  ctx->use_certificate_chain(boost::asio::buffer(pem));
  ctx->use_private_key(boost::asio::buffer(pem), boost::asio::ssl::context::pem);
  return ctx;
}

}  // namespace latchkey::transport::testing
