#include "tailcfg/hostinfo.h"

#include "tailcfg/json_fields.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

void write_value(JsonWriter& w, const Service& v) {
  w.begin_object();
  field(w, "Proto", v.proto);
  field(w, "Port", v.port);
  field_omitempty(w, "Description", v.description);
  w.end_object();
}

void write_value(JsonWriter& w, const NetInfo& v) {
  w.begin_object();
  field_omitzero(w, "MappingVariesByDestIP", v.mapping_varies_by_dest_ip);
  field_omitzero(w, "WorkingIPv6", v.working_ipv6);
  field_omitzero(w, "OSHasIPv6", v.os_has_ipv6);
  field_omitzero(w, "WorkingUDP", v.working_udp);
  field_omitzero(w, "WorkingICMPv4", v.working_icmpv4);
  field_omitzero(w, "HavePortMap", v.have_port_map);
  field_omitzero(w, "UPnP", v.upnp);
  field_omitzero(w, "PMP", v.pmp);
  field_omitzero(w, "PCP", v.pcp);
  field_omitzero(w, "PreferredDERP", v.preferred_derp);
  field_omitzero(w, "LinkType", v.link_type);
  field_omitempty(w, "DERPLatency", v.derp_latency);
  field_omitzero(w, "FirewallMode", v.firewall_mode);
  w.end_object();
}

void write_value(JsonWriter& w, const Location& v) {
  w.begin_object();
  field_omitempty(w, "Country", v.country);
  field_omitempty(w, "CountryCode", v.country_code);
  field_omitempty(w, "City", v.city);
  field_omitempty(w, "CityCode", v.city_code);
  field_omitempty(w, "Latitude", v.latitude);
  field_omitempty(w, "Longitude", v.longitude);
  field_omitempty(w, "Priority", v.priority);
  w.end_object();
}

void write_value(JsonWriter& w, const TpmInfo& v) {
  w.begin_object();
  field_omitzero(w, "Manufacturer", v.manufacturer);
  field_omitzero(w, "Vendor", v.vendor);
  field_omitzero(w, "Model", v.model);
  field_omitzero(w, "FirmwareVersion", v.firmware_version);
  field_omitzero(w, "SpecRevision", v.spec_revision);
  field_omitzero(w, "FamilyIndicator", v.family_indicator);
  w.end_object();
}

void write_value(JsonWriter& w, const Hostinfo& v) {
  w.begin_object();
  field_omitzero(w, "IPNVersion", v.ipn_version);
  field_omitzero(w, "FrontendLogID", v.frontend_log_id);
  field_omitzero(w, "BackendLogID", v.backend_log_id);
  field_omitzero(w, "OS", v.os);
  field_omitzero(w, "OSVersion", v.os_version);
  field_omitzero(w, "Container", v.container);
  field_omitzero(w, "Env", v.env);
  field_omitzero(w, "Distro", v.distro);
  field_omitzero(w, "DistroVersion", v.distro_version);
  field_omitzero(w, "DistroCodeName", v.distro_code_name);
  field_omitzero(w, "App", v.app);
  field_omitzero(w, "Desktop", v.desktop);
  field_omitzero(w, "Package", v.package);
  field_omitzero(w, "DeviceModel", v.device_model);
  field_omitzero(w, "PushDeviceToken", v.push_device_token);
  field_omitzero(w, "Hostname", v.hostname);
  field_omitzero(w, "ShieldsUp", v.shields_up);
  field_omitzero(w, "ShareeNode", v.sharee_node);
  field_omitzero(w, "NoLogsNoSupport", v.no_logs_no_support);
  field_omitzero(w, "RemoteConfig", v.remote_config);
  field_omitzero(w, "WireIngress", v.wire_ingress);
  field_omitzero(w, "IngressEnabled", v.ingress_enabled);
  field_omitzero(w, "AllowsUpdate", v.allows_update);
  field_omitzero(w, "Machine", v.machine);
  field_omitzero(w, "GoArch", v.go_arch);
  field_omitzero(w, "GoArchVar", v.go_arch_var);
  field_omitzero(w, "GoVersion", v.go_version);
  field_omitempty(w, "RoutableIPs", v.routable_ips);
  field_omitempty(w, "RequestTags", v.request_tags);
  field_omitempty(w, "WoLMACs", v.wol_macs);
  field_omitempty(w, "Services", v.services);
  field_omitzero(w, "NetInfo", v.net_info);
  field_omitempty(w, "sshHostKeys", v.ssh_host_keys);
  field_omitzero(w, "Cloud", v.cloud);
  field_omitzero(w, "Userspace", v.userspace);
  field_omitzero(w, "UserspaceRouter", v.userspace_router);
  field_omitzero(w, "AppConnector", v.app_connector);
  field_omitzero(w, "ServicesHash", v.services_hash);
  field_omitzero(w, "PeerRelay", v.peer_relay);
  field_omitzero(w, "ExitNodeID", v.exit_node_id);
  field_omitzero(w, "Location", v.location);
  field_omitzero(w, "TPM", v.tpm);
  field_omitzero(w, "StateEncrypted", v.state_encrypted);
  w.end_object();
}

