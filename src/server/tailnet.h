// Tailnet: the control server's shared state and what changes it — the
// store (the record of truth), the in-memory Netmap served to map streams,
// the IP allocator, the open map streams and the batching of changes to
// them, ephemeral-node cleanup. Thread-safe: every operation may be called
// from any connection's strand. Registration logic is in registration.cpp,
// map request handling in map_service.cpp (both members of this class).
// Mirrors headscale's hscontrol/state and the batcher of hscontrol/mapper.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "base/result.h"
#include "key/machine_key.h"
#include "server/ip_allocator.h"
#include "server/metrics.h"
#include "server/netmap.h"
#include "server/tailnet_lock.h"
#include "store/store.h"
#include "tailcfg/map_request.h"
#include "tailcfg/register.h"

namespace latchkey::server {

struct TailnetConfig {
  std::string server_url;   // for AuthURLs: <server_url>/register/<auth id>
  std::string base_domain = "tailnet.internal";  // MagicDNS suffix of node names
  NetmapConfig netmap;
  std::optional<tailcfg::IpPrefix> prefix_v4 = *tailcfg::IpPrefix::parse("100.64.0.0/10");
  std::optional<tailcfg::IpPrefix> prefix_v6 = *tailcfg::IpPrefix::parse("fd7a:115c:a1e0::/48");
  AllocationStrategy allocation = AllocationStrategy::Sequential;
  tailcfg::CapabilityVersion min_capability_version = tailcfg::kMinimumCapabilityVersion;
  // Ephemeral nodes are removed this long after their last map stream ended.
  std::chrono::seconds ephemeral_inactivity_timeout{120};
  // How long an interactive registration may wait for approval.
  std::chrono::seconds pending_registration_lifetime{900};
  // At most this many interactive registrations wait at once (anyone can
  // start one, without a key); more are refused until some are approved
  // or expire. A machine has at most one: its new login replaces the old.
  std::int64_t max_pending_registrations = 1000;
  // A waiting registration keeps the client's Hostinfo up to this size (as
  // JSON); a larger one is cut to its identifying fields (hostname, OS,
  // versions), and refused if even those are larger.
  std::size_t max_pending_hostinfo_bytes = 4096;
  // How an administrator runs `latchkey nodes register` against this
  // server, as the /register page and the log show it: the binary and the
  // admin socket (empty: the command's default).
  std::string latchkey_binary = "latchkey";
  std::string admin_socket;
  // A map stream whose undelivered messages pile up beyond this is ended
  // (the client reconnects and gets a fresh full map).
  std::size_t max_queued_messages = 256;
  // The users (by name) whose nodes may change the Tailnet Lock: init,
  // sign, add and remove keys, disable. Unset: every user's. Every node
  // follows the lock either way (and gets the capability that lets it).
  std::optional<std::vector<std::string>> lock_administrators;
};

// One open streaming map session, fed by the batcher. The server's handler
// waits on `wake` (called from any thread; it must post to the handler's
// own executor) and drains `take()`.
class MapStream {
 public:
  MapStream(NodeId node, bool zstd, bool read_only, std::function<void()> wake)
      : node_(node), zstd_(zstd), read_only_(read_only), wake_(std::move(wake)) {}
  NodeId node() const { return node_; }
  // The revision of the node's own netmap entry its full map showed (set
  // under the Tailnet lock when the stream opens): batches holding only
  // those changes to itself need not repeat them.
  std::uint64_t self_revision = 0;
  bool zstd() const { return zstd_; }
  bool read_only() const { return read_only_; }

  struct Message {
    std::shared_ptr<const Bytes> frame;  // framed (and compressed) as the client asked
    std::size_t json_bytes = 0;
  };
  // Queued messages; `ended` once the stream must stop (node removed,
  // logged out, or it fell too far behind).
  std::vector<Message> take(bool& ended);

  // Called by Tailnet.
  void push(Message m, std::size_t max_queued);
  void end();

 private:
  const NodeId node_;
  const bool zstd_;
  const bool read_only_;
  std::function<void()> wake_;
  std::mutex mu_;
  std::deque<Message> queue_;
  bool ended_ = false;
};

// What a RegisterRequest gets back.
struct RegisterOutcome {
  // An HTTP-level refusal (unsupported version, undecodable body): status
  // and text; otherwise 200 with `response`.
  unsigned http_status = 200;
  std::string http_error;
  tailcfg::RegisterResponse response;
  // Set when the client is waiting on an interactive registration
  // (Followup): the caller polls followup() until it is decided.
  std::optional<std::string> wait_auth_id;
};

class Tailnet {
 public:
  using Clock = std::chrono::system_clock;

