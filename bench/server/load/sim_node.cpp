#include "sim_node.h"

#include <optional>

#include "tailcfg/codec.h"
#include "tailcfg/register.h"

namespace latchkey::load {

SimNode::SimNode(std::size_t i, const std::string& hostname_prefix) : index(i) {
  hostname = hostname_prefix + "-" + std::to_string(i);
  endpoints.emplace_back(*tailcfg::IpAddr::parse("192.0.2." + std::to_string(i % 250 + 1)), kSimInitialPort);
}

tailcfg::Hostinfo SimNode::hostinfo() const {
  tailcfg::Hostinfo hi;
  hi.hostname = hostname;
  hi.os = "linux";
  return hi;
}

tailcfg::MapRequest SimNode::map_request(bool stream) const {
  tailcfg::MapRequest m;
  m.version = tailcfg::kCurrentCapabilityVersion;
  m.compress = "zstd";
  m.keep_alive = stream;
  m.node_key = node.public_key();
  m.disco_key = disco.public_key();
  m.stream = stream;
  // A lite update (upstream's sendMapRequest with isStreaming false):
  // only the new state, no peers wanted back.
  m.omit_peers = !stream;
  m.endpoints = endpoints;
  m.hostinfo = hostinfo();
  return m;
}

transport::Http2ClientRequest post_request(std::string path, const std::string& body) {
  transport::Http2ClientRequest req;
  req.method = "POST";
  req.path = std::move(path);
  req.body.assign(body.begin(), body.end());
  return req;
}

boost::asio::awaitable<Result<std::shared_ptr<transport::Ts2021Client>>> dial_control(const ControlTarget& control,
                                                                                     const SimNode& node) {
  transport::ClientConfig c;
  c.target = control.target;
  c.machine_key = node.machine;
  c.control_key = control.key;
  auto conn = co_await transport::Ts2021Client::connect(c);
  if (!conn) co_return Error{"connect: " + conn.message(), ErrorKind::Unavailable};
  co_return *conn;
}

boost::asio::awaitable<Status> register_node(transport::Ts2021Client& conn, const SimNode& node,
                                             const std::string& auth_key) {
  tailcfg::RegisterRequest r;
  r.version = tailcfg::kCurrentCapabilityVersion;
  r.node_key = node.node.public_key();
  r.auth = tailcfg::RegisterResponseAuth{std::nullopt, auth_key};
  r.hostinfo = node.hostinfo();
  if (node.nl) r.nl_key = node.nl->public_key();
  auto res = co_await conn.request(post_request("/machine/register", tailcfg::encode_json(r)));
  if (!res) co_return Error{"register: " + res.message(), ErrorKind::Unavailable};
  auto body = co_await (*res)->read_body(1 << 20);
  const unsigned status = (*res)->status();
  if (!body || status != 200) {
    co_return Error{"register: HTTP " + std::to_string(status) +
                    (body ? " " + std::string(body->begin(), body->end()) : " " + body.message())};
  }
  auto decoded = tailcfg::decode_json<tailcfg::RegisterResponse>(
      std::string_view(reinterpret_cast<const char*>(body->data()), body->size()));
  if (!decoded || !decoded->machine_authorized) {
    co_return Error{"register: not authorised: " + (decoded ? decoded->error : decoded.message())};
  }
  co_return Status{};
}

boost::asio::awaitable<Result<RpcReply>> tka_rpc(transport::Ts2021Client& conn, const std::string& endpoint,
                                                 const std::string& body) {
  transport::Http2ClientRequest req = post_request("/machine/tka/" + endpoint, body);
  req.method = "GET";
  auto res = co_await conn.request(std::move(req));
  if (!res) co_return Error{"tka " + endpoint + ": " + res.message(), ErrorKind::Unavailable};
  auto text = co_await (*res)->read_body(4u << 20);
  if (!text) co_return Error{"tka " + endpoint + ": " + text.message(), ErrorKind::Unavailable};
  co_return RpcReply{(*res)->status(), std::string(text->begin(), text->end())};
}

boost::asio::awaitable<Result<std::unique_ptr<transport::Http2ClientResponse>>> post_map_request(
    transport::Ts2021Client& conn, const std::string& body) {
  auto res = co_await conn.request(post_request("/machine/map", body));
  if (!res) co_return Error{"map request: " + res.message(), ErrorKind::Unavailable};
  if ((*res)->status() != 200) {
    auto text = co_await (*res)->read_body(1 << 16);
    co_return Error{"map request: HTTP " + std::to_string((*res)->status()) + " " +
                    (text ? std::string(text->begin(), text->end()) : "")};
  }
  co_return std::move(*res);
}

}  // namespace latchkey::load
