// The risk model on 1, 2 and 3 ranks against a dense fit on the gathered users: the same
// penalised logistic regression solved by iteratively reweighted least squares (QR of the
// weighted system each step, not the Newton normal equations of the code under test), then every
// user's score and tier, and the held-out AUC and Brier score counted pair by pair.
#include <gtest/gtest.h>

#include <cmath>

#include "src/model/risk.h"
#include "tests/tiny_problem.h"

using namespace crossmf;
using namespace crossmf::testing;

namespace {

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

// min sum_j logloss(y_j, x_j.w) + 1/2 sum_d pen_d w_d^2 by IRLS: each step solves the weighted
// least squares [sqrt(W) X; sqrt(pen)] w = [sqrt(W) z; 0] with z = X w + (y - p) / W.
Eigen::VectorXd irls(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const Eigen::VectorXd& pen) {
  const Eigen::Index n = X.rows(), d = X.cols();
  Eigen::VectorXd w = Eigen::VectorXd::Zero(d);
  for (int it = 0; it < 100; ++it) {
    Eigen::MatrixXd S = Eigen::MatrixXd::Zero(n + d, d);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(n + d);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double eta = X.row(j).dot(w), p = sigmoid(eta), W = p * (1 - p);
      S.row(j) = std::sqrt(W) * X.row(j);
      b(j) = std::sqrt(W) * (eta + (y(j) - p) / W);
    }
    S.bottomRows(d) = pen.cwiseSqrt().asDiagonal();
    const Eigen::VectorXd next = S.householderQr().solve(b);
    const double change = (next - w).norm();
    w = next;
    if (change < 1e-13 * (1 + w.norm())) break;
  }
  return w;
}

// 160 users with a few ratings each; two raw features of very different scales; labels drawn
// from a logistic model of the factors and features, for users u % 5 != 4.
struct Book {
  TinyProblem pb;
  std::vector<double> features;  // users x 2, original order
  std::vector<int> label;        // -1: none
  Book() {
    pb.users = 160;
    pb.items = 12;
    Rng rng(17);
    for (index_t u = 0; u < pb.users; ++u) {
      for (index_t i = 0; i < pb.items; ++i)
        if (rng.uniform() < 0.3 || i == u % pb.items) add_rating(pb.all, u, i, 1);
      features.push_back(static_cast<real>(1000 + 300 * rng.normal()));  // the precision the model reads
      features.push_back(rng.uniform() < 0.3 ? 1.0 : 0.0);
    }
  }
};

}  // namespace

TEST(Risk, CoefficientsScoresAndHeldOutQualityEqualADenseFit) {
  Comm c;
  Book book;
  const Partition p = book.pb.partition(c);
  const int k = 3, F = 2;
  Factors f;
  start_factors(c, p, k, false, 5, f);
  const Matrix U = users_by_original(c, p, f.users);
  // Labels from the planted model, by original id (the same on every rank).
  Rng rng(23);
  std::vector<int> label(book.pb.users, -1);
  for (index_t u = 0; u < book.pb.users; ++u) {
    const double z = -0.5 + 8 * U(u, 0) - 5 * U(u, 2) + 0.004 * (book.features[2 * u] - 1000) + 1.2 * book.features[2 * u + 1];
    const double draw = rng.uniform();
    if (u % 5 != 4) label[u] = draw < sigmoid(z) ? 1 : 0;
  }
  RiskInputs in;
  in.F = F;
  in.names = {"minutes", "claims"};
  in.have_labels = true;
  for (index_t lu = 0; lu < p.local_users; ++lu) {
    const index_t u = original_user(p, lu);
    in.features.push_back(real(book.features[2 * u]));
    in.features.push_back(real(book.features[2 * u + 1]));
    if (label[u] >= 0) in.labels.push_back({lu, real(label[u])});
  }
  const double l2 = 0.7, threshold = 0.6;
  const RiskModel r = fit_risk(c, p, f, in, threshold, l2, 31);
  ASSERT_TRUE(r.available) << r.status;
  EXPECT_EQ(r.feature_names, (std::vector<std::string>{"intercept", "factor_0", "factor_1", "factor_2", "minutes", "claims"}));

  // Which labelled users were held out is the model's choice (seeded by original id); it must
  // mark exactly the labelled users, about one in five held out.
  std::vector<std::int8_t> split = gather_by_original(c, p, r.split);
  count_t held = 0;
  for (index_t u = 0; u < book.pb.users; ++u) {
    EXPECT_EQ(split[u] < 0, label[u] < 0) << "user " << u;
    held += split[u] == 1;
  }
  EXPECT_EQ(r.n_held_out, held);
  EXPECT_EQ(r.n_fit + r.n_held_out, count_t(128));
  EXPECT_GT(held, 10);
  EXPECT_LT(held, 45);

  // Standardised features over all users (population standard deviation).
  double mean[F] = {0, 0}, sd[F] = {0, 0};
  for (index_t u = 0; u < book.pb.users; ++u)
    for (int j = 0; j < F; ++j) mean[j] += book.features[2 * u + j] / book.pb.users;
  for (index_t u = 0; u < book.pb.users; ++u)
    for (int j = 0; j < F; ++j) sd[j] += std::pow(book.features[2 * u + j] - mean[j], 2) / book.pb.users;
  for (int j = 0; j < F; ++j) {
    sd[j] = std::sqrt(sd[j]);
    EXPECT_NEAR(r.feature_mean[j], mean[j], 1e-6 * (1 + std::abs(mean[j])));
    EXPECT_NEAR(r.feature_std[j], sd[j], 1e-6 * sd[j]);
  }
  auto row = [&](index_t u) {
    Eigen::VectorXd x(1 + k + F);
    x(0) = 1;
    for (int q = 0; q < k; ++q) x(1 + q) = U(u, q);
    for (int j = 0; j < F; ++j) x(1 + k + j) = (book.features[2 * u + j] - mean[j]) / sd[j];
    return x;
  };
  std::vector<index_t> fit_users;
  for (index_t u = 0; u < book.pb.users; ++u)
    if (split[u] == 0) fit_users.push_back(u);
  Eigen::MatrixXd X(fit_users.size(), 1 + k + F);
  Eigen::VectorXd y(fit_users.size());
  for (std::size_t j = 0; j < fit_users.size(); ++j) {
    X.row(j) = row(fit_users[j]).transpose();
    y(j) = label[fit_users[j]];
  }
  Eigen::VectorXd pen = Eigen::VectorXd::Constant(1 + k + F, l2);
  pen(0) = 1e-9;  // the intercept is not penalised
  const Eigen::VectorXd w = irls(X, y, pen);
  ASSERT_EQ(r.coef.size(), std::size_t(w.size()));
  for (Eigen::Index d = 0; d < w.size(); ++d) EXPECT_NEAR(r.coef[d], w(d), 1e-5 * (1 + std::abs(w(d)))) << r.feature_names[d];

  // Scores and tiers of every user; held-out quality by brute force.
  const std::vector<real> score = gather_by_original(c, p, r.score);
  const std::vector<std::int8_t> tier = gather_by_original(c, p, r.tier);
  double right = 0, pairs = 0, brier = 0;
  int tiers[3] = {0, 0, 0};
  for (index_t u = 0; u < book.pb.users; ++u) {
    const double want = sigmoid(row(u).dot(w));
    EXPECT_NEAR(score[u], want, 1e-5) << "user " << u;
    if (std::abs(want - threshold) > 1e-4 && std::abs(want - threshold / 2) > 1e-4) {
      EXPECT_EQ(tier[u], want >= threshold ? 2 : want >= threshold / 2 ? 1 : 0) << "user " << u;
    }
    if (tier[u] >= 0) ++tiers[tier[u]];
    if (split[u] != 1) continue;
    brier += std::pow(score[u] - label[u], 2);
    for (index_t v = 0; v < book.pb.users; ++v)
      if (split[v] == 1 && label[u] == 1 && label[v] == 0) {
        right += score[u] > score[v] ? 1 : score[u] == score[v] ? 0.5 : 0;
        pairs += 1;
      }
  }
  for (int q = 0; q < 3; ++q) EXPECT_GT(tiers[q], 0) << "no user in tier " << q;  // every boundary is tested
  EXPECT_NEAR(r.held_out.brier(), brier / held, 1e-6);
  EXPECT_NEAR(r.held_out.auc(), right / pairs, 0.02);  // the histogram's bins of 1/4096 count ties half
  EXPECT_GT(r.held_out.auc(), 0.7);                    // the planted signal is found
}

