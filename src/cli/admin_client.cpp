#include "cli/admin_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "cli/table.h"
#include "server/serve_config.h"

namespace latchkey::cli {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Local = asio::local::stream_protocol;

namespace {
// How long the command waits for the server's answer.
constexpr int kReplyTimeoutSeconds = 60;
// Answers larger than this are refused (a listing of many thousand nodes fits).
constexpr std::uint64_t kReplyLimit = 256ull << 20;
}  // namespace

CLI::App* command_group(CLI::App& app, const std::string& name, const std::string& description) {
  auto found = app.get_subcommands([&](const CLI::App* sub) { return sub->get_name() == name; });
  if (!found.empty()) return found.front();
  auto* group = app.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

void add_admin_options(CLI::App* cmd, AdminOptions& opts, bool list) {
  cmd->add_option("--socket,-s", opts.socket_path,
                  "the running server's admin socket (default: from --config, else ./latchkey.sock)");
  cmd->add_option("--config,-c", opts.config_path,
                  "the `latchkey serve` config file; its admin_socket (default: latchkey.sock next to the database)");
  if (list) cmd->add_flag("--json", opts.json, "print JSON instead of a table");
}

Result<std::string> admin_socket_path(const AdminOptions& opts) {
  if (!opts.socket_path.empty()) return opts.socket_path;
  auto config = server::load_serve_config(opts.config_path);
  if (!config) return config.error();
  return config->admin_socket;
}

Result<LocalHttpReply> local_http_request(const std::string& socket_path, std::string_view method,
                                          const std::string& target, const std::string& body) {
  asio::io_context io;
  Local::socket sock(io);
  boost::system::error_code ec;
  sock.connect(Local::endpoint(socket_path), ec);
  if (ec) {
    return Error{ec.message(), ec == boost::system::errc::no_such_file_or_directory ? ErrorKind::NotFound
                                                                                   : ErrorKind::Unavailable};
  }
  timeval tv{kReplyTimeoutSeconds, 0};
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "latchkey");
  req.set(http::field::user_agent, "latchkey-cli");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();
  http::write(sock, req, ec);
  if (ec) return Error{"sending the request: " + ec.message(), ErrorKind::Unavailable};

  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kReplyLimit);
  http::read(sock, buffer, parser, ec);
  if (ec) return Error{"reading the answer: " + ec.message(), ErrorKind::Unavailable};
  auto& res = parser.get();
  LocalHttpReply out;
  out.status = res.result_int();
  out.content_type = std::string(res[http::field::content_type]);
  out.body = std::move(res.body());
  return out;
}

Result<AdminReply> admin_request(const std::string& socket_path, std::string_view method, const std::string& target,
                                 const std::string& body) {
  auto reply = local_http_request(socket_path, method, target, body);
  if (!reply) {
    return Error{"cannot reach the latchkey server at " + socket_path + ": " + reply.message() +
                     " (is `latchkey serve` running?)",
                 ErrorKind::Unavailable};
  }
  AdminReply out;
  out.status = reply->status;
  try {
    out.body = nlohmann::json::parse(reply->body);
  } catch (const nlohmann::json::exception& e) {
    return Error{"the server's answer (HTTP " + std::to_string(out.status) + ") is not JSON: " + e.what(),
                 ErrorKind::Internal};
  }
  return out;
}

nlohmann::json call_or_fail(const std::string& command, const AdminOptions& opts, std::string_view method,
                            const std::string& target, const nlohmann::json& body) {
  auto path = admin_socket_path(opts);
  if (!path) fail(command, path.message());
  auto reply = admin_request(*path, method, target, body.is_null() ? std::string() : body.dump());
  if (!reply) fail(command, reply.message());
  if (reply->status != 200) {
    const auto it = reply->body.find("error");
    fail(command, it != reply->body.end() && it->is_string()
                      ? it->get<std::string>()
                      : "the server answered HTTP " + std::to_string(reply->status));
  }
  return std::move(reply->body);
}

void fail(const std::string& command, const std::string& message) {
  // CLI11 does not print a RuntimeError's text, so say it here.
  std::cerr << command << ": " << message << "\n";
  throw CLI::RuntimeError(command + ": " + message, 1);
}

std::string list_text(const nlohmann::json& items) {
  std::vector<std::string> out;
  if (items.is_array()) {
    for (const auto& s : items) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return comma_list(out);
}

std::string time_text(const nlohmann::json& t, const std::string& none) {
  if (!t.is_string()) return none;
  std::string s = t.get<std::string>();
  // Drop the fraction of a second: "...:05.123Z" -> "...:05Z".
  const auto dot = s.find('.');
  if (dot != std::string::npos) {
    auto end = dot + 1;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    s.erase(dot, end - dot);
  }
  return s;
}

}  // namespace latchkey::cli
