// AcceptBackoff: how long a listener pauses after a failed accept — 5 ms,
// doubling with each further failure up to 1 s, and back to 5 ms once an
// accept succeeds. A failed accept (out of file descriptors, kernel memory
// or buffers) leaves the pending connection in the backlog, so retrying at
// once fails the same way at once: the loop would spin on every core.
// Mirrors the tempDelay loop of Go's net/http Server.Serve.
#pragma once

#include <chrono>

namespace latchkey::transport {

class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{5};
  static constexpr std::chrono::milliseconds kMax{1000};

  // An accept failed: the pause before the next attempt.
  std::chrono::milliseconds failed();
  // An accept succeeded: the next failure pauses kFirst again.
  void succeeded() { delay_ = std::chrono::milliseconds(0); }

 private:
  std::chrono::milliseconds delay_{0};
};

}  // namespace latchkey::transport
