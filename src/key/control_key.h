// Control keys (upstream types/key/control.go): the control server's own
// Noise static key. It is a machine key in every respect except its JSON
// form, an array of 32 byte values (how Tailscale's control database stores
// it); see key/json.h. latchkey's own server may as well store a
// MachinePrivate; this type exists to read and write that legacy form.
#pragma once

#include "key/machine_key.h"

namespace latchkey::key {

class ControlPrivate {
 public:
  ControlPrivate() = default;  // the zero key
  static ControlPrivate generate() { return ControlPrivate(MachinePrivate::generate()); }
  explicit ControlPrivate(const MachinePrivate& machine) : k_(machine) {}

  const MachinePrivate& machine_key() const { return k_; }
  bool is_zero() const { return k_.is_zero(); }
  MachinePublic public_key() const { return k_.public_key(); }

  // Constant time.
  friend bool operator==(const ControlPrivate& a, const ControlPrivate& b) { return a.k_ == b.k_; }

 private:
  MachinePrivate k_;
};

}  // namespace latchkey::key
