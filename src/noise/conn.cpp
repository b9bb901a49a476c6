#include "noise/conn.h"

namespace latchkey::noise {

Conn::Conn(std::uint16_t protocol_version, const crypto::X25519Point& peer,
           const crypto::Blake2sDigest& handshake_hash, const crypto::ChaChaKey& send_key,
           const crypto::ChaChaKey& receive_key)
    : version_(protocol_version), peer_(peer), handshake_hash_(handshake_hash), tx_(send_key), rx_(receive_key) {}

}  // namespace latchkey::noise
