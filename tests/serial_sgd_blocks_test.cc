// SGD over a block (src/kernels/sgd_blocks.h), at every kernel level: each step moves every
// parameter by -(its AdaGrad rate) x (the analytic gradient of the per-rating objective),
// checked against central finite differences of that objective; a block of many ratings equals
// the same steps taken one at a time in double precision, in the documented order.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "src/numerics/random.h"
#include "tests/kernel_levels.h"

using namespace crossmf;

namespace {

std::vector<double> numeric_gradient(const std::function<double(const std::vector<double>&)>& loss, std::vector<double> p) {
  std::vector<double> g(p.size());
  for (std::size_t j = 0; j < p.size(); ++j) {
    const double h = 1e-5, keep = p[j];
    p[j] = keep + h;
    const double up = loss(p);
    p[j] = keep - h;
    const double down = loss(p);
    p[j] = keep;
    g[j] = (up - down) / (2 * h);
  }
  return g;
}

std::vector<real> random_row(int n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<real> v(n);
  for (auto& x : v) x = static_cast<real>(rng.normal() * 0.4);
  return v;
}

std::vector<double> joined(std::initializer_list<const std::vector<real>*> rows) {
  std::vector<double> p;
  for (const auto* r : rows) p.insert(p.end(), r->begin(), r->end());
  return p;
}

class SgdBlocks : public crossmf::testing::EveryLevel {};
CROSSMF_AT_EVERY_LEVEL(SgdBlocks);

}  // namespace

// k = 7: below one vector of any level (the scalar tail only); 37: whole vectors and a tail;
// 64: whole vectors on both accumulators of the dot product.
TEST_P(SgdBlocks, ExplicitStepFollowsTheAnalyticGradient) {
  for (int k : {7, 37, 64}) {
    SCOPED_TRACE(::testing::Message() << "k " << k);
    const real mu = 3.0f, r = 4.5f, lambda = 0.05f, eta = 0.01f;
    std::vector<real> x = random_row(k + 1, 1), y = random_row(k + 1, 2);
    // 1/2 (r - mu - x.y - bx - by)^2 + lambda/2 (|x|^2 + |y|^2), parameters [x, y] with biases last.
    auto loss = [&](const std::vector<double>& p) {
      double dot = 0, reg = 0;
      for (int f = 0; f < k; ++f) dot += p[f] * p[k + 1 + f];
      for (double v : p) reg += v * v;
      const double e = r - mu - dot - p[k] - p[2 * k + 1];
      return 0.5 * e * e + 0.5 * lambda * reg;
    };
    const std::vector<double> p = joined({&x, &y});
    const std::vector<double> g = numeric_gradient(loss, p);
    double dot = 0;
    for (int f = 0; f < k; ++f) dot += p[f] * p[k + 1 + f];
    const double e = r - mu - dot - p[k] - p[2 * k + 1];
    real gx = 4, gy = 9;  // AdaGrad sums: rates eta/2 and eta/3
    const SgdRating rating{0, 0, r};
    const double error = K().sgd_explicit({&rating, 0, 1, x.data(), y.data(), k, k + 1, &gx, &gy, true, mu, lambda, eta});
    EXPECT_NEAR(error, e * e, 1e-4 * (1 + e * e));  // the squared error before the step
    for (int j = 0; j <= k; ++j) {
      EXPECT_NEAR((p[j] - x[j]) / (eta / 2), g[j], 2e-3) << "x[" << j << "]";
      EXPECT_NEAR((p[k + 1 + j] - y[j]) / (eta / 3), g[k + 1 + j], 2e-3) << "y[" << j << "]";
    }
    EXPECT_GT(gx, 4);  // the accumulators grow
    EXPECT_GT(gy, 9);
  }
}

