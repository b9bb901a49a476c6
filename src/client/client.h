// Client: a node of a tailnet, as `latchkey up` runs it and applications
// embed it (the C++ API under liblatchkey). It logs in, follows the map
// stream and acquires the tailnet's lock, feeding the sans-IO pieces
// (LoginFlow, MapSession, NetmapState, LockSync, PeerTable) from one I/O
// thread of its own, so none of them needs a lock. The public methods are
// safe from any thread except the callbacks' (they run on the I/O thread).
//
// The driver's routines (upstream control/controlclient/auto.go):
//  - login: the stored node key again, or a pre-auth key, or interactive
//    (the AuthURL is published and the follow-up long-polls), retried with
//    backoff; a 429's Retry-After is honoured; when the node key expires
//    the node logs in again with a new one (a rotation the server sees
//    through OldNodeKey);
//  - the map stream: watchdog (120 s without a byte, as upstream), redial
//    with backoff, a fresh MapSession per stream;
//  - lite updates: when the local lock head changes, MapRequest.TKAHead
//    tells the server;
//  - the lock: LockSync's RPCs, each with a 60 s deadline, retries on its
//    timer. While a sync a full netmap started is running, the peer parts of
//    the messages that follow wait (the lock barrier), so a peer never
//    appears judged against a view the next moment replaces.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "client/peer_table.h"
#include "client/status.h"
#include "tailcfg/types.h"

namespace latchkey::client {

struct ClientOptions {
  std::string login_server;          // http://host[:port] or https://host[:port]
  std::string auth_key;              // empty: interactive login (or the stored node key)
  std::string hostname;              // Hostinfo.Hostname; empty: the machine's host name
  std::filesystem::path state_dir;   // identity.json and tka/, 0700
  LockMode lock_mode = LockMode::VerifyAndLog;
  bool websocket = false;            // dial /ts2021 in its WebSocket form
  // PEM certificates trusted for an https login server besides the
  // system's roots (a private CA); its certificate is checked when the
  // server's Noise key is fetched.
  std::string tls_ca_file;
  bool ephemeral = false;
  tailcfg::CapabilityVersion capability_version = tailcfg::kCurrentCapabilityVersion;
  // How long one lock RPC may take in all (upstream: a minute).
  std::chrono::milliseconds lock_rpc_deadline{std::chrono::seconds(60)};
  // How long the map stream may stay silent before it is dropped and
  // dialed again (upstream: 120 s; the server sends keepalives every
  // minute or so).
  std::chrono::milliseconds map_watchdog{std::chrono::seconds(120)};
  // Where log lines go (one line each, no newline); stderr when empty.
  std::function<void(std::string_view)> log;
};

// What subscribers hear about.
struct ClientEvent {
  enum class Type : std::uint8_t {
    State,  // backend state changed (text: its name)
    Login,  // an interactive login waits at text (the AuthURL)
    Peer,   // a peer was added, changed or removed (peer)
    Lock,   // the lock view changed (text: off, pending or active)
    Error,  // something failed and will be retried (text)
  };
  Type type = Type::State;
  std::string text;
  std::optional<PeerEvent> peer;
  std::optional<PeerStatus> peer_status;  // Peer: the peer as status shows it after the change
};

// An event as the C API hands it out: {"type":"state","state":…},
// {"type":"login","auth_url":…}, {"type":"peer","change":"added|changed|
// removed","peer":{…},"old_verdict":…}, {"type":"lock","state":…},
// {"type":"error","message":…}.
std::string event_to_json(const ClientEvent& event);

class Client {
 public:
  // Opens the state directory (locked against a second client) and reads
  // or creates the identity; nothing is sent until start().
  static Result<std::unique_ptr<Client>> create(ClientOptions options);
  ~Client();  // stops
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Starts the I/O thread; returns at once.
  void start();
  // Stops every routine and joins the thread. Not from a callback.
  void stop();
  // Logs the node out: the server is told its node key expires now, the
  // stored identity keeps only the machine key (even when the server could
  // not be told: the error says so) and the peers are removed. The client
  // then stays at NeedsLogin until it is created again. Blocks for the
  // register request (its deadline is a minute). Not from a callback.
  Status logout();

  // What the client reports (the status document, client/status.h).
  ClientStatus status() const;
  // The full nodes the data plane is handed: the self node, and the peers
  // the lock mode exposes, by node ID.
  std::optional<tailcfg::Node> self_node() const;
  std::vector<std::shared_ptr<const tailcfg::Node>> exposed_peers() const;

  // Callbacks run on the I/O thread and must not block or call stop().
  using Subscriber = std::function<void(const ClientEvent&)>;
  std::uint64_t subscribe(Subscriber fn);
  void unsubscribe(std::uint64_t id);

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace latchkey::client
