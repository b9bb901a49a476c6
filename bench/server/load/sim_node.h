// SimNode: one simulated node of the load tools (bench/server/load) — its
// machine, node and disco keys, the hostname and endpoints it reports, and
// what it says to the control server as upstream's controlclient does:
// dial a TS2021 connection with its machine key, register with a pre-auth
// key (RegisterRequest with Auth.AuthKey), and send MapRequests (a
// streaming one with Compress "zstd" and KeepAlive, or a lite update with
// OmitPeers). Mirrors control/controlclient/direct.go (doLogin,
// sendMapRequest). The keys live as long as the node: a reconnect dials
// again with the same machine key and reports the same node key.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "base/result.h"
#include "key/disco_key.h"
#include "key/machine_key.h"
#include "key/nl_key.h"
#include "key/node_key.h"
#include "tailcfg/map_request.h"
#include "transport/dialer.h"
#include "transport/http2_client.h"
#include "transport/ts2021_client.h"

namespace latchkey::load {

// Where the simulated nodes dial: the server's address and Noise key.
struct ControlTarget {
  transport::DialTarget target;
  key::MachinePublic key;  // from GET /key
};

struct SimNode {
  // "<prefix>-<index>", one endpoint 192.0.2.(index % 250 + 1):41641.
  SimNode(std::size_t index, const std::string& hostname_prefix);

  std::size_t index;
  key::MachinePrivate machine = key::MachinePrivate::generate();
  key::NodePrivate node = key::NodePrivate::generate();
  key::DiscoPrivate disco = key::DiscoPrivate::generate();
  // The node's own Tailnet Lock key, sent as RegisterRequest.NLKey when set
  // (the load tool's lock phase; upstream clients always send one).
  std::optional<key::NLPrivate> nl;
  std::string hostname;
  std::vector<tailcfg::AddrPort> endpoints;

  tailcfg::Hostinfo hostinfo() const;
  // A streaming map request (`stream`), or a lite update that only reports
  // the node's state (Stream false, OmitPeers).
  tailcfg::MapRequest map_request(bool stream) const;
};

inline constexpr std::uint16_t kSimInitialPort = 41641;

transport::Http2ClientRequest post_request(std::string path, const std::string& body);

// Dials a new TS2021 connection as `node`. Errors read "connect: …".
boost::asio::awaitable<Result<std::shared_ptr<transport::Ts2021Client>>> dial_control(const ControlTarget& control,
                                                                                     const SimNode& node);

// POST /machine/register with `auth_key`; succeeds when the server answers
// 200 with MachineAuthorized. Errors read "register: …".
boost::asio::awaitable<Status> register_node(transport::Ts2021Client& conn, const SimNode& node,
                                             const std::string& auth_key);

// A Tailnet Lock RPC as upstream's client sends it: GET /machine/tka/<endpoint>
// with a JSON body. The answer's status and body; errors only when no answer
// came.
struct RpcReply {
  unsigned status = 0;
  std::string body;
};
boost::asio::awaitable<Result<RpcReply>> tka_rpc(transport::Ts2021Client& conn, const std::string& endpoint,
                                                 const std::string& body);

// POST /machine/map with `body` (an encoded MapRequest); succeeds with the
// response when the server answered 200. Errors read "map request: …".
boost::asio::awaitable<Result<std::unique_ptr<transport::Http2ClientResponse>>> post_map_request(
    transport::Ts2021Client& conn, const std::string& body);

}  // namespace latchkey::load
