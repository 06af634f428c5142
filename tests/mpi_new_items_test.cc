// New items on 1, 2 and 3 ranks: items without training ratings get the factors of a ridge
// regression from their standardised features, fitted on the items with ratings; checked against
// the same regression solved by QR of the stacked system [Phi; sqrt(pen)] in the test.
#include <gtest/gtest.h>

#include <cmath>

#include "src/model/new_items.h"
#include "src/model/recommend.h"
#include "tests/tiny_problem.h"

using namespace crossmf;
using namespace crossmf::testing;

TEST(NewItems, PlacedByARidgeRegressionFromFeatures) {
  Comm c;
  const TinyProblem pb = tiny_problem(30, 25, 6, [](TinyProblem& pb, index_t u, index_t i, Rng& rng) {
    if (i % 6 != 5 && (rng.uniform() < 0.3 || i == u % 5)) add_rating(pb.all, u, i, real(1 + rng.below(5)));
  });
  Rng rng(7);  // the features
  const int G = 3, k = 4;
  std::vector<real> features;  // items x G, original order; very different scales
  for (index_t i = 0; i < pb.items; ++i) {
    features.push_back(real(rng.normal()));
    features.push_back(real(100 + 20 * rng.normal()));
    features.push_back(real(i % 2));
  }
  const Partition p = pb.partition(c);
  Factors f;
  start_factors(c, p, k, true, 3, f);
  const Matrix before = items_by_original(p, f.items);
  const std::vector<count_t> popularity = item_popularity(c, p);
  std::vector<std::uint8_t> from_features;
  const double lambda = 0.8;
  const FeatureMap map = place_new_items(p, features, G, popularity, lambda, f, &from_features);
  const Matrix after = items_by_original(p, f.items);

  // The reference: standardise, then min |Phi W - Y|^2 + lambda |W without the intercept row|^2.
  std::vector<double> mean(G, 0), sd(G, 0);
  for (index_t i = 0; i < pb.items; ++i)
    for (int g = 0; g < G; ++g) mean[g] += features[i * G + g] / double(pb.items);
  for (index_t i = 0; i < pb.items; ++i)
    for (int g = 0; g < G; ++g) sd[g] += std::pow(features[i * G + g] - mean[g], 2) / pb.items;
  for (int g = 0; g < G; ++g) sd[g] = std::sqrt(sd[g]);
  auto phi = [&](index_t i) {
    Eigen::RowVectorXd x(G + 1);
    x(0) = 1;
    for (int g = 0; g < G; ++g) x(1 + g) = (features[i * G + g] - mean[g]) / sd[g];
    return x;
  };
  std::vector<index_t> rated;
  for (index_t i = 0; i < pb.items; ++i)
    if (i % 6 != 5) rated.push_back(i);
  const Eigen::Index n = static_cast<Eigen::Index>(rated.size());
  Eigen::MatrixXd S = Eigen::MatrixXd::Zero(n + G + 1, G + 1), B = Eigen::MatrixXd::Zero(n + G + 1, k + 1);
  for (Eigen::Index j = 0; j < n; ++j) {
    S.row(j) = phi(rated[j]);
    B.row(j) = before.row(rated[j]).cast<double>();
  }
  S(n, 0) = std::sqrt(1e-9);  // the intercept is not penalised
  for (int g = 0; g < G; ++g) S(n + 1 + g, 1 + g) = std::sqrt(lambda);
  const Eigen::MatrixXd W = S.householderQr().solve(B);
  EXPECT_LT((map.weights - W).norm(), 1e-6 * (1 + W.norm()));

  index_t placed = 0;
  for (index_t i = 0; i < pb.items; ++i) {
    SCOPED_TRACE(::testing::Message() << "item " << i);
    const bool fresh = i % 6 == 5;
    EXPECT_EQ(from_features[i], fresh ? 1 : 0);
    if (fresh) {
      ++placed;
      EXPECT_LT((after.row(i).cast<double>() - phi(i) * W).norm(), 1e-5 * (1 + W.norm()));
    } else {
      EXPECT_EQ(after.row(i), before.row(i));  // items with ratings keep their factors
    }
  }
  EXPECT_EQ(map.placed, placed);
  EXPECT_EQ(placed, 4);
}
