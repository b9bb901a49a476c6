// The control server's persistence, behind one interface with two backends:
// SQLite (the default: one file, WAL journal, busy timeout) and PostgreSQL
// (libpq, a small connection pool). Both run the same versioned schema
// migrations (migrations.h) and the same operations.
//
// Every operation is available two ways:
//   - on Store, each call in its own transaction;
//   - on a Transaction inside Store::transact(), so that several steps
//     commit or roll back together (redeem a pre-auth key and register the
//     node, approve a pending registration and create its node, ...).
// Every call returns a Result/Status. Error kinds (base/result.h): unique
// constraint violations are AlreadyExists (the message names what clashed),
// missing rows NotFound, refused state changes Conflict (a used or expired
// key, deleting a user who still has nodes), an unreachable database
// Unavailable.
//
// Threading: a Store may be used from any number of threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "store/records.h"

namespace latchkey::store {

enum class Backend { Sqlite, Postgres };

struct StoreConfig {
  Backend backend = Backend::Sqlite;
  // SQLite: the database file (created if missing).
  std::string sqlite_path = "latchkey.db";
  int sqlite_busy_timeout_ms = 5000;
  // "full" (the default: the WAL is fsynced at every commit, so a
  // registration that committed survives a process crash and a power loss)
  // or "normal" (no fsync per commit: survives a process crash, kill -9
  // included, but the last commits may be lost on power loss or an OS
  // crash; faster for write-heavy use).
  std::string sqlite_synchronous = "full";
  // PostgreSQL: a libpq connection string ("host=... dbname=..." or a URI).
  std::string postgres_conninfo;
  int postgres_pool_size = 4;
};

// The operations, bound to one open database transaction.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Users.
  virtual Result<User> create_user(const NewUser& u, TimePoint now) = 0;
  virtual Result<std::vector<User>> list_users() = 0;
  virtual Result<User> get_user(UserId id) = 0;
  virtual Result<User> find_user_by_name(std::string_view name) = 0;
  // Deletes the user and their pre-auth keys; Conflict while they own nodes.
  virtual Status delete_user(UserId id) = 0;

  // Pre-auth keys.
  virtual Result<CreatedPreAuthKey> create_pre_auth_key(const NewPreAuthKey& k, TimePoint now) = 0;
  // All keys, or one user's.
  virtual Result<std::vector<PreAuthKey>> list_pre_auth_keys(std::optional<UserId> user) = 0;
  virtual Result<PreAuthKey> get_pre_auth_key(PreAuthKeyId id) = 0;
  // Sets the expiry to now (no effect on nodes already registered with it).
  virtual Status expire_pre_auth_key(PreAuthKeyId id, TimePoint now) = 0;
  virtual Status delete_pre_auth_key(PreAuthKeyId id) = 0;
  // Checks the key text and consumes it: a single-use key is marked used in
  // the same statement that checks it is unused, so two concurrent
  // registrations cannot both redeem it. NotFound for an unknown or
  // malformed key or a wrong secret; Conflict when used, Expired when expired.
  virtual Result<PreAuthKey> redeem_pre_auth_key(std::string_view key_text, TimePoint now) = 0;

  // Nodes.
  virtual Result<Node> register_node(const NewNode& n, TimePoint now) = 0;
  virtual Result<Node> get_node(NodeId id) = 0;
  virtual Result<Node> find_node_by_machine_key(const key::MachinePublic& k) = 0;
  virtual Result<Node> find_node_by_node_key(const key::NodePublic& k) = 0;
  virtual Result<std::vector<Node>> list_nodes() = 0;
  virtual Result<std::vector<Node>> list_nodes_by_user(UserId user) = 0;
  // Node-key rotation (RegisterRequest.OldNodeKey) or re-login: new node key
  // and expiry.
  virtual Status update_node_key(NodeId id, const key::NodePublic& k, std::optional<TimePoint> expiry,
                                 TimePoint now) = 0;
  virtual Status set_node_expiry(NodeId id, std::optional<TimePoint> expiry, TimePoint now) = 0;
  virtual Status rename_node(NodeId id, std::string_view given_name, TimePoint now) = 0;
  virtual Status set_node_tags(NodeId id, const std::vector<std::string>& tags, TimePoint now) = 0;
  virtual Status set_node_user(NodeId id, UserId user, TimePoint now) = 0;
  virtual Status set_node_addresses(NodeId id, std::optional<tailcfg::IpAddr> ipv4,
                                    std::optional<tailcfg::IpAddr> ipv6, TimePoint now) = 0;
  virtual Status set_node_nl_key(NodeId id, const key::NLPublic& k, TimePoint now) = 0;
  // Endpoints / disco key / hostinfo / last seen, one UPDATE.
  virtual Status update_node_status(NodeId id, const NodeStatusUpdate& u, TimePoint now) = 0;
  virtual Status delete_node(NodeId id) = 0;