TEST(Risk, TooFewLabelsGiveNoModel) {
  Comm c;
  Book book;
  const Partition p = book.pb.partition(c);
  Factors f;
  start_factors(c, p, 2, false, 5, f);
  RiskInputs in;
  in.have_labels = true;
  if (c.root())
    for (index_t lu = 0; lu < std::min<index_t>(9, p.local_users); ++lu) in.labels.push_back({lu, real(lu % 2)});
  const RiskModel r = fit_risk(c, p, f, in, 0.5, 1.0, 1);
  EXPECT_FALSE(r.available);
  EXPECT_FALSE(r.status.empty());
  for (index_t lu = 0; lu < p.local_users; ++lu) {
    EXPECT_TRUE(std::isnan(r.score[lu]));
    EXPECT_EQ(r.tier[lu], -1);
  }
}

// Reason codes on a hand-made model: inputs [1, factor_0, factor_1, f_0, f_1], the features
// standardised by the model's mean and std; terms ranked largest first, ties by the smaller
// index, non-positive terms never reasons.
TEST(Risk, ReasonsAreTheLargestPositiveTerms) {
  RiskModel r;
  r.available = true;
  r.coef = {5.0, 2.0, -1.0, 0.5, 3.0};
  r.feature_mean = {10, 0};
  r.feature_std = {2, 4};
  r.score.assign(3, 0.5);
  Factors f;
  f.k = 2;
  f.users = Matrix(3, 2);
  f.users << 1, -2,   // terms 2, 2
      0.25f, 1,       // terms 0.5, -1
      -1, 0;          // terms -2, 0
  RiskInputs in;
  in.F = 2;
  in.features = {14, 2,    // z = 2, 0.5: terms 1, 1.5
                 10, -4,   // z = 0, -1: terms 0, -3
                 4, 0};    // z = -3, 0: terms -1.5, 0
  const RiskReasons got = risk_reasons(r, f, in, 3);
  ASSERT_EQ(got.n, 3);
  EXPECT_EQ(got.index, (std::vector<std::int32_t>{1, 2, 4, 1, -1, -1, -1, -1, -1}));
  const std::vector<double> want{2, 2, 1.5, 0.5};
  for (int q = 0; q < 4; ++q) EXPECT_NEAR(got.contribution[q], want[q], 1e-6) << q;
  for (int q = 4; q < 9; ++q) EXPECT_TRUE(std::isnan(got.contribution[q])) << q;
  r.available = false;
  EXPECT_TRUE(risk_reasons(r, f, in, 3).index.empty());
}
