// Exact distributed quantiles (radix_quantiles.h) against a sort, with the data split over
// two holders whose counts are summed as the ranks' would be.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "src/numerics/radix_quantiles.h"
#include "src/numerics/random_stream.h"

using namespace crossmf;

namespace {
void add_into(std::span<count_t> into, std::span<count_t> from) {
  for (std::size_t k = 0; k < into.size(); ++k) into[k] += from[k];
}

void expect_exact(const std::vector<float>& data, const std::vector<double>& q) {
  const std::size_t half = data.size() / 3;
  const std::span<const float> a(data.data(), half), b(data.data() + half, data.size() - half);
  RadixQuantiles x(q), y(q);
  x.count_coarse(a);
  y.count_coarse(b);
  // The allreduce: both holders end up with the summed counts and choose the same buckets.
  add_into(x.coarse(), y.coarse());
  std::copy(x.coarse().begin(), x.coarse().end(), y.coarse().begin());
  ASSERT_TRUE(x.choose());
  ASSERT_TRUE(y.choose());
  x.count_fine(a);
  y.count_fine(b);
  add_into(x.fine(), y.fine());
  std::vector<float> sorted;
  for (float v : data) if (!std::isnan(v)) sorted.push_back(v);
  std::sort(sorted.begin(), sorted.end());
  const auto got = x.values();
  for (std::size_t j = 0; j < q.size(); ++j) {
    const count_t n = static_cast<count_t>(sorted.size());
    const count_t rank = std::clamp<count_t>(static_cast<count_t>(std::ceil(q[j] * n)), 1, n);
    EXPECT_EQ(got[j], sorted[rank - 1]) << "q=" << q[j];
  }
}
}  // namespace

TEST(RadixQuantiles, MatchesSortOnCountsAndSignedFloats) {
  RandomStream rs(11, Purpose::global, 0);
  std::vector<float> counts, mixed;
  for (int k = 0; k < 50000; ++k) {
    counts.push_back(1.0f + static_cast<float>(rs.below(1 + rs.below(300))));
    mixed.push_back(static_cast<float>(rs.normal() * std::pow(10.0, rs.uniform() * 6 - 3)));
  }
  mixed.push_back(-0.0f);
  mixed.push_back(std::numeric_limits<float>::quiet_NaN());
  const std::vector<double> q = {0, 0.001, 0.25, 0.5, 0.75, 0.9, 0.99, 1};
  expect_exact(counts, q);
  expect_exact(mixed, q);
}

TEST(RadixQuantiles, NoValues) {
  RadixQuantiles x({0.5});
  x.count_coarse(std::vector<float>{std::numeric_limits<float>::quiet_NaN()});
  EXPECT_FALSE(x.choose());
}
