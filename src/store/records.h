// The rows the control server keeps: users, pre-auth keys, nodes, pending
// interactive registrations, and the Tailnet Lock tables (AUMs and per-node
// key signatures). Times are system_clock time points (stored as Unix
// nanoseconds); an absent optional time means "none" (no expiry, never
// seen).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "key/disco_key.h"
#include "key/machine_key.h"
#include "key/nl_key.h"
#include "key/node_key.h"
#include "tailcfg/netip.h"

namespace latchkey::store {

using TimePoint = std::chrono::system_clock::time_point;
using UserId = std::int64_t;
using NodeId = std::int64_t;
using PreAuthKeyId = std::int64_t;

struct User {
  UserId id = 0;
  std::string name;  // unique login-style name ("alice")
  std::string display_name;
  std::string email;
  std::string profile_pic_url;
  TimePoint created_at;
  friend bool operator==(const User&, const User&) = default;
};

struct NewUser {
  std::string name;
  std::string display_name;
  std::string email;
  std::string profile_pic_url;
};

// A pre-auth key as stored: only the public prefix and a hash of the secret
// (see auth_key.h); the full key text exists once, when it is created.
struct PreAuthKey {
  PreAuthKeyId id = 0;
  std::string prefix;
  UserId user_id = 0;
  bool reusable = false;
  bool ephemeral = false;
  bool used = false;
  std::vector<std::string> tags;
  std::optional<TimePoint> expires_at;
  TimePoint created_at;

  bool expired(TimePoint now) const { return expires_at && *expires_at <= now; }
  // Usable for a new registration at `now`.
  bool valid(TimePoint now) const { return !expired(now) && (reusable || !used); }
  friend bool operator==(const PreAuthKey&, const PreAuthKey&) = default;
};

struct NewPreAuthKey {
  UserId user_id = 0;
  bool reusable = false;
  bool ephemeral = false;
  std::vector<std::string> tags;
  std::optional<TimePoint> expires_at;
};

// The key record plus the full key text, returned once by create.
struct CreatedPreAuthKey {
  PreAuthKey key;
  std::string text;  // "tskey-auth-<prefix>-<secret>": show to the admin, never stored
};

enum class RegisterMethod { AuthKey, Interactive, Cli };
std::string_view register_method_name(RegisterMethod m);

struct Node {
  NodeId id = 0;
  key::MachinePublic machine_key;  // unique
  key::NodePublic node_key;        // unique
  key::DiscoPublic disco_key;
  key::NLPublic nl_key;            // the node's Tailnet Lock key (zero if none)
  std::optional<tailcfg::IpAddr> ipv4;  // unique when set
  std::optional<tailcfg::IpAddr> ipv6;  // unique when set
  std::string hostname;    // as the client reports it
  std::string given_name;  // the MagicDNS label; unique
  UserId user_id = 0;
  std::vector<std::string> tags;
  RegisterMethod register_method = RegisterMethod::AuthKey;
  std::optional<PreAuthKeyId> auth_key_id;
  bool ephemeral = false;
  std::optional<TimePoint> expiry;     // node key expiry; none = never
  std::optional<TimePoint> last_seen;  // online state is not stored
  std::string hostinfo_json;           // tailcfg.Hostinfo as JSON ("" = none)
  std::vector<tailcfg::AddrPort> endpoints;
  TimePoint created_at;
  TimePoint updated_at;

  bool expired(TimePoint now) const { return expiry && *expiry <= now; }
  friend bool operator==(const Node&, const Node&) = default;
};

// What registration supplies; id and timestamps are assigned by the store.
struct NewNode {
  key::MachinePublic machine_key;
  key::NodePublic node_key;
  key::DiscoPublic disco_key;
  key::NLPublic nl_key;
  std::optional<tailcfg::IpAddr> ipv4;
  std::optional<tailcfg::IpAddr> ipv6;
  std::string hostname;
  std::string given_name;
  UserId user_id = 0;
  std::vector<std::string> tags;
  RegisterMethod register_method = RegisterMethod::AuthKey;
  std::optional<PreAuthKeyId> auth_key_id;
  bool ephemeral = false;
  std::optional<TimePoint> expiry;
  std::string hostinfo_json;
  std::vector<tailcfg::AddrPort> endpoints;
};

// The frequently changing part of a node, written in one statement; fields
// left unset are not touched.
struct NodeStatusUpdate {
  std::optional<std::vector<tailcfg::AddrPort>> endpoints;
  std::optional<key::DiscoPublic> disco_key;
  std::optional<std::string> hostinfo_json;
  std::optional<std::string> hostname;
  std::optional<TimePoint> last_seen;
};

// An interactive registration waiting for an admin's approval.
struct PendingRegistration {
  std::string auth_id;  // the id in the AuthURL
  key::MachinePublic machine_key;
  key::NodePublic node_key;
  key::NLPublic nl_key;
  std::string hostinfo_json;
  bool ephemeral = false;
  std::optional<TimePoint> requested_expiry;  // RegisterRequest.Expiry, if any
  TimePoint expires_at;                       // when the pending entry lapses
  TimePoint created_at;
  // Set by an admin's approval (`latchkey nodes register --user U ID`);
  // the server then creates the node for this user.
  std::optional<UserId> approved_user_id;
  // RegisterRequest.NodeKeySignature, when the login carried one (a
  // rotation signature, say); checked again at approval.
  std::optional<Bytes> node_key_signature;
  friend bool operator==(const PendingRegistration&, const PendingRegistration&) = default;
};

// One Tailnet Lock update message, by its BLAKE2s hash.
struct StoredAum {
  Bytes hash;
  std::optional<Bytes> parent_hash;  // none for a genesis AUM
  Bytes aum;                         // the CTAP2 CBOR bytes
  TimePoint committed_at{};          // when first stored (a second put keeps it)
  friend bool operator==(const StoredAum&, const StoredAum&) = default;
};

}  // namespace latchkey::store
