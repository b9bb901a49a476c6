// Brings a Node from the map stream into its modern form before anything
// reads it (upstream control/controlclient/map.go upgradeNode): the legacy
// DERP string "127.3.3.40:<region>" becomes HomeDERP, a nil AllowedIPs
// becomes a copy of Addresses, and a peer reachable only for its API
// (UnsignedPeerAPIOnly, outside Tailnet Lock) gets no routes beyond its
// own addresses, so a malicious control cannot route through it.
#pragma once

#include "tailcfg/node.h"

namespace latchkey::client {

void upgrade_node(tailcfg::Node& n);

// The self node's legacy Capabilities list folded into CapMap (a name
// already in CapMap keeps its arguments), so readers only look at CapMap.
void fold_capabilities(tailcfg::Node& self);

}  // namespace latchkey::client
