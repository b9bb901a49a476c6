// The Noise control key file of `latchkey debug noise-echo-server`: one line
// holding the private key in upstream's MachinePrivate text form,
// "privkey:<64 hex digits>" (what key.MachinePrivate.MarshalText writes).
// A missing file is created with a fresh key (mode 0600, never overwriting
// a file that appears meanwhile).
#pragma once

#include <string>

#include "base/result.h"
#include "key/machine_key.h"

namespace latchkey::cli {

// Reads the key from `path`, or creates the file with a new key when it
// does not exist. Refuses unreadable files, other text and the zero key.
Result<key::MachinePrivate> load_or_create_control_key(const std::string& path);

}  // namespace latchkey::cli
