// The client's counters in the Prometheus text format (version 0.0.4), as
// `latchkey up` serves them on GET /metrics of its status socket: drawn
// from the same ClientStatus the status document is, so the two never
// disagree. Names carry the latchkey_client_ prefix.
#pragma once

#include <string>

#include "client/status.h"

namespace latchkey::client {

std::string status_metrics(const ClientStatus& status);

}  // namespace latchkey::client