// One positive (item 0, rated) and one negative: the only unrated item of the block's range is
// item 1, so every negative drawn is item 1 (a draw of item 0 is tried again; a seed whose
// eight tries all hit item 0 takes no negative step and is skipped).
TEST_P(SgdBlocks, BprStepFollowsTheAnalyticGradient) {
  const int k = 5;
  const real lambda = 0.02f, eta = 0.01f;
  const std::vector<real> x0 = random_row(k, 3), yi0 = random_row(k, 4), yj0 = random_row(k, 5);
  // log(1 + exp(-x.(yi - yj))) + lambda/2 (|x|^2 + |yi|^2 + |yj|^2)
  auto loss = [&](const std::vector<double>& p) {
    double d = 0, reg = 0;
    for (int f = 0; f < k; ++f) d += p[f] * (p[k + f] - p[2 * k + f]);
    for (double v : p) reg += v * v;
    return std::log1p(std::exp(-d)) + 0.5 * lambda * reg;
  };
  const std::vector<double> p = joined({&x0, &yi0, &yj0});
  const std::vector<double> g = numeric_gradient(loss, p);
  const std::vector<count_t> ptr{0, 1};
  const std::vector<index_t> col{0};
  for (std::uint64_t seed = 1;; ++seed) {
    std::vector<real> x = x0, items = yi0;
    items.insert(items.end(), yj0.begin(), yj0.end());
    std::vector<real> gx{1}, gi{1, 1};
    const SgdRating rating{0, 0, 1};
    count_t steps = 0;
    K().sgd_implicit({&rating, 0, 1, x.data(), items.data(), k, k, gx.data(), gi.data(), false, 0, lambda, eta},
                     {false, 1.0, 1, 0, 2, ptr.data(), col.data(), seed}, &steps);
    if (steps == 0) continue;
    ASSERT_EQ(steps, 1);
    for (int f = 0; f < k; ++f) {
      EXPECT_NEAR((p[f] - x[f]) / eta, g[f], 2e-3);
      EXPECT_NEAR((p[k + f] - items[f]) / eta, g[k + f], 2e-3);
      EXPECT_NEAR((p[2 * k + f] - items[k + f]) / eta, g[2 * k + f], 2e-3);
    }
    break;
  }
}

// A weighted squared step towards a positive: target 1 with confidence 1 + alpha r = 3.
TEST_P(SgdBlocks, WeightedSquaredStepFollowsTheAnalyticGradient) {
  const int k = 6;
  const real lambda = 0.1f, eta = 0.02f, r = 4, weight = 3;
  std::vector<real> x = random_row(k, 6), y = random_row(k, 7);
  auto loss = [&](const std::vector<double>& p) {
    double dot = 0, reg = 0;
    for (int f = 0; f < k; ++f) dot += p[f] * p[k + f];
    for (double v : p) reg += v * v;
    return 0.5 * weight * (1 - dot) * (1 - dot) + 0.5 * lambda * reg;
  };
  const std::vector<double> p = joined({&x, &y});
  const std::vector<double> g = numeric_gradient(loss, p);
  real gx = 1, gy = 1;
  const SgdRating rating{0, 0, r};
  const std::vector<count_t> ptr{0, 1};
  const std::vector<index_t> col{0};
  count_t steps = 0;
  K().sgd_implicit({&rating, 0, 1, x.data(), y.data(), k, k, &gx, &gy, false, 0, lambda, eta},
                   {true, 0.5, 0, 0, 1, ptr.data(), col.data(), 7}, &steps);
  EXPECT_EQ(steps, 1);
  // AdaGrad's sums take this gradient (mean square over the row) before the step.
  double sx = 1, sy = 1;
  for (int f = 0; f < k; ++f) sx += g[f] * g[f] / k, sy += g[k + f] * g[k + f] / k;
  EXPECT_NEAR(gx, sx, 1e-3 * sx);
  EXPECT_NEAR(gy, sy, 1e-3 * sy);
  for (int f = 0; f < k; ++f) {
    EXPECT_NEAR((p[f] - x[f]) / eta * std::sqrt(sx), g[f], 2e-3);
    EXPECT_NEAR((p[k + f] - y[f]) / eta * std::sqrt(sy), g[k + f], 2e-3);
  }
}

