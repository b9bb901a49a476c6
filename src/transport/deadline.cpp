#include "transport/deadline.h"

namespace latchkey::transport {

std::shared_ptr<Deadline> Deadline::start(boost::asio::any_io_executor executor,
                                          std::function<void(CloseReason)> on_expire) {
  return std::make_shared<Deadline>(std::move(executor), std::move(on_expire));
}

Deadline::Deadline(boost::asio::any_io_executor executor, std::function<void(CloseReason)> on_expire)
    : timer_(std::move(executor)), on_expire_(std::move(on_expire)) {}

Deadline::Clock::time_point Deadline::earliest() const {
  auto at = Clock::time_point::max();
  for (const auto& e : slots_) {
    if (e.armed && e.at < at) at = e.at;
  }
  return at;
}

void Deadline::arm(Slot slot, Clock::duration after, CloseReason reason) {
  if (stopped_) return;
  auto& e = slots_[static_cast<std::size_t>(slot)];
  e.armed = true;
  e.at = Clock::now() + after;
  e.reason = reason;
  // Only an earlier deadline needs the timer moved; a later one is picked up
  // when the current wait ends.
  if (!waiting_ || e.at < timer_.expiry()) watch();
}

void Deadline::disarm(Slot slot) { slots_[static_cast<std::size_t>(slot)].armed = false; }

void Deadline::stop() {
  stopped_ = true;
  for (auto& e : slots_) e.armed = false;
  on_expire_ = nullptr;  // drops whatever the action kept alive
  timer_.cancel();
}

void Deadline::watch() {
  auto at = earliest();
  if (at == Clock::time_point::max()) return;
  // Setting the expiry cancels a wait in flight; its handler sees the
  // cancellation (or a changed expiry) and leaves the new wait in charge.
  timer_.expires_at(at);
  waiting_ = true;
  timer_.async_wait([self = shared_from_this(), at](const boost::system::error_code& ec) {
    if (self->stopped_ || ec || self->timer_.expiry() != at) return;
    self->waiting_ = false;
    auto now = Clock::now();
    for (auto& e : self->slots_) {
      if (e.armed && e.at <= now) {
        e.armed = false;
        if (!self->expired_) self->expired_ = e.reason;
        auto action = self->on_expire_;  // a copy: the action may call stop()
        if (action) action(e.reason);
        if (self->stopped_) return;
      }
    }
    self->watch();
  });
}

}  // namespace latchkey::transport
