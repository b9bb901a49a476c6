#include "server/node_view.h"

#include <chrono>

#include "tailcfg/codec.h"

namespace latchkey::server {

tailcfg::GoTime to_go_time(store::TimePoint t) { return tailcfg::GoTime::from_system(t); }

store::TimePoint to_time_point(const tailcfg::GoTime& t) { return t.to_system(); }

tailcfg::Node to_tailcfg_node(const store::Node& n, std::string_view base_domain) {
  tailcfg::Node out;
  out.id = n.id;
  out.stable_id = "n" + std::to_string(n.id);
  out.name = n.given_name;
  if (!base_domain.empty()) {
    out.name += '.';
    out.name += base_domain;
  }
  out.name += '.';
  out.user = n.user_id;
  out.key = n.node_key;
  if (n.expiry) out.key_expiry = to_go_time(*n.expiry);
  out.machine = n.machine_key;
  out.disco_key = n.disco_key;
  std::vector<tailcfg::IpPrefix> addrs;
  if (n.ipv4) addrs.push_back(*tailcfg::IpPrefix::make(*n.ipv4, 32));
  if (n.ipv6) addrs.push_back(*tailcfg::IpPrefix::make(*n.ipv6, 128));
  out.addresses = addrs;
  out.allowed_ips = addrs;
  out.endpoints = n.endpoints;
  if (!n.hostinfo_json.empty()) {
    auto hi = tailcfg::decode_json<tailcfg::Hostinfo>(n.hostinfo_json);
    if (hi) {
      out.hostinfo = std::move(*hi);
      if (out.hostinfo->net_info) out.home_derp = out.hostinfo->net_info->preferred_derp;
    }
  }
  if (!out.hostinfo) {
    tailcfg::Hostinfo hi;
    hi.hostname = n.hostname;
    out.hostinfo = hi;
  }
  out.created = to_go_time(n.created_at);
  out.tags = n.tags;
  out.machine_authorized = true;
  out.computed_name = n.given_name;
  out.computed_name_with_host = n.given_name;
  return out;
}

tailcfg::UserProfile to_user_profile(const store::User& u) {
  tailcfg::UserProfile p;
  p.id = u.id;
  p.login_name = u.email.empty() ? u.name : u.email;
  p.display_name = u.display_name.empty() ? u.name : u.display_name;
  p.profile_pic_url = u.profile_pic_url;
  return p;
}

tailcfg::User to_tailcfg_user(const store::User& u) {
  tailcfg::User out;
  out.id = u.id;
  out.display_name = u.display_name.empty() ? u.name : u.display_name;
  out.profile_pic_url = u.profile_pic_url;
  out.created = to_go_time(u.created_at);
  return out;
}

tailcfg::Login to_tailcfg_login(const store::User& u) {
  tailcfg::Login out;
  out.id = u.id;
  out.provider = "latchkey";
  out.login_name = u.email.empty() ? u.name : u.email;
  out.display_name = u.display_name.empty() ? u.name : u.display_name;
  out.profile_pic_url = u.profile_pic_url;
  return out;
}

std::string dns_label(std::string_view hostname) {
  std::string out;
  for (char c : hostname) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= 63) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty()) out = "node";
  return out;
}

}  // namespace latchkey::server