  // Pending interactive registrations: at most one per machine key
  // (AlreadyExists for a second; delete_machine_pending_registrations first
  // to replace it).
  virtual Status create_pending_registration(const PendingRegistration& p) = 0;
  virtual Result<PendingRegistration> get_pending_registration(std::string_view auth_id) = 0;
  virtual Result<std::vector<PendingRegistration>> list_pending_registrations() = 0;
  // Records an admin's approval: the entry is now for `user`. NotFound for an
  // unknown auth id or user; Conflict when already approved for another user
  // (approving again for the same user is a no-op).
  virtual Status approve_pending_registration(std::string_view auth_id, UserId user) = 0;
  virtual Status delete_pending_registration(std::string_view auth_id) = 0;
  // Removes entries whose expires_at has passed; returns how many.
  virtual Result<std::int64_t> delete_expired_pending_registrations(TimePoint now) = 0;
  // Removes the entry of one machine key, if any; returns how many (0 or 1).
  virtual Result<std::int64_t> delete_machine_pending_registrations(const key::MachinePublic& machine) = 0;
  // How many entries there are (expired ones not yet purged included).
  virtual Result<std::int64_t> count_pending_registrations() = 0;

  // Tailnet Lock.
  // Stores an AUM; storing the same hash again is a no-op.
  virtual Status put_aum(const StoredAum& a) = 0;
  virtual Result<StoredAum> get_aum(ByteView hash) = 0;
  virtual Result<std::vector<StoredAum>> aum_children(ByteView parent_hash) = 0;
  virtual Result<std::vector<StoredAum>> list_aums() = 0;
  // The hashes of every stored AUM, ascending.
  virtual Result<std::vector<Bytes>> list_aum_hashes() = 0;
  // Stored AUMs that no stored AUM names as parent (the chains' tips),
  // ascending by hash.
  virtual Result<std::vector<StoredAum>> aum_heads() = 0;
  // Deletes these AUMs; hashes not stored are ignored.
  virtual Status delete_aums(std::span<const Bytes> hashes) = 0;
  // Deletes every AUM, every node-key signature and every named value:
  // what disabling Tailnet Lock leaves behind is written afterwards.
  virtual Status delete_all_tka() = 0;
  virtual Status set_node_key_signature(NodeId id, ByteView signature, TimePoint now) = 0;
  // NotFound when the node has none.
  virtual Result<Bytes> get_node_key_signature(NodeId id) = 0;
  // Every node's signature, by node id ascending.
  virtual Result<std::vector<std::pair<NodeId, Bytes>>> list_node_key_signatures() = 0;
  virtual Status delete_node_key_signature(NodeId id) = 0;
  // Small named values of the authority (its head, say).
  virtual Status set_tka_value(std::string_view name, ByteView value) = 0;
  virtual Result<Bytes> get_tka_value(std::string_view name) = 0;
  // Removes a named value; removing one that is absent is not an error.
  virtual Status delete_tka_value(std::string_view name) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (creating if needed) and migrates the database the config names.
  static Result<std::unique_ptr<Store>> open(const StoreConfig& config);

  virtual Backend backend() const = 0;
  // The schema version after migration.
  virtual Result<int> schema_version() = 0;

  // Runs fn inside one transaction: committed when fn returns ok, rolled
  // back otherwise (fn's error is returned). Transactions that lose a
  // serialization race are retried a few times, so fn may run more than
  // once and must not have effects outside the transaction.
  virtual Status transact(const std::function<Status(Transaction&)>& fn) = 0;

