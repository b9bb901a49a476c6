#include "store/store.h"

#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace latchkey::store {

Result<std::unique_ptr<Store>> Store::open(const StoreConfig& config) {
  switch (config.backend) {
    case Backend::Sqlite:
      return SqliteStore::open(config);
    case Backend::Postgres:
      return PostgresStore::open(config);
  }
  return Error{"unknown store backend"};
}

std::string_view backend_name(Backend b) { return b == Backend::Postgres ? "postgres" : "sqlite"; }

Result<Backend> parse_backend(std::string_view name) {
  if (name == "sqlite" || name == "sqlite3") return Backend::Sqlite;
  if (name == "postgres" || name == "postgresql") return Backend::Postgres;
  return Error{"unknown database backend \"" + std::string(name) + "\" (want sqlite or postgres)"};
}

Status Store::update_node_statuses(const std::vector<std::pair<NodeId, NodeStatusUpdate>>& updates, TimePoint now) {
  return transact([&](Transaction& tx) -> Status {
    for (const auto& [id, u] : updates) {
      if (auto st = tx.update_node_status(id, u, now); !st) return st;
    }
    return {};
  });
}

Result<User> Store::create_user(const NewUser& u, TimePoint now) {
  return run<User>([&](Transaction& tx) { return tx.create_user(u, now); });
}

Result<std::vector<User>> Store::list_users() {
  return run<std::vector<User>>([&](Transaction& tx) { return tx.list_users(); });
}

Result<User> Store::get_user(UserId id) {
  return run<User>([&](Transaction& tx) { return tx.get_user(id); });
}

Result<User> Store::find_user_by_name(std::string_view name) {
  return run<User>([&](Transaction& tx) { return tx.find_user_by_name(name); });
}

Status Store::delete_user(UserId id) {
  return transact([&](Transaction& tx) { return tx.delete_user(id); });
}

Result<CreatedPreAuthKey> Store::create_pre_auth_key(const NewPreAuthKey& k, TimePoint now) {
  return run<CreatedPreAuthKey>([&](Transaction& tx) { return tx.create_pre_auth_key(k, now); });
}

Result<std::vector<PreAuthKey>> Store::list_pre_auth_keys(std::optional<UserId> user) {
  return run<std::vector<PreAuthKey>>([&](Transaction& tx) { return tx.list_pre_auth_keys(user); });
}

Result<PreAuthKey> Store::get_pre_auth_key(PreAuthKeyId id) {
  return run<PreAuthKey>([&](Transaction& tx) { return tx.get_pre_auth_key(id); });
}

Status Store::expire_pre_auth_key(PreAuthKeyId id, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.expire_pre_auth_key(id, now); });
}

Status Store::delete_pre_auth_key(PreAuthKeyId id) {
  return transact([&](Transaction& tx) { return tx.delete_pre_auth_key(id); });
}

Result<PreAuthKey> Store::redeem_pre_auth_key(std::string_view key_text, TimePoint now) {
  return run<PreAuthKey>([&](Transaction& tx) { return tx.redeem_pre_auth_key(key_text, now); });
}

Result<Node> Store::register_node(const NewNode& n, TimePoint now) {
  return run<Node>([&](Transaction& tx) { return tx.register_node(n, now); });
}

Result<Node> Store::get_node(NodeId id) {
  return run<Node>([&](Transaction& tx) { return tx.get_node(id); });
}

Result<Node> Store::find_node_by_machine_key(const key::MachinePublic& k) {
  return run<Node>([&](Transaction& tx) { return tx.find_node_by_machine_key(k); });
}

Result<Node> Store::find_node_by_node_key(const key::NodePublic& k) {
  return run<Node>([&](Transaction& tx) { return tx.find_node_by_node_key(k); });
}

Result<std::vector<Node>> Store::list_nodes() {
  return run<std::vector<Node>>([&](Transaction& tx) { return tx.list_nodes(); });
}

Result<std::vector<Node>> Store::list_nodes_by_user(UserId user) {
  return run<std::vector<Node>>([&](Transaction& tx) { return tx.list_nodes_by_user(user); });
}

