// Distributed SGD on 1, 2 and 3 ranks. One epoch on a problem where every user and every item has
// exactly one rating, so no two steps share a row and the order of the steps cannot matter: it
// equals AdaGrad steps of the analytic gradient taken by hand, in double precision, followed by
// the combination of the item rows across ranks (the mean, or the summed deltas). Then a planted
// rank-2 model is recovered from its ratings.
#include <gtest/gtest.h>

#include <cmath>

#include "src/model/evaluate.h"
#include "src/model/sgd.h"
#include "tests/tiny_problem.h"

using namespace crossmf;
using namespace crossmf::testing;

namespace {

// User u rated item (7u + 3) mod n: a permutation (7 and n = 40 are coprime).
TinyProblem matching(index_t n) {
  TinyProblem pb;
  pb.users = pb.items = n;
  Rng rng(3);
  for (index_t u = 0; u < n; ++u) add_rating(pb.all, u, (7 * u + 3) % n, static_cast<real>(1 + 4 * rng.uniform()));
  return pb;
}

struct Step {  // one rating's step by hand: the rows after it, the AdaGrad sums after it, e^2
  Eigen::VectorXd x, y;
  double gx, gy, e2;
};

// 1/2 (r - mu - x.y - bx - by)^2 + lambda/2 (|x|^2 + bx^2 + |y|^2 + by^2), AdaGrad sums 1 before.
Step by_hand(const Eigen::VectorXd& x0, const Eigen::VectorXd& y0, int k, double mu, double r, double lambda, double eta) {
  const double e = r - (mu + x0.head(k).dot(y0.head(k)) + x0(k) + y0(k));
  Step s{x0, y0, 1, 1, e * e};
  Eigen::VectorXd dx = lambda * x0, dy = lambda * y0;
  dx.head(k) -= e * y0.head(k);
  dy.head(k) -= e * x0.head(k);
  dx(k) -= e;
  dy(k) -= e;
  s.x -= eta / std::sqrt(s.gx) * dx;  // AdaGrad: eta / sqrt(the sum before the step)
  s.y -= eta / std::sqrt(s.gy) * dy;
  s.gx += dx.head(k).squaredNorm() / k;  // the bias is not part of the step-size sum
  s.gy += dy.head(k).squaredNorm() / k;
  return s;
}

void check_one_epoch(bool average) {
  Comm c;
  const TinyProblem pb = matching(40);
  const Partition p = pb.partition(c);
  const int k = 5;
  Factors f;
  start_factors(c, p, k, true, 11, f);
  // Nonzero biases, so their gradient shows.
  for (index_t lu = 0; lu < p.local_users; ++lu) f.users(lu, k) = static_cast<real>(0.1 * ((original_user(p, lu) % 5) - 2));
  for (index_t s = 0; s < p.n_items; ++s) f.items(s, k) = static_cast<real>(0.05 * ((p.item_scatter.inverse(s) % 7) - 3));
  const Matrix U0 = users_by_original(c, p, f.users), Y0 = items_by_original(p, f.items);
  SgdOptions o;
  o.lambda = 0.07;
  o.learning_rate = 0.3;
  o.average = average;
  o.threads = 2;
  Sgd sgd(c, p, o, f);
  Timings t;
  const IterationStats stats = sgd.iterate(t);

  const int P = c.size();
  Matrix U = users_by_original(c, p, f.users), Y = items_by_original(p, f.items);
  std::vector<real> gu_local(sgd.user_state(), sgd.user_state() + p.local_users);
  const std::vector<real> gu = gather_by_original(c, p, gu_local);
  double e2 = 0, reg = 0;
  for (count_t j = 0; j < pb.all.size(); ++j) {
    const index_t u = pb.all.user[j], i = pb.all.item[j];
    SCOPED_TRACE(::testing::Message() << "user " << u << " item " << i);
    const Step s = by_hand(U0.row(u).transpose().cast<double>(), Y0.row(i).transpose().cast<double>(), k, f.mu,
                           pb.all.value[j], o.lambda, o.learning_rate);
    e2 += s.e2;
    // The item's step was taken on one rank; the others kept the old row. Averaging gives
    // (new + (P - 1) old) / P; summed deltas give the new row.
    const Eigen::VectorXd y_want = average ? ((s.y + (P - 1) * Y0.row(i).transpose().cast<double>()) / P).eval() : s.y;
    const double gy_want = (s.gy + (P - 1) * 1.0) / P;  // the AdaGrad sums are always averaged
    EXPECT_LT((U.row(u).transpose().cast<double>() - s.x).norm(), 1e-5);
    EXPECT_LT((Y.row(i).transpose().cast<double>() - y_want).norm(), 1e-5);
    EXPECT_NEAR(gu[u], s.gx, 1e-5);
    EXPECT_NEAR(sgd.item_state()[p.item_scatter.forward(i)], gy_want, 1e-5);
    reg += U.row(u).cast<double>().squaredNorm() + Y.row(i).cast<double>().squaredNorm();
  }
  const double n = static_cast<double>(pb.all.size());
  EXPECT_NEAR(sgd.last_epoch_loss(), e2 / n, 1e-5 * (1 + e2 / n));
  EXPECT_NEAR(stats.train_rmse, std::sqrt(e2 / n), 1e-5);
  EXPECT_EQ(c.sum<count_t>(stats.updates), pb.all.size());
  // The objective: the squared errors met in the epoch plus lambda |row|^2 per rating, at its end.
  EXPECT_NEAR(sgd.loss(t), e2 + o.lambda * reg, 1e-4 * (1 + e2));
}

}  // namespace

