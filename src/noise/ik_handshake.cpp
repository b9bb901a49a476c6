#include "noise/ik_handshake.h"

#include <algorithm>
#include <string>

namespace latchkey::noise {
namespace {

// MixKey(DH(priv, pub)), with upstream's wording on failure.
Status mix_dh(SymmetricState& sym, const crypto::X25519Scalar& priv, const crypto::X25519Point& pub,
              std::string_view what) {
  auto shared = crypto::x25519_shared(priv, pub);
  if (!shared) return Error{"computing " + std::string(what) + ": " + shared.message()};
  sym.mix_key(*shared);
  return {};
}

Status prefixed(Status s, std::string_view what) {
  if (s) return s;
  return Error{std::string(what) + ": " + s.message()};
}

IkResult split_result(const SymmetricState& sym) {
  auto [k1, k2] = sym.split();
  return IkResult{k1, k2, sym.h()};
}

}  // namespace

IkInitiator::IkInitiator(std::string_view protocol_name, ByteView prologue, const Keypair& static_key,
                         const crypto::X25519Point& responder_static, NonceEncoding handshake_nonces)
    : sym_(protocol_name, handshake_nonces), s_(static_key), rs_(responder_static) {
  sym_.mix_hash(prologue);
  sym_.mix_hash(rs_);  // <- s
}

Status IkInitiator::write_message1(const crypto::X25519Scalar& ephemeral_private, ByteView payload,
                                   std::uint8_t* out) {
  // -> e
  e_private_ = ephemeral_private;
  e_public_ = crypto::x25519_public(e_private_);
  std::copy(e_public_.begin(), e_public_.end(), out);
  sym_.mix_hash(e_public_);
  // es
  if (auto s = mix_dh(sym_, e_private_, rs_, "es"); !s) return s;
  // s
  std::uint8_t* p = out + kKeySize;
  if (auto s = sym_.encrypt_and_hash(s_.public_key, p); !s) return s;
  p += kKeySize + sym_.overhead();
  // ss
  if (auto s = mix_dh(sym_, s_.private_key, rs_, "ss"); !s) return s;
  return sym_.encrypt_and_hash(payload, p);
}

Status IkInitiator::read_message2(ByteView message, std::uint8_t* payload_out) {
  if (message.size() < ik_message2_size(0)) return Error{"handshake response message too short"};
  // <- e
  crypto::X25519Point re;
  std::copy_n(message.begin(), kKeySize, re.begin());
  sym_.mix_hash(re);
  // ee, se
  if (auto s = mix_dh(sym_, e_private_, re, "ee"); !s) return s;
  if (auto s = mix_dh(sym_, s_.private_key, re, "se"); !s) return s;
  return prefixed(sym_.decrypt_and_hash(message.subspan(kKeySize), payload_out), "decrypting payload");
}

IkResult IkInitiator::result() const { return split_result(sym_); }

IkResponder::IkResponder(std::string_view protocol_name, ByteView prologue, const Keypair& static_key,
                         NonceEncoding handshake_nonces)
    : sym_(protocol_name, handshake_nonces), s_(static_key) {
  sym_.mix_hash(prologue);
  sym_.mix_hash(s_.public_key);  // <- s
}

Status IkResponder::read_message1(ByteView message, std::uint8_t* payload_out) {
  if (message.size() < ik_message1_size(0)) return Error{"handshake initiation message too short"};
  // -> e
  std::copy_n(message.begin(), kKeySize, re_.begin());
  sym_.mix_hash(re_);
  // es
  if (auto s = mix_dh(sym_, s_.private_key, re_, "es"); !s) return s;
  // s
  const ByteView encrypted_static = message.subspan(kKeySize, kKeySize + kTagSize);
  if (auto s = sym_.decrypt_and_hash(encrypted_static, rs_.data()); !s) {
    return prefixed(std::move(s), "decrypting machine key");
  }
  // ss
  if (auto s = mix_dh(sym_, s_.private_key, rs_, "ss"); !s) return s;
  return prefixed(sym_.decrypt_and_hash(message.subspan(2 * kKeySize + kTagSize), payload_out),
                  "decrypting initiation tag");
}

Status IkResponder::write_message2(const crypto::X25519Scalar& ephemeral_private, ByteView payload,
                                   std::uint8_t* out) {
  // <- e
  const crypto::X25519Point e_public = crypto::x25519_public(ephemeral_private);
  std::copy(e_public.begin(), e_public.end(), out);
  sym_.mix_hash(e_public);
  // ee, se
  if (auto s = mix_dh(sym_, ephemeral_private, re_, "ee"); !s) return s;
  if (auto s = mix_dh(sym_, ephemeral_private, rs_, "se"); !s) return s;
  return sym_.encrypt_and_hash(payload, out + kKeySize);
}

IkResult IkResponder::result() const { return split_result(sym_); }

}  // namespace latchkey::noise
