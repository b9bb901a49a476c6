// What `latchkey serve --check-config` verifies beyond parsing the config
// (parse_serve_config already checked every value): that the files the
// config names can be used — each private key file parses, or can be
// created (its directory exists and is writable); the TLS certificate and
// key load; the SQLite database file is readable and writable, or its
// directory exists and is writable; the admin socket's directory exists.
// Nothing is created or changed. Also the TLS loading `latchkey serve`
// itself uses, so that the check and the start agree.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "base/result.h"
#include "server/serve_config.h"

namespace latchkey::server {

// The first problem found, naming the setting and the file.
Status check_serve_files(const ServeConfig& config);

// A TLS server context from a PEM certificate chain file and private key file.
Result<std::shared_ptr<boost::asio::ssl::context>> load_tls_context(const std::string& cert_path,
                                                                    const std::string& key_path);

}  // namespace latchkey::server