  // Reads users and nodes from the store into the model.
  static Result<std::unique_ptr<Tailnet>> create(TailnetConfig config, std::shared_ptr<store::Store> store,
                                                 ServerMetrics* metrics);

  const TailnetConfig& config() const { return config_; }
  store::Store& store() { return *store_; }
  const std::shared_ptr<store::Store>& store_ptr() const { return store_; }
  ServerMetrics& metrics() { return *metrics_; }

  // --- registration (registration.cpp)
  RegisterOutcome handle_register(ByteView body, const key::MachinePublic& machine, Clock::time_point now);
  // The state of a waited-on interactive registration: the response once
  // the admin approved it (or it lapsed), nullopt while still pending.
  std::optional<tailcfg::RegisterResponse> followup(const std::string& auth_id, const key::MachinePublic& machine,
                                                    Clock::time_point now);
  // An admin's approval of a pending registration: creates the node for
  // `user`. (Approval recorded in the store by `latchkey nodes register`
  // is picked up by followup() the same way.)
  Result<store::Node> approve_registration(std::string_view auth_id, store::UserId user, Clock::time_point now);
  // Removes a node (admin delete, ephemeral cleanup): store, model, streams.
  Status delete_node(store::NodeId id);
  // Removes the interactive registrations whose time to wait has passed and
  // sets the pending-registrations gauge; returns how many were removed.
  // Only the store is touched (no lock): the server calls it at start and
  // periodically on its blocking executor, never on an I/O thread.
  Result<std::int64_t> purge_expired_registrations(Clock::time_point now);
  // The registration waiting for approval under `auth_id` (the id in its
  // AuthURL); NotFound when malformed, unknown or expired. Reads the store
  // only (no lock).
  Result<store::PendingRegistration> waiting_registration(std::string_view auth_id, Clock::time_point now);
  // The command line that approves the waiting registration `auth_id`.
  std::string approve_command(std::string_view auth_id) const;

  // --- admin changes (tailnet_admin.cpp). Each writes the store first,
  // then the model; the next tick() publishes the change to map streams.
  Result<store::User> create_user(const store::NewUser& u, Clock::time_point now);
  // Conflict (from the store) while the user owns nodes.
  Status delete_user(store::UserId id);
  // Sets the node's key expiry to `now`: peers see it Expired, the node
  // sees its own key expiry and must log in again.
  Result<store::Node> expire_node(store::NodeId id, Clock::time_point now);
  // A new given name (MagicDNS label); AlreadyExists when another node has it.
  Result<store::Node> rename_node(store::NodeId id, std::string_view given_name, Clock::time_point now);

  // --- Tailnet Lock (the lock service calls these; tailnet_lock_link.cpp)
  // The caller of a /machine/tka RPC: the node with `node_key`, if the
  // connection's machine owns it and its key has not expired.
  std::optional<TailnetLock::Caller> lock_caller(const key::NodePublic& node_key, const key::MachinePublic& machine,
                                                 Clock::time_point now) const;
  // Shows a lock change in the netmap (announced with the next batch).
  void apply_lock(const LockPublication& change);
  // Where registration finds the lock's state (set once, before requests).
  void set_lock_state(std::function<std::shared_ptr<const tka::State>()> source) {
    lock_state_ = std::move(source);
  }

  // --- map requests (map_service.cpp)
  struct MapStart {
    unsigned http_status = 200;
    std::string http_error;
    NodeId node = 0;
    // For a non-streaming request: the one message to send, framed.
    Bytes single;
    // For a streaming request: the first (full) map, framed, and the stream.
    std::shared_ptr<MapStream> stream;
  };
  // Decodes and applies a MapRequest: updates endpoints/hostinfo (unless
  // ReadOnly), and either produces the single response or opens a stream.
  MapStart handle_map(ByteView body, const key::MachinePublic& machine, std::function<void()> wake,
                      Clock::time_point now);
  // The stream's handler ended (client gone, or ended by the server).
  void close_stream(const std::shared_ptr<MapStream>& stream, Clock::time_point now);

