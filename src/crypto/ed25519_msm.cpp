#include "crypto/ed25519_msm.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <vector>

namespace latchkey::crypto::edwards25519 {
namespace {

// Rough costs in field multiplications, for choosing an algorithm.
constexpr double kCostDouble = 7.5;
constexpr double kCostMixedAdd = 7.0;   // extended + affine-cached
constexpr double kCostFullAdd = 9.0;    // extended + cached, including to_cached

int max_bit_length(std::span<const Scalar> scalars) {
  int bits = 0;
  for (const Scalar& s : scalars) bits = std::max(bits, scalar_bit_length(s));
  return bits;
}

constexpr int kStrausWidth = 5;
constexpr std::size_t kStrausTable = 1 << (kStrausWidth - 2);

double straus_cost(std::size_t n, int bits) {
  const double per_point_table = kCostDouble + 7 * kCostFullAdd + 8;
  return bits * kCostDouble + static_cast<double>(n) * (per_point_table + bits / (kStrausWidth + 1.0) * kCostFullAdd);
}

double pippenger_cost(std::size_t n, int bits, int c) {
  const double windows = scalar_signed_digit_count(bits, c);
  const double buckets = static_cast<double>(std::size_t{1} << (c - 1));
  return static_cast<double>(n) * 2 +
         windows * (static_cast<double>(n) * kCostMixedAdd + buckets * 2 * kCostFullAdd + c * kCostDouble);
}

int best_window(std::size_t n, int bits) {
  int best = 1;
  for (int c = 2; c <= 15; ++c) {
    if (pippenger_cost(n, bits, c) < pippenger_cost(n, bits, best)) best = c;
  }
  return best;
}

}  // namespace

Point straus_vartime(std::span<const Scalar> scalars, std::span<const AffinePoint> points) {
  assert(scalars.size() == points.size());
  const std::size_t n = points.size();
  std::vector<std::array<std::int8_t, 256>> nafs(n);
  std::vector<CachedPoint> tables(n * kStrausTable);  // odd multiples P, 3P, ..., 15P per point
  int top = -1;
  for (std::size_t i = 0; i < n; ++i) {
    nafs[i] = scalar_naf(scalars[i], kStrausWidth);
    for (int j = 255; j > top; --j) {
      if (nafs[i][static_cast<std::size_t>(j)] != 0) {
        top = j;
        break;
      }
    }
    const Point p = to_extended(points[i]);
    const CachedPoint twice = to_cached(point_double(p));
    Point acc = p;
    tables[i * kStrausTable] = to_cached(acc);
    for (std::size_t k = 1; k < kStrausTable; ++k) {
      acc = point_add(acc, twice);
      tables[i * kStrausTable + k] = to_cached(acc);
    }
  }
  Point r = point_identity();
  for (int j = top; j >= 0; --j) {
    r = point_double(r);
    for (std::size_t i = 0; i < n; ++i) {
      const int d = nafs[i][static_cast<std::size_t>(j)];
      if (d > 0) r = point_add(r, tables[i * kStrausTable + static_cast<std::size_t>(d / 2)]);
      if (d < 0) r = point_sub(r, tables[i * kStrausTable + static_cast<std::size_t>(-d / 2)]);
    }
  }
  return r;
}

Point pippenger_vartime(std::span<const Scalar> scalars, std::span<const AffinePoint> points, int window_bits) {
  assert(scalars.size() == points.size());
  const std::size_t n = points.size();
  const int bits = max_bit_length(scalars);
  if (n == 0 || bits == 0) return point_identity();
  const int c = window_bits > 0 ? window_bits : best_window(n, bits);
  const int windows = scalar_signed_digit_count(bits, c);
  const std::size_t num_buckets = std::size_t{1} << (c - 1);

  // Digits window-major, so each pass over one window reads them in order.
  std::vector<std::int16_t> digits(static_cast<std::size_t>(windows) * n);
  std::vector<std::int16_t> one(static_cast<std::size_t>(windows));
  std::vector<AffineCachedPoint> cached(n);
  for (std::size_t i = 0; i < n; ++i) {
    scalar_signed_digits(scalars[i], c, windows, one.data());
    for (std::size_t w = 0; w < one.size(); ++w) digits[w * n + i] = one[w];
    cached[i] = to_affine_cached(points[i]);
  }

  std::vector<Point> buckets(num_buckets);
  std::vector<std::uint8_t> used(num_buckets);
  Point result = point_identity();
  bool have_result = false;
  for (int w = windows - 1; w >= 0; --w) {
    if (have_result) {
      for (int k = 0; k < c; ++k) result = point_double(result);
    }
    std::fill(used.begin(), used.end(), 0);
    const std::int16_t* dw = digits.data() + static_cast<std::size_t>(w) * n;
    for (std::size_t i = 0; i < n; ++i) {
      const int d = dw[i];
      if (d == 0) continue;
      const std::size_t b = static_cast<std::size_t>(d > 0 ? d : -d) - 1;
      if (!used[b]) {
        buckets[b] = point_identity();
        used[b] = 1;
      }
      buckets[b] = d > 0 ? point_add(buckets[b], cached[i]) : point_sub(buckets[b], cached[i]);
    }
    // sum_b (b+1) * bucket[b] as a running sum from the top bucket down.
    Point running{}, window_sum{};
    bool have_running = false, have_sum = false;
    for (std::size_t b = num_buckets; b-- > 0;) {
      if (used[b]) {
        running = have_running ? point_add(running, to_cached(buckets[b])) : buckets[b];
        have_running = true;
      }
      if (have_running) {
        window_sum = have_sum ? point_add(window_sum, to_cached(running)) : running;
        have_sum = true;
      }
    }
    if (have_sum) {
      result = have_result ? point_add(result, to_cached(window_sum)) : window_sum;
      have_result = true;
    }
  }
  return result;
}

Point multiscalar_mult_vartime(std::span<const Scalar> scalars, std::span<const AffinePoint> points) {
  const std::size_t n = points.size();
  const int bits = max_bit_length(scalars);
  if (n == 0 || bits == 0) return point_identity();
  const int c = best_window(n, bits);
  if (straus_cost(n, bits) <= pippenger_cost(n, bits, c)) return straus_vartime(scalars, points);
  return pippenger_vartime(scalars, points, c);
}

}  // namespace latchkey::crypto::edwards25519
