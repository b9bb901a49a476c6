// Cryptographically secure random bytes (libsodium's randombytes, backed by
// the kernel's getrandom).
#pragma once

#include <span>
#include <cstdint>

namespace latchkey::crypto {

void random_bytes(std::span<std::uint8_t> out);

// Runs libsodium's one-time initialisation (CPU feature selection). Every
// entry point that calls libsodium calls this first; after the first call it
// costs one predictable branch.
void ensure_sodium();

}  // namespace latchkey::crypto