Status Store::update_node_key(NodeId id, const key::NodePublic& k, std::optional<TimePoint> expiry, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.update_node_key(id, k, expiry, now); });
}

Status Store::set_node_expiry(NodeId id, std::optional<TimePoint> expiry, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.set_node_expiry(id, expiry, now); });
}

Status Store::rename_node(NodeId id, std::string_view given_name, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.rename_node(id, given_name, now); });
}

Status Store::set_node_tags(NodeId id, const std::vector<std::string>& tags, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.set_node_tags(id, tags, now); });
}

Status Store::set_node_user(NodeId id, UserId user, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.set_node_user(id, user, now); });
}

Status Store::set_node_addresses(NodeId id, std::optional<tailcfg::IpAddr> ipv4, std::optional<tailcfg::IpAddr> ipv6, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.set_node_addresses(id, ipv4, ipv6, now); });
}

Status Store::set_node_nl_key(NodeId id, const key::NLPublic& k, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.set_node_nl_key(id, k, now); });
}

Status Store::update_node_status(NodeId id, const NodeStatusUpdate& u, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.update_node_status(id, u, now); });
}

Status Store::delete_node(NodeId id) {
  return transact([&](Transaction& tx) { return tx.delete_node(id); });
}

Status Store::create_pending_registration(const PendingRegistration& p) {
  return transact([&](Transaction& tx) { return tx.create_pending_registration(p); });
}

Result<PendingRegistration> Store::get_pending_registration(std::string_view auth_id) {
  return run<PendingRegistration>([&](Transaction& tx) { return tx.get_pending_registration(auth_id); });
}

Result<std::vector<PendingRegistration>> Store::list_pending_registrations() {
  return run<std::vector<PendingRegistration>>([&](Transaction& tx) { return tx.list_pending_registrations(); });
}

Status Store::approve_pending_registration(std::string_view auth_id, UserId user) {
  return transact([&](Transaction& tx) { return tx.approve_pending_registration(auth_id, user); });
}

Status Store::delete_pending_registration(std::string_view auth_id) {
  return transact([&](Transaction& tx) { return tx.delete_pending_registration(auth_id); });
}

Result<std::int64_t> Store::delete_expired_pending_registrations(TimePoint now) {
  return run<std::int64_t>([&](Transaction& tx) { return tx.delete_expired_pending_registrations(now); });
}

Result<std::int64_t> Store::delete_machine_pending_registrations(const key::MachinePublic& machine) {
  return run<std::int64_t>([&](Transaction& tx) { return tx.delete_machine_pending_registrations(machine); });
}

Result<std::int64_t> Store::count_pending_registrations() {
  return run<std::int64_t>([&](Transaction& tx) { return tx.count_pending_registrations(); });
}

Status Store::put_aum(const StoredAum& a) {
  return transact([&](Transaction& tx) { return tx.put_aum(a); });
}

Result<StoredAum> Store::get_aum(ByteView hash) {
  return run<StoredAum>([&](Transaction& tx) { return tx.get_aum(hash); });
}

Result<std::vector<StoredAum>> Store::aum_children(ByteView parent_hash) {
  return run<std::vector<StoredAum>>([&](Transaction& tx) { return tx.aum_children(parent_hash); });
}

Result<std::vector<StoredAum>> Store::list_aums() {
  return run<std::vector<StoredAum>>([&](Transaction& tx) { return tx.list_aums(); });
}

Status Store::set_node_key_signature(NodeId id, ByteView signature, TimePoint now) {
  return transact([&](Transaction& tx) { return tx.set_node_key_signature(id, signature, now); });
}

Result<Bytes> Store::get_node_key_signature(NodeId id) {
  return run<Bytes>([&](Transaction& tx) { return tx.get_node_key_signature(id); });
}

Status Store::delete_node_key_signature(NodeId id) {
  return transact([&](Transaction& tx) { return tx.delete_node_key_signature(id); });
}

Status Store::set_tka_value(std::string_view name, ByteView value) {
  return transact([&](Transaction& tx) { return tx.set_tka_value(name, value); });
}

Result<Bytes> Store::get_tka_value(std::string_view name) {
  return run<Bytes>([&](Transaction& tx) { return tx.get_tka_value(name); });
}

}  // namespace latchkey::store
