// Counter-based streams: the same (seed, purpose, id) gives the same numbers, anything else
// different ones, with the right distributions.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "src/numerics/random_stream.h"

using namespace crossmf;

TEST(RandomStream, SameKeySameNumbers) {
  RandomStream a(42, Purpose::user_ratings, 123), b(42, Purpose::user_ratings, 123);
  for (int k = 0; k < 1000; ++k) ASSERT_EQ(a.next(), b.next());
}

TEST(RandomStream, AnyOtherKeyDiffers) {
  std::set<std::uint64_t> first;
  for (std::uint64_t seed : {1, 2})
    for (auto p : {Purpose::user_traits, Purpose::user_ratings, Purpose::item_traits})
      for (std::uint64_t id = 0; id < 100; ++id) first.insert(RandomStream(seed, p, id).next());
  EXPECT_EQ(first.size(), 2u * 3u * 100u);
}

TEST(RandomStream, Distributions) {
  RandomStream rs(5, Purpose::global, 0);
  const int n = 200000;
  double su = 0, sn = 0, sn2 = 0;
  int below7[7] = {};
  for (int k = 0; k < n; ++k) {
    const double u = rs.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    su += u;
    const double z = rs.normal();
    sn += z;
    sn2 += z * z;
    ++below7[rs.below(7)];
  }
  EXPECT_NEAR(su / n, 0.5, 0.005);
  EXPECT_NEAR(sn / n, 0.0, 0.01);
  EXPECT_NEAR(sn2 / n, 1.0, 0.02);
  for (int c : below7) EXPECT_NEAR(c, n / 7.0, 5 * std::sqrt(n / 7.0));
}
