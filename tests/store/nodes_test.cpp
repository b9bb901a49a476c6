// Nodes: registration with every field, uniqueness errors (machine key,
// node key, addresses, name), unknown user, lookups, node-key rotation,
// updates and deletion. Runs on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include "store/node_builders.h"
#include "store/store_fixture.h"

namespace latchkey::store::testing {
namespace {

class NodesTest : public StoreWithUserTest {
 protected:
  Node add(int i) {
    auto n = store_->register_node(new_node(i, user_), now_);
    EXPECT_TRUE(n.ok()) << n.message();
    return n.ok() ? *n : Node{};
  }
};

TEST_P(NodesTest, RegisterStoresEveryField) {
  auto key = store_->create_pre_auth_key({user_, true, true, {"tag:x"}, std::nullopt}, now_);
  ASSERT_TRUE(key.ok());
  NewNode nn = new_node(7, user_);
  nn.nl_key = key::NLPublic::from_raw(key_bytes(4, 7));
  nn.tags = {"tag:x", "tag:y"};
  nn.register_method = RegisterMethod::Interactive;
  nn.auth_key_id = key->key.id;
  nn.ephemeral = true;
  nn.expiry = now_ + std::chrono::hours(24 * 180);
  auto n = store_->register_node(nn, now_);
  ASSERT_TRUE(n.ok()) << n.message();
  EXPECT_GT(n->id, 0);
  EXPECT_EQ(n->machine_key, nn.machine_key);
  EXPECT_EQ(n->node_key, nn.node_key);
  EXPECT_EQ(n->disco_key, nn.disco_key);
  EXPECT_EQ(n->nl_key, nn.nl_key);
  EXPECT_EQ(n->ipv4, nn.ipv4);
  EXPECT_EQ(n->ipv6, nn.ipv6);
  EXPECT_EQ(n->hostname, "host-7");
  EXPECT_EQ(n->given_name, "node-7");
  EXPECT_EQ(n->user_id, user_);
  EXPECT_EQ(n->tags, nn.tags);
  EXPECT_EQ(n->register_method, RegisterMethod::Interactive);
  EXPECT_EQ(n->auth_key_id, key->key.id);
  EXPECT_TRUE(n->ephemeral);
  EXPECT_EQ(n->expiry, nn.expiry);
  EXPECT_EQ(n->last_seen, std::nullopt);
  EXPECT_EQ(n->hostinfo_json, nn.hostinfo_json);
  EXPECT_EQ(n->endpoints, nn.endpoints);
  EXPECT_EQ(n->created_at, now_);
  EXPECT_EQ(n->updated_at, now_);
  auto got = store_->get_node(n->id);
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(*got, *n);
}

TEST_P(NodesTest, MinimalNodeHasNoAddressesOrExpiry) {
  NewNode nn;
  nn.machine_key = machine_key(1);
  nn.node_key = node_key(1);
  nn.given_name = "bare";
  nn.user_id = user_;
  auto n = store_->register_node(nn, now_);
  ASSERT_TRUE(n.ok()) << n.message();
  EXPECT_EQ(n->ipv4, std::nullopt);
  EXPECT_EQ(n->ipv6, std::nullopt);
  EXPECT_TRUE(n->disco_key.is_zero());
  EXPECT_TRUE(n->nl_key.is_zero());
  EXPECT_EQ(n->expiry, std::nullopt);
  EXPECT_TRUE(n->endpoints.empty());
  EXPECT_TRUE(n->tags.empty());
  // Two nodes without addresses do not clash.
  nn.machine_key = machine_key(2);
  nn.node_key = node_key(2);
  nn.given_name = "bare2";
  EXPECT_TRUE(store_->register_node(nn, now_).ok());
}

TEST_P(NodesTest, DuplicateMachineKeyRefused) {
  const Node first = add(1);
  NewNode nn = new_node(2, user_);
  nn.machine_key = first.machine_key;
  auto n = store_->register_node(nn, now_);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.kind(), ErrorKind::AlreadyExists);
  EXPECT_NE(n.message().find("machine key " + first.machine_key.to_string()), std::string::npos) << n.message();
}

TEST_P(NodesTest, DuplicateNodeKeyRefused) {
  const Node first = add(1);
  NewNode nn = new_node(2, user_);
  nn.node_key = first.node_key;
  auto n = store_->register_node(nn, now_);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.kind(), ErrorKind::AlreadyExists);
  EXPECT_NE(n.message().find("node key"), std::string::npos) << n.message();
}

TEST_P(NodesTest, AddressInUseRefused) {
  add(1);
  NewNode v4 = new_node(2, user_);
  v4.ipv4 = ipv4(1);
  auto a = store_->register_node(v4, now_);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.kind(), ErrorKind::AlreadyExists);
  EXPECT_NE(a.message().find("IPv4 address 100.64.0.1 is already assigned"), std::string::npos) << a.message();
  NewNode v6 = new_node(3, user_);
  v6.ipv6 = ipv6(1);
  auto b = store_->register_node(v6, now_);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.kind(), ErrorKind::AlreadyExists);
  EXPECT_NE(b.message().find("IPv6 address fd7a:115c:a1e0::1 is already assigned"), std::string::npos)
      << b.message();
}

