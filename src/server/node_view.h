// How stored rows appear on the wire: a store::Node as the tailcfg::Node
// peers and the node itself see, a store::User as UserProfile and as the
// RegisterResponse's User/Login, and MagicDNS labels from hostnames.
// Mirrors headscale's types.Node.TailNode / mapper tail.go and
// types.User.TailscaleUser/TailscaleLogin.
#pragma once

#include <string>
#include <string_view>

#include "store/records.h"
#include "tailcfg/node.h"
#include "tailcfg/register.h"
#include "tailcfg/user.h"

namespace latchkey::server {

tailcfg::GoTime to_go_time(store::TimePoint t);
store::TimePoint to_time_point(const tailcfg::GoTime& t);

// The node as the netmap carries it. `base_domain` is the MagicDNS suffix
// ("example.ts.net"): Name becomes "<given_name>.<base_domain>.".
tailcfg::Node to_tailcfg_node(const store::Node& n, std::string_view base_domain);

tailcfg::UserProfile to_user_profile(const store::User& u);
tailcfg::User to_tailcfg_user(const store::User& u);
tailcfg::Login to_tailcfg_login(const store::User& u);

// A DNS label from a client's hostname: lower case, [a-z0-9-] only, no
// leading/trailing '-', at most 63 characters; "node" if nothing is left.
std::string dns_label(std::string_view hostname);

}  // namespace latchkey::server
