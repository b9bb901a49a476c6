#include "client/backoff.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <random>

#include "transport/http_date.h"

namespace latchkey::client {

UnitRandom default_unit_random() {
  std::random_device seed;
  return [engine = std::mt19937_64(seed()), dist = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
    return dist(engine);
  };
}

Backoff::Backoff(UnitRandom random, std::chrono::milliseconds max) : random_(std::move(random)), max_(max) {}

std::chrono::milliseconds Backoff::next_delay() {
  // Stop counting once the cap is reached so n² cannot overflow.
  if (std::chrono::milliseconds(std::int64_t{failures_} * failures_ * 10) < max_) ++failures_;
  const auto base = std::min(std::chrono::milliseconds(std::int64_t{failures_} * failures_ * 10), max_);
  const double factor = random_() + 0.5;
  return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) * factor));
}

namespace {

// strconv.Atoi: an optional sign and decimal digits, nothing else.
std::optional<std::int64_t> go_atoi(std::string_view text) {
  if (text.starts_with('+')) {
    text.remove_prefix(1);
    if (text.starts_with('-')) return std::nullopt;
  }
  std::int64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return v;
}

}  // namespace

std::chrono::milliseconds parse_retry_after(std::string_view header, std::chrono::system_clock::time_point now,
                                            const UnitRandom& random) {
  using std::chrono::milliseconds;
  constexpr std::chrono::seconds kMaxWait{3600};
  // Zero stands for "no usable value", as upstream's zero Duration does.
  std::chrono::system_clock::duration wait{0};
  if (auto seconds = go_atoi(header)) {
    // Compared as seconds first: a huge count must not overflow the duration.
    if (*seconds > 0 && *seconds <= kMaxWait.count()) wait = std::chrono::seconds(*seconds);
  } else if (auto when = transport::parse_http_date(header)) {
    wait = *when - now;
  }
  if (wait <= std::chrono::system_clock::duration::zero() || wait > kMaxWait) {
    constexpr milliseconds kFallback{5000};
    return kFallback + milliseconds(static_cast<std::int64_t>(random() * static_cast<double>(kFallback.count())));
  }
  return std::chrono::duration_cast<milliseconds>(wait);
}

}  // namespace latchkey::client
