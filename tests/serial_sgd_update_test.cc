// Each SGD step moves every parameter by -(its AdaGrad rate) x (the analytic gradient of the
// per-rating objective), checked against central finite differences of that objective.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "src/numerics/random.h"
#include "src/numerics/sgd_update.h"

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

}  // namespace

// k = 7: the scalar tail only; 37: two whole Lanes and a tail; 64: four Lanes on both accumulators.
class SgdExplicitStep : public ::testing::TestWithParam<int> {};
INSTANTIATE_TEST_SUITE_P(Widths, SgdExplicitStep, ::testing::Values(7, 37, 64));

TEST_P(SgdExplicitStep, FollowsTheAnalyticGradient) {
  const int k = GetParam();
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
  std::vector<double> p(x.begin(), x.end());
  p.insert(p.end(), y.begin(), y.end());
  const std::vector<double> g = numeric_gradient(loss, p);
  real gx = 4, gy = 9;  // AdaGrad sums: rates eta/2 and eta/3
  sgd_explicit_step(x.data(), y.data(), &gx, &gy, k, true, mu, r, lambda, eta);
  for (int j = 0; j <= k; ++j) {
    EXPECT_NEAR((p[j] - x[j]) / (eta / 2), g[j], 2e-3) << "x[" << j << "]";
    EXPECT_NEAR((p[k + 1 + j] - y[j]) / (eta / 3), g[k + 1 + j], 2e-3) << "y[" << j << "]";
  }
  EXPECT_GT(gx, 4);  // the accumulators grow
  EXPECT_GT(gy, 9);
}

TEST(SgdUpdate, BprStepFollowsTheAnalyticGradient) {
  const int k = 5;
  const real lambda = 0.02f, eta = 0.01f;
  std::vector<real> x = random_row(k, 3), yi = random_row(k, 4), yj = random_row(k, 5);
  // log(1 + exp(-x.(yi - yj))) + lambda/2 (|x|^2 + |yi|^2 + |yj|^2)
  auto loss = [&](const std::vector<double>& p) {
    double d = 0, reg = 0;
    for (int f = 0; f < k; ++f) d += p[f] * (p[k + f] - p[2 * k + f]);
    for (double v : p) reg += v * v;
    return std::log1p(std::exp(-d)) + 0.5 * lambda * reg;
  };
  std::vector<double> p(x.begin(), x.end());
  p.insert(p.end(), yi.begin(), yi.end());
  p.insert(p.end(), yj.begin(), yj.end());
  const std::vector<double> g = numeric_gradient(loss, p);
  real gx = 1, gi = 1, gj = 1;
  sgd_bpr_step(x.data(), yi.data(), yj.data(), &gx, &gi, &gj, k, lambda, eta);
  for (int f = 0; f < k; ++f) {
    EXPECT_NEAR((p[f] - x[f]) / eta, g[f], 2e-3);
    EXPECT_NEAR((p[k + f] - yi[f]) / eta, g[k + f], 2e-3);
    EXPECT_NEAR((p[2 * k + f] - yj[f]) / eta, g[2 * k + f], 2e-3);
  }
}

TEST(SgdUpdate, WeightedSquaredStepFollowsTheAnalyticGradient) {
  const int k = 6;
  const real lambda = 0.1f, eta = 0.02f, target = 1, weight = 3;
  std::vector<real> x = random_row(k, 6), y = random_row(k, 7);
  auto loss = [&](const std::vector<double>& p) {
    double dot = 0, reg = 0;
    for (int f = 0; f < k; ++f) dot += p[f] * p[k + f];
    for (double v : p) reg += v * v;
    return 0.5 * weight * (target - dot) * (target - dot) + 0.5 * lambda * reg;
  };
  std::vector<double> p(x.begin(), x.end());
  p.insert(p.end(), y.begin(), y.end());
  const std::vector<double> g = numeric_gradient(loss, p);
  real gx = 1, gy = 1;
  sgd_wsl_step(x.data(), y.data(), &gx, &gy, k, target, weight, lambda, eta);
  for (int f = 0; f < k; ++f) {
    EXPECT_NEAR((p[f] - x[f]) / eta, g[f], 2e-3);
    EXPECT_NEAR((p[k + f] - y[f]) / eta, g[k + f], 2e-3);
  }
}
