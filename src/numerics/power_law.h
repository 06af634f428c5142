// A power law over ranks 0..n-1 that can be sampled in O(1), also restricted to a tail [lo, n).
#pragma once
#include "src/base/types.h"

namespace crossmf {

// P(r) is proportional to the integral of (x + 1)^-a over [r, r + 1): a discretised Pareto law,
// close to (r + 1)^-a, whose cumulative distribution inverts in closed form. Sampling from any
// tail costs one log and one exp, so a sampler without replacement can skip a fully drawn head
// without rebuilding a table. a = 0 is uniform.
class PowerLaw {
 public:
  PowerLaw(count_t n, double exponent);
  count_t size() const { return n_; }
  double exponent() const { return a_; }
  // Rank for a uniform u in [0, 1), conditioned on rank >= lo (0 <= lo < n).
  count_t draw(double u, count_t lo = 0) const;
  double probability(count_t r) const;

 private:
  double cumulative(double x) const;  // integral of (t + 1)^-a over [0, x)
  double inverse(double v) const;
  count_t n_;
  double a_, b_;  // b = 1 - a
  double total_;
};

}  // namespace crossmf