  // One-call conveniences, each its own transaction.
  template <class T>
  Result<T> run(const std::function<Result<T>(Transaction&)>& fn) {
    std::optional<T> value;
    Status st = transact([&](Transaction& tx) -> Status {
      Result<T> r = fn(tx);
      if (!r) return r.error();
      value.emplace(std::move(*r));
      return {};
    });
    if (!st) return st.error();
    return std::move(*value);
  }
  Status run_status(const std::function<Status(Transaction&)>& fn) { return transact(fn); }

  Result<User> create_user(const NewUser& u, TimePoint now);
  Result<std::vector<User>> list_users();
  Result<User> get_user(UserId id);
  Result<User> find_user_by_name(std::string_view name);
  Status delete_user(UserId id);
  Result<CreatedPreAuthKey> create_pre_auth_key(const NewPreAuthKey& k, TimePoint now);
  Result<std::vector<PreAuthKey>> list_pre_auth_keys(std::optional<UserId> user = std::nullopt);
  Result<PreAuthKey> get_pre_auth_key(PreAuthKeyId id);
  Status expire_pre_auth_key(PreAuthKeyId id, TimePoint now);
  Status delete_pre_auth_key(PreAuthKeyId id);
  Result<PreAuthKey> redeem_pre_auth_key(std::string_view key_text, TimePoint now);
  Result<Node> register_node(const NewNode& n, TimePoint now);
  Result<Node> get_node(NodeId id);
  Result<Node> find_node_by_machine_key(const key::MachinePublic& k);
  Result<Node> find_node_by_node_key(const key::NodePublic& k);
  Result<std::vector<Node>> list_nodes();
  Result<std::vector<Node>> list_nodes_by_user(UserId user);
  Status update_node_key(NodeId id, const key::NodePublic& k, std::optional<TimePoint> expiry, TimePoint now);
  Status set_node_expiry(NodeId id, std::optional<TimePoint> expiry, TimePoint now);
  Status rename_node(NodeId id, std::string_view given_name, TimePoint now);
  Status set_node_tags(NodeId id, const std::vector<std::string>& tags, TimePoint now);
  Status set_node_user(NodeId id, UserId user, TimePoint now);
  Status set_node_addresses(NodeId id, std::optional<tailcfg::IpAddr> ipv4, std::optional<tailcfg::IpAddr> ipv6,
                            TimePoint now);
  Status set_node_nl_key(NodeId id, const key::NLPublic& k, TimePoint now);
  Status update_node_status(NodeId id, const NodeStatusUpdate& u, TimePoint now);
  // Many nodes' status in one transaction (batched last-seen/endpoint writes).
  Status update_node_statuses(const std::vector<std::pair<NodeId, NodeStatusUpdate>>& updates, TimePoint now);
  Status delete_node(NodeId id);
  Status create_pending_registration(const PendingRegistration& p);
  Result<PendingRegistration> get_pending_registration(std::string_view auth_id);
  Result<std::vector<PendingRegistration>> list_pending_registrations();
  Status approve_pending_registration(std::string_view auth_id, UserId user);
  Status delete_pending_registration(std::string_view auth_id);
  Result<std::int64_t> delete_expired_pending_registrations(TimePoint now);
  Result<std::int64_t> delete_machine_pending_registrations(const key::MachinePublic& machine);
  Result<std::int64_t> count_pending_registrations();
  Status put_aum(const StoredAum& a);
  Result<StoredAum> get_aum(ByteView hash);
  Result<std::vector<StoredAum>> aum_children(ByteView parent_hash);
  Result<std::vector<StoredAum>> list_aums();
  Status set_node_key_signature(NodeId id, ByteView signature, TimePoint now);
  Result<Bytes> get_node_key_signature(NodeId id);
  Status delete_node_key_signature(NodeId id);
  Status set_tka_value(std::string_view name, ByteView value);
  Result<Bytes> get_tka_value(std::string_view name);
};

std::string_view backend_name(Backend b);
Result<Backend> parse_backend(std::string_view name);  // "sqlite" | "postgres"

}  // namespace latchkey::store