// Confidence in the thousands (1 + alpha r for a large count) gives a step of about eta per
// coordinate, not thousands of times the factors: the first step is scaled by its own gradient.
TEST_P(SgdBlocks, WeightedSquaredStepStaysBoundedAtHugeConfidence) {
  const int k = 16;
  std::vector<real> x = random_row(k, 8), y = random_row(k, 9);
  const std::vector<real> x0 = x, y0 = y;
  real gx = 1, gy = 1;
  const SgdRating rating{0, 0, 8000};
  const std::vector<count_t> ptr{0, 1};
  const std::vector<index_t> col{0};
  count_t steps = 0;
  const real eta = 0.1f;
  K().sgd_implicit({&rating, 0, 1, x.data(), y.data(), k, k, &gx, &gy, false, 0, 0.01f, eta},
                   {true, 40, 0, 0, 1, ptr.data(), col.data(), 7}, &steps);
  for (int f = 0; f < k; ++f) {
    EXPECT_LE(std::abs(x[f] - x0[f]), eta * std::sqrt(real(k))) << f;
    EXPECT_LE(std::abs(y[f] - y0[f]), eta * std::sqrt(real(k))) << f;
  }
}

// Many users and items: the block's two halves (cut at a user boundary) are stepped in turn,
// one step of each, so the result equals the steps taken in that order one at a time.
TEST_P(SgdBlocks, ExplicitBlockEqualsStepsInInterleavedOrder) {
  const int k = 19, w = k + 1, users = 9, items = 7;
  const real mu = 3, lambda = 0.03f, eta = 0.05f;
  Rng rng(11);
  std::vector<SgdRating> ratings;
  for (index_t u = 0; u < users; ++u)
    for (index_t i = 0; i < items; ++i)
      if (rng.uniform() < 0.6) ratings.push_back({u, i, static_cast<real>(1 + 4 * rng.uniform())});
  std::vector<real> U = random_row(users * w, 12), Y = random_row(items * w, 13);
  std::vector<real> gu(users, 1), gy(items, 1);
  std::vector<double> Ud(U.begin(), U.end()), Yd(Y.begin(), Y.end()), gud(gu.begin(), gu.end()), gyd(gy.begin(), gy.end());
  const std::size_t from = 2, to = ratings.size() - 1;
  K().sgd_explicit({ratings.data(), from, to, U.data(), Y.data(), k, w, gu.data(), gy.data(), true, mu, lambda, eta});

  auto step = [&](const SgdRating& e) {
    double* x = &Ud[e.user * w];
    double* y = &Yd[e.item * w];
    double dot = 0, sx = 0, sy = 0;
    for (int f = 0; f < k; ++f) dot += x[f] * y[f];
    const double err = e.value - (mu + dot + x[k] + y[k]);
    const double ex = eta / std::sqrt(gud[e.user]), ey = eta / std::sqrt(gyd[e.item]);
    for (int f = 0; f <= k; ++f) {
      const double xf = x[f], yf = f < k ? y[f] : 1, xg = f < k ? x[f] : 1;
      const double dx = lambda * xf - err * yf, dy = lambda * (f < k ? y[f] : y[k]) - err * xg;
      x[f] -= ex * dx;
      y[f] -= ey * dy;
      if (f < k) { sx += dx * dx; sy += dy * dy; }
    }
    gud[e.user] += sx / k;
    gyd[e.item] += sy / k;
  };
  std::size_t mid = from + (to - from) / 2;
  while (mid > from && mid < to && ratings[mid].user == ratings[mid - 1].user) ++mid;
  std::size_t a = from, z = mid;
  for (; a < mid && z < to; ++a, ++z) { step(ratings[a]); step(ratings[z]); }
  for (; a < mid; ++a) step(ratings[a]);
  for (; z < to; ++z) step(ratings[z]);
  for (std::size_t j = 0; j < U.size(); ++j) EXPECT_NEAR(U[j], Ud[j], 1e-4) << "user value " << j;
  for (std::size_t j = 0; j < Y.size(); ++j) EXPECT_NEAR(Y[j], Yd[j], 1e-4) << "item value " << j;
}