Status read_value(const JsonValue& v, Service& out, DecodeContext& c) {
  static const FieldReader<Service> kFields[] = {
      LATCHKEY_FIELD(Service, "Proto", proto),
      LATCHKEY_FIELD(Service, "Port", port),
      LATCHKEY_FIELD(Service, "Description", description),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, NetInfo& out, DecodeContext& c) {
  static const FieldReader<NetInfo> kFields[] = {
      LATCHKEY_FIELD(NetInfo, "MappingVariesByDestIP", mapping_varies_by_dest_ip),
      LATCHKEY_FIELD(NetInfo, "WorkingIPv6", working_ipv6),
      LATCHKEY_FIELD(NetInfo, "OSHasIPv6", os_has_ipv6),
      LATCHKEY_FIELD(NetInfo, "WorkingUDP", working_udp),
      LATCHKEY_FIELD(NetInfo, "WorkingICMPv4", working_icmpv4),
      LATCHKEY_FIELD(NetInfo, "HavePortMap", have_port_map),
      LATCHKEY_FIELD(NetInfo, "UPnP", upnp),
      LATCHKEY_FIELD(NetInfo, "PMP", pmp),
      LATCHKEY_FIELD(NetInfo, "PCP", pcp),
      LATCHKEY_FIELD(NetInfo, "PreferredDERP", preferred_derp),
      LATCHKEY_FIELD(NetInfo, "LinkType", link_type),
      LATCHKEY_FIELD(NetInfo, "DERPLatency", derp_latency),
      LATCHKEY_FIELD(NetInfo, "FirewallMode", firewall_mode),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, Location& out, DecodeContext& c) {
  static const FieldReader<Location> kFields[] = {
      LATCHKEY_FIELD(Location, "Country", country),
      LATCHKEY_FIELD(Location, "CountryCode", country_code),
      LATCHKEY_FIELD(Location, "City", city),
      LATCHKEY_FIELD(Location, "CityCode", city_code),
      LATCHKEY_FIELD(Location, "Latitude", latitude),
      LATCHKEY_FIELD(Location, "Longitude", longitude),
      LATCHKEY_FIELD(Location, "Priority", priority),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, TpmInfo& out, DecodeContext& c) {
  static const FieldReader<TpmInfo> kFields[] = {
      LATCHKEY_FIELD(TpmInfo, "Manufacturer", manufacturer),
      LATCHKEY_FIELD(TpmInfo, "Vendor", vendor),
      LATCHKEY_FIELD(TpmInfo, "Model", model),
      LATCHKEY_FIELD(TpmInfo, "FirmwareVersion", firmware_version),
      LATCHKEY_FIELD(TpmInfo, "SpecRevision", spec_revision),
      LATCHKEY_FIELD(TpmInfo, "FamilyIndicator", family_indicator),
  };
  return read_struct(v, out, c, kFields);
}

Status read_value(const JsonValue& v, Hostinfo& out, DecodeContext& c) {
  static const FieldReader<Hostinfo> kFields[] = {
      LATCHKEY_FIELD(Hostinfo, "IPNVersion", ipn_version),
      LATCHKEY_FIELD(Hostinfo, "FrontendLogID", frontend_log_id),
      LATCHKEY_FIELD(Hostinfo, "BackendLogID", backend_log_id),
      LATCHKEY_FIELD(Hostinfo, "OS", os),
      LATCHKEY_FIELD(Hostinfo, "OSVersion", os_version),
      LATCHKEY_FIELD(Hostinfo, "Container", container),
      LATCHKEY_FIELD(Hostinfo, "Env", env),
      LATCHKEY_FIELD(Hostinfo, "Distro", distro),
      LATCHKEY_FIELD(Hostinfo, "DistroVersion", distro_version),
      LATCHKEY_FIELD(Hostinfo, "DistroCodeName", distro_code_name),
      LATCHKEY_FIELD(Hostinfo, "App", app),
      LATCHKEY_FIELD(Hostinfo, "Desktop", desktop),
      LATCHKEY_FIELD(Hostinfo, "Package", package),
      LATCHKEY_FIELD(Hostinfo, "DeviceModel", device_model),
      LATCHKEY_FIELD(Hostinfo, "PushDeviceToken", push_device_token),
      LATCHKEY_FIELD(Hostinfo, "Hostname", hostname),
      LATCHKEY_FIELD(Hostinfo, "ShieldsUp", shields_up),
      LATCHKEY_FIELD(Hostinfo, "ShareeNode", sharee_node),
      LATCHKEY_FIELD(Hostinfo, "NoLogsNoSupport", no_logs_no_support),
      LATCHKEY_FIELD(Hostinfo, "RemoteConfig", remote_config),
      LATCHKEY_FIELD(Hostinfo, "WireIngress", wire_ingress),
      LATCHKEY_FIELD(Hostinfo, "IngressEnabled", ingress_enabled),
      LATCHKEY_FIELD(Hostinfo, "AllowsUpdate", allows_update),
      LATCHKEY_FIELD(Hostinfo, "Machine", machine),
      LATCHKEY_FIELD(Hostinfo, "GoArch", go_arch),
      LATCHKEY_FIELD(Hostinfo, "GoArchVar", go_arch_var),
      LATCHKEY_FIELD(Hostinfo, "GoVersion", go_version),
      LATCHKEY_FIELD(Hostinfo, "RoutableIPs", routable_ips),
      LATCHKEY_FIELD(Hostinfo, "RequestTags", request_tags),
      LATCHKEY_FIELD(Hostinfo, "WoLMACs", wol_macs),
      LATCHKEY_FIELD(Hostinfo, "Services", services),
      LATCHKEY_FIELD(Hostinfo, "NetInfo", net_info),
      LATCHKEY_FIELD(Hostinfo, "sshHostKeys", ssh_host_keys),
      LATCHKEY_FIELD(Hostinfo, "Cloud", cloud),
      LATCHKEY_FIELD(Hostinfo, "Userspace", userspace),
      LATCHKEY_FIELD(Hostinfo, "UserspaceRouter", userspace_router),
      LATCHKEY_FIELD(Hostinfo, "AppConnector", app_connector),
      LATCHKEY_FIELD(Hostinfo, "ServicesHash", services_hash),
      LATCHKEY_FIELD(Hostinfo, "PeerRelay", peer_relay),
      LATCHKEY_FIELD(Hostinfo, "ExitNodeID", exit_node_id),
      LATCHKEY_FIELD(Hostinfo, "Location", location),
      LATCHKEY_FIELD(Hostinfo, "TPM", tpm),
      LATCHKEY_FIELD(Hostinfo, "StateEncrypted", state_encrypted),
  };
  return read_struct(v, out, c, kFields);
}

}  // namespace latchkey::tailcfg
