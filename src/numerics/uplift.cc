#include "src/numerics/uplift.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace crossmf {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Interval {
  double low, high;
};

// Wilson's score interval of x successes in n trials.
Interval wilson(double x, double n, double z) {
  const double p = x / n, z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

}  // namespace

double ArmCounts::rate() const { return n > 0 ? static_cast<double>(conversions) / static_cast<double>(n) : kNaN; }

Uplift compare(const ArmCounts& contacted, const ArmCounts& control) {
  Uplift u{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
  u.contacted_rate = contacted.rate();
  u.control_rate = control.rate();
  if (contacted.n == 0 || control.n == 0) return u;
  const double xt = static_cast<double>(contacted.conversions), nt = static_cast<double>(contacted.n);
  const double xc = static_cast<double>(control.conversions), nc = static_cast<double>(control.n);
  const double pt = u.contacted_rate, pc = u.control_rate, z = kUpliftZ;

  const Interval t = wilson(xt, nt, z), c = wilson(xc, nc, z);
  u.absolute = pt - pc;
  u.absolute_low = u.absolute - std::hypot(pt - t.low, c.high - pc);
  u.absolute_high = u.absolute + std::hypot(t.high - pt, pc - c.low);

  if (xc > 0) {
    u.relative = pt / pc - 1;
    if (xt > 0) {
      const double se = std::sqrt(1 / xt - 1 / nt + 1 / xc - 1 / nc);
      u.relative_low = std::exp(std::log(pt / pc) - z * se) - 1;
      u.relative_high = std::exp(std::log(pt / pc) + z * se) - 1;
    }
  }

  const double pooled = (xt + xc) / (nt + nc);
  const double se0 = std::sqrt(pooled * (1 - pooled) * (1 / nt + 1 / nc));
  u.p_value = se0 > 0 ? std::erfc(std::fabs(pt - pc) / se0 / std::sqrt(2.0)) : 1.0;
  return u;
}

}  // namespace crossmf
