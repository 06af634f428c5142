// The comparison of src/numerics/uplift.h: the absolute interval against Newcombe's published
// values (1998, Table II, method 10), the relative interval and the p-value against hand
// computation, and the cases where a statistic does not exist.
#include <gtest/gtest.h>

#include <cmath>

#include "src/numerics/uplift.h"

using namespace crossmf;

TEST(Uplift, AbsoluteIntervalIsNewcombesMethod10) {
  struct Case {
    std::int64_t xt, nt, xc, nc;
    double low, high;
  };
  // Newcombe (1998), Statistics in Medicine 17:873-890, Table II, examples (a)-(f) plus (h).
  const Case cases[] = {{56, 70, 48, 80, 0.0524, 0.3339}, {9, 10, 3, 10, 0.1705, 0.8090},
                        {6, 7, 2, 7, 0.0582, 0.8062},     {5, 56, 0, 29, -0.0381, 0.1926},
                        {0, 10, 0, 20, -0.1611, 0.2775},  {0, 10, 0, 10, -0.2775, 0.2775},
                        {10, 10, 0, 10, 0.6075, 1.0000}};
  for (const Case& c : cases) {
    const Uplift u = compare({c.nt, c.xt}, {c.nc, c.xc});
    EXPECT_NEAR(u.absolute, double(c.xt) / c.nt - double(c.xc) / c.nc, 1e-15);
    EXPECT_NEAR(u.absolute_low, c.low, 5e-5) << c.xt << "/" << c.nt << " - " << c.xc << "/" << c.nc;
    EXPECT_NEAR(u.absolute_high, c.high, 5e-5) << c.xt << "/" << c.nt << " - " << c.xc << "/" << c.nc;
  }
}

TEST(Uplift, RelativeIntervalAndPValue) {
  // 56/70 against 48/80: ratio 4/3; log-ratio standard error sqrt(1/56 - 1/70 + 1/48 - 1/80) =
  // 0.10911, so exp(log(4/3) -+ 1.96 * 0.10911) - 1 = 0.0766, 0.6512. Pooled 104/150: z = 0.2 /
  // sqrt(0.69333 * 0.30667 * (1/70 + 1/80)) = 2.6502, two-sided p = 0.00805.
  const Uplift u = compare({70, 56}, {80, 48});
  EXPECT_NEAR(u.relative, 1.0 / 3, 1e-12);
  EXPECT_NEAR(u.relative_low, 0.0766, 1e-4);
  EXPECT_NEAR(u.relative_high, 0.6512, 1e-4);
  EXPECT_NEAR(u.p_value, 0.00805, 1e-5);
}

TEST(Uplift, UndefinedStatisticsAreNaN) {
  const Uplift no_control = compare({10, 3}, {0, 0});
  EXPECT_EQ(no_control.contacted_rate, 0.3);
  for (double v : {no_control.control_rate, no_control.absolute, no_control.absolute_low, no_control.relative,
                   no_control.p_value})
    EXPECT_TRUE(std::isnan(v));
  const Uplift none_converted_in_control = compare({50, 5}, {20, 0});
  EXPECT_TRUE(std::isnan(none_converted_in_control.relative));
  EXPECT_TRUE(std::isnan(none_converted_in_control.relative_high));
  EXPECT_FALSE(std::isnan(none_converted_in_control.absolute_low));
  const Uplift none_contacted_converted = compare({50, 0}, {20, 4});
  EXPECT_EQ(none_contacted_converted.relative, -1);
  EXPECT_TRUE(std::isnan(none_contacted_converted.relative_low));
  EXPECT_EQ(compare({50, 0}, {20, 0}).p_value, 1);    // nobody converted: no difference seen
  EXPECT_EQ(compare({50, 50}, {20, 20}).p_value, 1);  // everybody did
}