  // --- periodic work: flushes the change batch to every open stream,
  // expires keys, removes inactive ephemeral nodes, writes the queued node
  // status. Call every batch window.
  void tick(Clock::time_point now);
  // Writes the node status that map requests and stream ends reported
  // (last seen, endpoints, disco key, Hostinfo) to the store, all in one
  // transaction. Status is soft state: it is queued rather than written
  // (and fsynced) once per request, so that thousands of nodes connecting
  // at once cost one commit per batch window instead of one each, and no
  // I/O thread waits on the disk per map request. tick() calls this; call
  // it once more when stopping.
  void flush_status();

  // Read access for tests and metrics.
  std::size_t node_count() const;
  std::size_t online_count() const;
  template <class F>
  auto with_netmap(F&& f) const {
    std::lock_guard lock(mu_);
    return f(netmap_);
  }

 private:
  // registration.cpp helpers
  // The outcome, or nullopt for an interactive login (park_registration).
  // `signature`: the request's NodeKeySignature, already verified against
  // `lock` (the lock's state; null while the lock is off).
  std::optional<RegisterOutcome> register_locked(const tailcfg::RegisterRequest& req,
                                                 const key::MachinePublic& machine, Clock::time_point now,
                                                 const tka::State* lock, const Bytes* signature);
  // Records a node's verified signature (store, netmap), or removes a
  // stale one (empty `signature`).
  Status set_signature_locked(NodeId id, const Bytes& signature, Clock::time_point now);
  // Stores an interactive login for an admin to approve (bounded: see
  // TailnetConfig). Touches only the store: called without the lock.
  RegisterOutcome park_registration(const tailcfg::RegisterRequest& req, const key::MachinePublic& machine,
                                    Clock::time_point now, const Bytes* signature);
  tailcfg::RegisterResponse success_response(const store::Node& n);
  Tailnet(TailnetConfig config, std::shared_ptr<store::Store> store, ServerMetrics* metrics, IpAllocator allocator);
  Status load();
  // A pending login's node-key signature, verified before the tailnet's lock
  // is taken (no signature check runs under it); empty when the login
  // brought none, does not verify, or (approved_only) is not approved yet.
  // approve_locked()
  // keeps the signature only if the login it approves still carries it.
  struct CheckedSignature {
    key::NodePublic node_key;
    Bytes signature;
  };
  CheckedSignature check_pending_signature(std::string_view auth_id, bool approved_only) const;
  Result<store::Node> approve_locked(const store::PendingRegistration& p, store::UserId user, Clock::time_point now,
                                     const CheckedSignature& checked);
  // `key_error` receives the store's refusal to redeem `auth_key` (invalid,
  // used or expired), kept apart from other failures of the transaction.
  Result<store::Node> create_node(store::NewNode base, const std::string* auth_key, Clock::time_point now,
                                  std::optional<Error>* key_error = nullptr);
  std::string unique_given_name(std::string_view hostname) const;
  const store::User* user_locked(store::UserId id);
  void publish_node(const store::Node& n, Clock::time_point now);
  void remove_locked(NodeId id);
  void queue_status_locked(NodeId id, store::NodeStatusUpdate u);
  void tick_locked(Clock::time_point now);
  void end_streams_locked(NodeId id);

  TailnetConfig config_;
  std::shared_ptr<store::Store> store_;
  ServerMetrics* metrics_;

  mutable std::mutex mu_;  // guards everything below
  Netmap netmap_;
  IpAllocator allocator_;
  std::map<store::UserId, store::User> users_;
  std::map<std::string, store::NodeId> given_name_owner_;
  std::multimap<NodeId, std::shared_ptr<MapStream>> streams_;
  std::set<NodeId> ephemeral_;
  Clock::time_point next_housekeeping_{};
  std::map<NodeId, Clock::time_point> ephemeral_offline_since_;
  std::map<NodeId, store::NodeStatusUpdate> pending_status_;  // not yet written
  std::map<NodeId, Bytes> key_signatures_;  // Node.KeySignature, set by the lock service
  std::function<std::shared_ptr<const tka::State>()> lock_state_;
  std::mutex flush_mu_;  // one status flush at a time, outside mu_
};

}  // namespace latchkey::server
