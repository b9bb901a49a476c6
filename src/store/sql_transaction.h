// Internal to store: the Transaction operations written once in SQL over a
// sql::Connection that is inside an open transaction. Both backends use it;
// the schema (migrations.cpp) keeps the statements dialect-neutral.
#pragma once

#include "store/sql.h"
#include "store/store.h"

namespace latchkey::store {

class SqlTransaction final : public Transaction {
 public:
  explicit SqlTransaction(sql::Connection& c) : c_(c) {}

  Result<User> create_user(const NewUser& u, TimePoint now) override;
  Result<std::vector<User>> list_users() override;
  Result<User> get_user(UserId id) override;
  Result<User> find_user_by_name(std::string_view name) override;
  Status delete_user(UserId id) override;

  Result<CreatedPreAuthKey> create_pre_auth_key(const NewPreAuthKey& k, TimePoint now) override;
  Result<std::vector<PreAuthKey>> list_pre_auth_keys(std::optional<UserId> user) override;
  Result<PreAuthKey> get_pre_auth_key(PreAuthKeyId id) override;
  Status expire_pre_auth_key(PreAuthKeyId id, TimePoint now) override;
  Status delete_pre_auth_key(PreAuthKeyId id) override;
  Result<PreAuthKey> redeem_pre_auth_key(std::string_view key_text, TimePoint now) override;

  Result<Node> register_node(const NewNode& n, TimePoint now) override;
  Result<Node> get_node(NodeId id) override;
  Result<Node> find_node_by_machine_key(const key::MachinePublic& k) override;
  Result<Node> find_node_by_node_key(const key::NodePublic& k) override;
  Result<std::vector<Node>> list_nodes() override;
  Result<std::vector<Node>> list_nodes_by_user(UserId user) override;
  Status update_node_key(NodeId id, const key::NodePublic& k, std::optional<TimePoint> expiry,
                         TimePoint now) override;
  Status set_node_expiry(NodeId id, std::optional<TimePoint> expiry, TimePoint now) override;
  Status rename_node(NodeId id, std::string_view given_name, TimePoint now) override;
  Status set_node_tags(NodeId id, const std::vector<std::string>& tags, TimePoint now) override;
  Status set_node_user(NodeId id, UserId user, TimePoint now) override;
  Status set_node_addresses(NodeId id, std::optional<tailcfg::IpAddr> ipv4, std::optional<tailcfg::IpAddr> ipv6,
                            TimePoint now) override;
  Status set_node_nl_key(NodeId id, const key::NLPublic& k, TimePoint now) override;
  Status update_node_status(NodeId id, const NodeStatusUpdate& u, TimePoint now) override;
  Status delete_node(NodeId id) override;

  Status create_pending_registration(const PendingRegistration& p) override;
  Result<PendingRegistration> get_pending_registration(std::string_view auth_id) override;
  Result<std::vector<PendingRegistration>> list_pending_registrations() override;
  Status approve_pending_registration(std::string_view auth_id, UserId user) override;
  Status delete_pending_registration(std::string_view auth_id) override;
  Result<std::int64_t> delete_expired_pending_registrations(TimePoint now) override;
  Result<std::int64_t> delete_machine_pending_registrations(const key::MachinePublic& machine) override;
  Result<std::int64_t> count_pending_registrations() override;

  Status put_aum(const StoredAum& a) override;
  Result<StoredAum> get_aum(ByteView hash) override;
  Result<std::vector<StoredAum>> aum_children(ByteView parent_hash) override;
  Result<std::vector<StoredAum>> list_aums() override;
  Result<std::vector<Bytes>> list_aum_hashes() override;
  Result<std::vector<StoredAum>> aum_heads() override;
  Status delete_aums(std::span<const Bytes> hashes) override;
  Status delete_all_tka() override;
  Status set_node_key_signature(NodeId id, ByteView signature, TimePoint now) override;
  Result<Bytes> get_node_key_signature(NodeId id) override;
  Result<std::vector<std::pair<NodeId, Bytes>>> list_node_key_signatures() override;
  Status delete_node_key_signature(NodeId id) override;
  Status set_tka_value(std::string_view name, ByteView value) override;
  Result<Bytes> get_tka_value(std::string_view name) override;
  Status delete_tka_value(std::string_view name) override;

 private:
  Result<std::vector<Node>> select_nodes(std::string_view where, std::span<const sql::Param> params);
  Result<Node> select_one_node(std::string_view where, std::span<const sql::Param> params, std::string_view what);
  Status update_node_field(NodeId id, std::string_view set_clause, std::span<const sql::Param> params);

  sql::Connection& c_;
};

}  // namespace latchkey::store
