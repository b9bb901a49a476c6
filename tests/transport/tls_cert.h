// A self-signed certificate for TLS tests, made with OpenSSL at run time
// (P-256, valid for "localhost" and 127.0.0.1, by name and by SAN), once
// per process: servers present it, clients that are to trust it get its
// certificate as a CA file or context.
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

struct TestCertificate {
  std::string cert_pem;  // the certificate (its own CA)
  std::string key_pem;   // its private key
};

// `san`: the subjectAltName it carries.
inline TestCertificate make_test_certificate(const char* san = "DNS:localhost,IP:127.0.0.1") {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  if (!pkey) throw std::runtime_error("EVP_EC_gen failed");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, pkey);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    if (!ext) throw std::runtime_error("X509V3_EXT_conf_nid failed");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, pkey, EVP_sha256());

  auto pem_of = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));  // BIO_get_mem_data
    std::string pem(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return pem;
  };
  TestCertificate out;
  out.cert_pem = pem_of([&](BIO* b) { PEM_write_bio_X509(b, cert); });
  out.key_pem = pem_of([&](BIO* b) { PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(cert);
  EVP_PKEY_free(pkey);
  return out;
}

// The process's test certificate.
inline const TestCertificate& test_certificate() {
  static const TestCertificate c = make_test_certificate();
  return c;
}

inline std::shared_ptr<boost::asio::ssl::context> server_context(const TestCertificate& c) {
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  ctx->use_certificate_chain(boost::asio::buffer(c.cert_pem));
  ctx->use_private_key(boost::asio::buffer(c.key_pem), boost::asio::ssl::context::pem);
  return ctx;
}

inline std::shared_ptr<boost::asio::ssl::context> self_signed_server_context() {
  return server_context(test_certificate());
}

// A verifying client context that trusts the test certificate.
inline std::shared_ptr<boost::asio::ssl::context> trusting_client_context() {
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  ctx->add_certificate_authority(boost::asio::buffer(test_certificate().cert_pem));
  ctx->set_verify_mode(boost::asio::ssl::verify_peer);
  return ctx;
}

}  // namespace latchkey::transport::testing
