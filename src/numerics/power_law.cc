#include "src/numerics/power_law.h"

#include <algorithm>
#include <cmath>

namespace crossmf {

namespace {
// Below this |1 - a| the law is treated as a = 1 (log form); the two agree to ~1e-12 there.
constexpr double kLogForm = 1e-9;
}  // namespace

PowerLaw::PowerLaw(count_t n, double exponent) : n_(n), a_(exponent), b_(1.0 - exponent) {
  total_ = cumulative(static_cast<double>(n_));
}

// expm1/log1p keep both directions accurate near a = 1, where (x+1)^(1-a) - 1 cancels.
double PowerLaw::cumulative(double x) const {
  const double l = std::log1p(x);
  return std::abs(b_) < kLogForm ? l : std::expm1(b_ * l) / b_;
}

double PowerLaw::inverse(double v) const {
  const double l = std::abs(b_) < kLogForm ? v : std::log1p(b_ * v) / b_;
  return std::expm1(l);
}

count_t PowerLaw::draw(double u, count_t lo) const {
  const double from = cumulative(static_cast<double>(lo));
  const double x = inverse(from + u * (total_ - from));
  // Rounding can put x a hair outside [lo, n); the clamp keeps the rank valid.
  const count_t r = std::isfinite(x) ? static_cast<count_t>(std::floor(x)) : n_ - 1;
  return std::clamp(r, lo, n_ - 1);
}

double PowerLaw::probability(count_t r) const {
  // (r+2)^b - (r+1)^b written as (r+1)^b * expm1(b * log1p(1/(r+1))), exact for large r too.
  const double base = static_cast<double>(r) + 1.0;
  const double step = std::log1p(1.0 / base);
  const double mass = std::abs(b_) < kLogForm ? step : std::pow(base, b_) * std::expm1(b_ * step) / b_;
  return mass / total_;
}

}  // namespace crossmf