TEST_P(NodesTest, GivenNameTakenRefused) {
  add(1);
  NewNode nn = new_node(2, user_);
  nn.given_name = "node-1";
  auto n = store_->register_node(nn, now_);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.kind(), ErrorKind::AlreadyExists);
  EXPECT_NE(n.message().find("node-1"), std::string::npos) << n.message();
}

TEST_P(NodesTest, UnknownUserRefused) {
  auto n = store_->register_node(new_node(1, user_ + 1000), now_);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.kind(), ErrorKind::NotFound);
  EXPECT_NE(n.message().find("user"), std::string::npos) << n.message();
}

TEST_P(NodesTest, MissingKeysOrNameRefused) {
  NewNode nn = new_node(1, user_);
  nn.machine_key = {};
  EXPECT_EQ(store_->register_node(nn, now_).kind(), ErrorKind::Invalid);
  nn = new_node(1, user_);
  nn.node_key = {};
  EXPECT_EQ(store_->register_node(nn, now_).kind(), ErrorKind::Invalid);
  nn = new_node(1, user_);
  nn.given_name.clear();
  EXPECT_EQ(store_->register_node(nn, now_).kind(), ErrorKind::Invalid);
  nn = new_node(1, user_);
  nn.ipv4 = ipv6(1);
  EXPECT_EQ(store_->register_node(nn, now_).kind(), ErrorKind::Invalid);
}

TEST_P(NodesTest, Lookups) {
  const Node a = add(1);
  const Node b = add(2);
  auto by_mk = store_->find_node_by_machine_key(b.machine_key);
  ASSERT_TRUE(by_mk.ok());
  EXPECT_EQ(by_mk->id, b.id);
  auto by_nk = store_->find_node_by_node_key(a.node_key);
  ASSERT_TRUE(by_nk.ok());
  EXPECT_EQ(by_nk->id, a.id);
  EXPECT_EQ(store_->find_node_by_machine_key(machine_key(99)).kind(), ErrorKind::NotFound);
  EXPECT_EQ(store_->find_node_by_node_key(node_key(99)).kind(), ErrorKind::NotFound);
  EXPECT_EQ(store_->get_node(b.id + 100).kind(), ErrorKind::NotFound);

  auto bob = store_->create_user({"bob", "", "", ""}, now_);
  ASSERT_TRUE(bob.ok());
  auto c = store_->register_node(new_node(3, bob->id), now_);
  ASSERT_TRUE(c.ok());
  auto all = store_->list_nodes();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], a);
  EXPECT_EQ((*all)[2], *c);
  auto alices = store_->list_nodes_by_user(user_);
  ASSERT_TRUE(alices.ok());
  ASSERT_EQ(alices->size(), 2u);
  EXPECT_EQ((*alices)[1], b);
}

TEST_P(NodesTest, NodeKeyRotation) {
  const Node a = add(1);
  const TimePoint later = now_ + std::chrono::minutes(5);
  const TimePoint exp = later + std::chrono::hours(1);
  ASSERT_TRUE(store_->update_node_key(a.id, node_key(100), exp, later).ok());
  EXPECT_EQ(store_->find_node_by_node_key(a.node_key).kind(), ErrorKind::NotFound);
  auto n = store_->find_node_by_node_key(node_key(100));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->id, a.id);
  EXPECT_EQ(n->machine_key, a.machine_key);
  EXPECT_EQ(n->expiry, exp);
  EXPECT_EQ(n->updated_at, later);
  EXPECT_EQ(n->created_at, now_);
  // Rotating onto another node's key is refused.
  const Node b = add(2);
  auto clash = store_->update_node_key(b.id, node_key(100), std::nullopt, later);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.kind(), ErrorKind::AlreadyExists);
  EXPECT_EQ(store_->update_node_key(b.id + 100, node_key(101), std::nullopt, later).kind(), ErrorKind::NotFound);
}