TEST(DistributedSgd, OneEpochOfDisjointStepsEqualsHandStepsThenTheMean) { check_one_epoch(true); }
TEST(DistributedSgd, OneEpochOfDisjointStepsEqualsHandStepsThenSummedDeltas) { check_one_epoch(false); }

// Ratings mu + a_u . b_i of a planted rank-2 model, 60% observed, a fixed held-out set: after
// 40 epochs the held-out RMSE is a small fraction of the ratings' spread (about 1.0).
TEST(DistributedSgd, RecoversAPlantedLowRankModel) {
  Comm c;
  TinyProblem pb;
  pb.users = 90;
  pb.items = 60;
  pb.has_test = true;
  Rng rng(21);
  Matrix A(pb.users, 2), B(pb.items, 2);
  for (index_t u = 0; u < pb.users; ++u) A.row(u) << real(rng.normal()), real(rng.normal());
  for (index_t i = 0; i < pb.items; ++i) B.row(i) << real(rng.normal()), real(rng.normal());
  double spread = 0;
  for (index_t u = 0; u < pb.users; ++u)
    for (index_t i = 0; i < pb.items; ++i) {
      const double x = rng.uniform();
      if (x >= 0.6) continue;
      const real v = 3 + A.row(u).dot(B.row(i)) * real(0.7);
      add_rating(x < 0.06 ? pb.test : pb.all, u, i, v);
      spread += (v - 3) * (v - 3);
    }
  spread = std::sqrt(spread / (pb.all.size() + pb.test.size()));
  const Partition p = pb.partition(c);
  Factors f;
  start_factors(c, p, 4, true, 5, f);
  SgdOptions o;
  o.lambda = 0.01;
  o.learning_rate = 0.1;
  o.sync_every = 500;  // several combinations per epoch on more than one rank
  Sgd sgd(c, p, o, f);
  Timings t;
  const Metrics before = evaluate_explicit(c, p, f, 1, false);
  double first_loss = 0;
  for (int epoch = 0; epoch < 40; ++epoch) {
    sgd.iterate(t);
    if (epoch == 0) first_loss = sgd.last_epoch_loss();
  }
  const Metrics after = evaluate_explicit(c, p, f, 1, true);
  EXPECT_LT(sgd.last_epoch_loss(), 0.1 * first_loss);
  EXPECT_LT(after.rmse, 0.35 * spread) << "before " << before.rmse;
  EXPECT_LT(after.train_rmse, 0.2 * spread);
}
