// The power law of src/numerics/power_law.h: its probabilities against the closed form, and
// its sampler's frequencies against its probabilities.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "src/numerics/power_law.h"
#include "src/numerics/random_stream.h"

using namespace crossmf;

namespace {
// (r+2)^(1-a) - (r+1)^(1-a) over (n+1)^(1-a) - 1, straight from the definition.
double expected(count_t r, count_t n, double a) {
  if (a == 1.0) return std::log((r + 2.0) / (r + 1.0)) / std::log(n + 1.0);
  const double b = 1 - a;
  return (std::pow(r + 2.0, b) - std::pow(r + 1.0, b)) / (std::pow(n + 1.0, b) - 1);
}
}  // namespace

TEST(PowerLaw, ProbabilitiesFollowTheDefinitionAndSumToOne) {
  for (double a : {0.0, 0.5, 0.8, 1.0, 1.5, 3.0}) {
    const count_t n = 1000;
    PowerLaw law(n, a);
    double sum = 0;
    for (count_t r = 0; r < n; ++r) {
      EXPECT_NEAR(law.probability(r), expected(r, n, a), 1e-12) << "a=" << a << " r=" << r;
      sum += law.probability(r);
    }
    EXPECT_NEAR(sum, 1.0, 1e-9) << "a=" << a;
  }
}

TEST(PowerLaw, NearOneIsContinuous) {
  PowerLaw below(5000, 1.0 - 1e-7), at(5000, 1.0), above(5000, 1.0 + 1e-7);
  for (count_t r : {0, 10, 4999}) {
    EXPECT_NEAR(below.probability(r), at.probability(r), 1e-6 * at.probability(r));
    EXPECT_NEAR(above.probability(r), at.probability(r), 1e-6 * at.probability(r));
  }
}

// Draw counts per rank within 5 standard deviations of n * p, over the head and lumped tail.
void expect_frequencies(const PowerLaw& law, count_t lo, int draws) {
  const count_t n = law.size();
  std::vector<int> hits(n, 0);
  RandomStream rs(7, Purpose::global, static_cast<std::uint64_t>(lo * 100 + law.exponent() * 10));
  for (int k = 0; k < draws; ++k) {
    const count_t r = law.draw(rs.uniform(), lo);
    ASSERT_GE(r, lo);
    ASSERT_LT(r, n);
    ++hits[r];
  }
  double tail_mass = 0;
  for (count_t r = lo; r < n; ++r) tail_mass += law.probability(r);
  for (count_t r = lo; r < std::min(n, lo + 30); ++r) {
    const double p = law.probability(r) / tail_mass;
    const double mean = draws * p, sd = std::sqrt(draws * p * (1 - p));
    EXPECT_NEAR(hits[r], mean, 5 * sd + 1) << "rank " << r << " a=" << law.exponent() << " lo=" << lo;
  }
}

TEST(PowerLaw, SamplerFrequenciesMatchProbabilities) {
  for (double a : {0.0, 0.8, 1.0, 2.0}) expect_frequencies(PowerLaw(500, a), 0, 400000);
}

TEST(PowerLaw, TailDrawsAreTheConditionalLaw) {
  for (double a : {0.8, 3.0}) expect_frequencies(PowerLaw(500, a), 37, 200000);
  // The last rank alone is always drawn.
  PowerLaw law(10, 1.2);
  EXPECT_EQ(law.draw(0.0, 9), 9);
  EXPECT_EQ(law.draw(0.999999999, 9), 9);
}

TEST(PowerLaw, TopRankShareFallsWithTheExponent) {
  // A steeper law puts more mass on rank 0; the uniform law 1/n.
  EXPECT_NEAR(PowerLaw(100, 0.0).probability(0), 0.01, 1e-12);
  EXPECT_LT(PowerLaw(100, 0.5).probability(0), PowerLaw(100, 1.0).probability(0));
  EXPECT_LT(PowerLaw(100, 1.0).probability(0), PowerLaw(100, 2.0).probability(0));
}