TEST_P(NodesTest, Updates) {
  const Node a = add(1);
  const TimePoint t = now_ + std::chrono::seconds(30);
  ASSERT_TRUE(store_->set_node_expiry(a.id, t, t).ok());
  ASSERT_TRUE(store_->rename_node(a.id, "renamed", t).ok());
  ASSERT_TRUE(store_->set_node_tags(a.id, {"tag:a"}, t).ok());
  ASSERT_TRUE(store_->set_node_nl_key(a.id, key::NLPublic::from_raw(key_bytes(4, 1)), t).ok());
  ASSERT_TRUE(store_->set_node_addresses(a.id, ipv4(50), std::nullopt, t).ok());
  auto bob = store_->create_user({"bob", "", "", ""}, now_);
  ASSERT_TRUE(bob.ok());
  ASSERT_TRUE(store_->set_node_user(a.id, bob->id, t).ok());
  auto n = store_->get_node(a.id);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->expiry, t);
  EXPECT_TRUE(n->expired(t));
  EXPECT_FALSE(n->expired(t - std::chrono::seconds(1)));
  EXPECT_EQ(n->given_name, "renamed");
  EXPECT_EQ(n->tags, std::vector<std::string>{"tag:a"});
  EXPECT_EQ(n->nl_key, key::NLPublic::from_raw(key_bytes(4, 1)));
  EXPECT_EQ(n->ipv4, ipv4(50));
  EXPECT_EQ(n->ipv6, std::nullopt);
  EXPECT_EQ(n->user_id, bob->id);
  EXPECT_EQ(n->updated_at, t);
  ASSERT_TRUE(store_->set_node_expiry(a.id, std::nullopt, t).ok());
  EXPECT_EQ(store_->get_node(a.id)->expiry, std::nullopt);

  const Node b = add(2);
  auto taken = store_->rename_node(b.id, "renamed", t);
  EXPECT_EQ(taken.kind(), ErrorKind::AlreadyExists);
  // A sentence for the admin, not the database's column name.
  EXPECT_EQ(taken.message(), "the name \"renamed\" is already taken by another node");
  auto ip_taken = store_->set_node_addresses(b.id, ipv4(50), std::nullopt, t);
  EXPECT_EQ(ip_taken.kind(), ErrorKind::AlreadyExists);
  EXPECT_NE(ip_taken.message().find("nodes.ipv4"), std::string::npos) << ip_taken.message();
  EXPECT_EQ(store_->set_node_user(b.id, 987654, t).kind(), ErrorKind::NotFound);
  EXPECT_EQ(store_->rename_node(b.id, "", t).kind(), ErrorKind::Invalid);
  EXPECT_EQ(store_->rename_node(b.id + 100, "x", t).kind(), ErrorKind::NotFound);
}

TEST_P(NodesTest, StatusUpdateTouchesOnlyGivenFields) {
  const Node a = add(1);
  const TimePoint t = now_ + std::chrono::seconds(3);
  NodeStatusUpdate u;
  u.last_seen = t;
  u.endpoints = std::vector<tailcfg::AddrPort>{*tailcfg::AddrPort::parse("198.51.100.7:1234")};
  ASSERT_TRUE(store_->update_node_status(a.id, u, t).ok());
  auto n = store_->get_node(a.id);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->last_seen, t);
  EXPECT_EQ(n->endpoints, *u.endpoints);
  EXPECT_EQ(n->disco_key, a.disco_key);
  EXPECT_EQ(n->hostinfo_json, a.hostinfo_json);

  NodeStatusUpdate v;
  v.disco_key = disco_key(50);
  v.hostinfo_json = R"({"OS":"windows"})";
  v.hostname = "win";
  v.endpoints = std::vector<tailcfg::AddrPort>{};
  ASSERT_TRUE(store_->update_node_status(a.id, v, t).ok());
  n = store_->get_node(a.id);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->disco_key, disco_key(50));
  EXPECT_EQ(n->hostinfo_json, R"({"OS":"windows"})");
  EXPECT_EQ(n->hostname, "win");
  EXPECT_TRUE(n->endpoints.empty());
  EXPECT_EQ(n->last_seen, t);

  EXPECT_EQ(store_->update_node_status(a.id + 100, u, t).kind(), ErrorKind::NotFound);
}

TEST_P(NodesTest, BatchedStatusUpdatesAreAllOrNothing) {
  const Node a = add(1);
  const Node b = add(2);
  const TimePoint t = now_ + std::chrono::seconds(9);
  NodeStatusUpdate u;
  u.last_seen = t;
  ASSERT_TRUE(store_->update_node_statuses({{a.id, u}, {b.id, u}}, t).ok());
  EXPECT_EQ(store_->get_node(a.id)->last_seen, t);
  EXPECT_EQ(store_->get_node(b.id)->last_seen, t);
  NodeStatusUpdate w;
  w.last_seen = t + std::chrono::seconds(1);
  auto st = store_->update_node_statuses({{a.id, w}, {b.id + 100, w}}, t);
  EXPECT_EQ(st.kind(), ErrorKind::NotFound);
  EXPECT_EQ(store_->get_node(a.id)->last_seen, t);  // rolled back
}

TEST_P(NodesTest, Delete) {
  const Node a = add(1);
  ASSERT_TRUE(store_->delete_node(a.id).ok());
  EXPECT_EQ(store_->get_node(a.id).kind(), ErrorKind::NotFound);
  EXPECT_EQ(store_->delete_node(a.id).kind(), ErrorKind::NotFound);
  // Its keys, address and name are free again.
  add(1);
}

LATCHKEY_STORE_BACKENDS(NodesTest);

}  // namespace
}  // namespace latchkey::store::testing
