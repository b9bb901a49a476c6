#include "client/lock_want.h"

namespace latchkey::client {

LockWant lock_want_from(const tailcfg::TkaInfo* info) {
  LockWant w;
  if (info == nullptr) return w;
  w.enabled = !info->disabled;
  if (info->head.empty()) return w;
  auto head = tka::AumHash::from_string(info->head);
  if (!head) {
    w.enabled = false;
    w.head_error = "TKAInfo.Head \"" + info->head.substr(0, 80) + "\" is not an AUM hash: " + head.message();
    return w;
  }
  w.head = *head;
  return w;
}

}  // namespace latchkey::client
