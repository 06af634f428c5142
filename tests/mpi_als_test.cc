// Distributed ALS half-steps on 1, 2 and 3 ranks, checked against a dense least-squares solve
// of the same objective computed from the whole (tiny) problem, which every rank can build.
#include <gtest/gtest.h>

#include <map>

#include "src/model/als.h"
#include "src/numerics/random.h"
#include "src/numerics/slices.h"
#include "tests/dense_reference.h"

using namespace crossmf;
using crossmf::testing::dense_solve;
using crossmf::testing::explicit_dense;

namespace {

struct Tiny {
  index_t users = 23, items = 17;
  Triplets all;
  explicit Tiny(bool implicit) {
    Rng rng(99);
    for (index_t u = 0; u < users; ++u)
      for (index_t i = 0; i < items; ++i)
        if (rng.uniform() < 0.4 || i == u % items) {
          all.user.push_back(u);
          all.item.push_back(i);
          all.value.push_back(static_cast<real>(implicit ? 1 + rng.below(5) : 1 + 4 * rng.uniform()));
        }
  }
  Triplets slice(const Comm& c) const {  // what this rank would read from the file
    const Slice s = even_slice(all.size(), c.rank(), c.size());
    Triplets t;
    t.user.assign(all.user.begin() + s.begin, all.user.begin() + s.end);
    t.item.assign(all.item.begin() + s.begin, all.item.begin() + s.end);
    t.value.assign(all.value.begin() + s.begin, all.value.begin() + s.end);
    return t;
  }
  Partition partition(const Comm& c) const {
    Timings t;
    return build_partition(c, users, items, slice(c), nullptr, {0.0, false, 7}, 7, 1, t);
  }
};

// All user rows in scattered order on every rank (test only: the job never does this).
Matrix all_users(const Comm& c, const Partition& p, const Factors& f) {
  std::vector<count_t> counts(c.size());
  for (int r = 0; r < c.size(); ++r) counts[r] = static_cast<count_t>(p.users.size(r)) * f.width();
  Matrix X(p.n_users, f.width());
  c.allgatherv<real>(std::span<const real>(f.users.data(), f.users.size()), std::span<real>(X.data(), X.size()), counts);
  return X;
}

// Implicit objective of one row over every neighbour candidate (all rows of `other`).
Eigen::VectorXd implicit_dense(const std::vector<std::pair<index_t, real>>& nb, const Matrix& other, int k, const AlsOptions& o) {
  const Eigen::Index n = other.rows();
  Eigen::VectorXd w = Eigen::VectorXd::Ones(n), p = Eigen::VectorXd::Zero(n);
  for (auto [j, r] : nb) { w(j) = confidence(r, o); p(j) = 1; }
  return dense_solve(other.leftCols(k).cast<double>(), p, w, o.lambda);
}

double rel(const Eigen::VectorXd& got, const Eigen::VectorXd& want) { return (got - want).norm() / want.norm(); }

void check_half_steps(bool implicit) {
  Comm c;
  Tiny tiny(implicit);
  Partition p = tiny.partition(c);
  const int k = 4;
  Factors f;
  init_factors(p, k, !implicit, 7, f);
  double sum = 0;
  for (real v : tiny.all.value) sum += v;
  if (!implicit) f.mu = static_cast<real>(sum / tiny.all.size());
  AlsOptions o;
  o.implicit = implicit;
  o.lambda = implicit ? 0.5 : 0.1;
  o.alpha = 2.0;
  o.cholesky = true;
  Als als(c, p, o, f);
  // Neighbours by scattered ids, from the whole problem.
  std::map<index_t, std::vector<std::pair<index_t, real>>> by_user, by_item;
  for (count_t j = 0; j < tiny.all.size(); ++j) {
    const index_t su = p.user_scatter.forward(tiny.all.user[j]), si = p.item_scatter.forward(tiny.all.item[j]);
    by_user[su].push_back({si, tiny.all.value[j]});
    by_item[si].push_back({su, tiny.all.value[j]});
  }
  Timings t;
  const Matrix items_before = f.items;
  als.user_half(t);
  for (index_t lu = 0; lu < p.local_users; ++lu) {
    const index_t su = p.user_begin + lu;
    Eigen::VectorXd want = implicit ? implicit_dense(by_user[su], items_before, k, o)
                                    : explicit_dense(by_user[su], items_before, k, f.mu, o.lambda);
    EXPECT_LT(rel(f.users.row(lu).head(want.size()).transpose().cast<double>(), want), 1e-5) << "user " << su;
  }
  const Matrix X = all_users(c, p, f);
  als.item_half(t);
  for (index_t si = 0; si < tiny.items; ++si) {  // every rank now holds every item
    Eigen::VectorXd want = implicit ? implicit_dense(by_item[si], X, k, o) : explicit_dense(by_item[si], X, k, f.mu, o.lambda);
    EXPECT_LT(rel(f.items.row(si).head(want.size()).transpose().cast<double>(), want), 1e-5) << "item " << si;
  }
}

// BMF's rated priors: one draw of the items' vectors (users' prior) or of the users' vectors
// (items' prior), its CG run to convergence, equals the dense solution of the perturbed ridge
// regression that defines the draw (Als::draw_rated, draw_raters), each dimension apart, from
// the same normal draws.
void check_rated_draw(bool items_prior) {
  Comm c;
  Tiny tiny(false);
  Partition p = tiny.partition(c);
  const int k = 3;
  Factors f;
  init_factors(p, k, true, 7, f);
  AlsOptions o;
  o.gibbs = true;
  o.rated_prior = o.rater_prior = true;
  o.rated_cg_steps = 200;
  o.seed = 5;
  Als als(c, p, o, f);
  RowPrior prior;
  prior.precision = {2.0f, 0.5f, 4.0f, 1.0f};
  prior.mean = {0.1f, -0.2f, 0.3f, 0.0f};
  Timings t;
  IterationStats s;
  if (items_prior) als.draw_raters(prior, t, s);
  else als.draw_rated(prior, t, s);
  // The rows whose prior is shifted, and X: those rows x the vectors' rows, |N|^-1/2 of the row
  // on each rating (scattered ids).
  const Matrix rows = items_prior ? f.items : all_users(c, p, f);
  const index_t n_rows = items_prior ? tiny.items : tiny.users, n_vectors = items_prior ? tiny.users : tiny.items;
  const Scatter& row_ids = items_prior ? p.item_scatter : p.user_scatter;
  const Scatter& vector_ids = items_prior ? p.user_scatter : p.item_scatter;
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(n_rows, n_vectors);
  for (count_t j = 0; j < tiny.all.size(); ++j) {
    const index_t su = p.user_scatter.forward(tiny.all.user[j]), si = p.item_scatter.forward(tiny.all.item[j]);
    if (items_prior) X(si, su) = 1;
    else X(su, si) = 1;
  }
  for (index_t r = 0; r < n_rows; ++r) X.row(r) /= std::sqrt(X.row(r).sum());
  Matrix got;
  if (items_prior) {
    Factors z;  // the users' vectors, gathered as user rows
    z.k = k;
    z.users = als.raters();
    got = all_users(c, p, z);
  } else {
    got = als.rated();
  }
  std::vector<real> draws(k);
  for (int d = 0; d < k; ++d) {
    const double lambda = prior.precision[d], lambda_v = 1;  // the vectors' precision before any draw
    Eigen::VectorXd target(n_rows), centre(n_vectors);
    for (index_t r = 0; r < n_rows; ++r) {
      normal_draws(gibbs_stream(o.seed, 0, items_prior ? kRaterRows : kRatedRows, static_cast<std::uint64_t>(row_ids.inverse(r))),
                   draws.data(), k);
      target(r) = rows(r, d) - prior.mean[d] + draws[d] / std::sqrt(lambda);
    }
    for (index_t j = 0; j < n_vectors; ++j) {
      normal_draws(gibbs_stream(o.seed, 0, items_prior ? kRaterUsers : kRatedItems, static_cast<std::uint64_t>(vector_ids.inverse(j))),
                   draws.data(), k);
      centre(j) = draws[d] / std::sqrt(lambda_v);
    }
    // min lambda |target - X v|^2 + lambda_v |v - centre|^2, with v = centre + x.
    const Eigen::VectorXd want =
        centre + dense_solve(X, target - X * centre, Eigen::VectorXd::Constant(n_rows, lambda), lambda_v);
    EXPECT_LT(rel(got.col(d).cast<double>(), want), 1e-4) << "dimension " << d;
  }
}

}  // namespace

TEST(DistributedAls, RatedPriorDrawEqualsDensePerturbedSolve) { check_rated_draw(false); }
TEST(DistributedAls, RaterPriorDrawEqualsDensePerturbedSolve) { check_rated_draw(true); }

TEST(DistributedAls, ExplicitHalfStepsEqualDenseSolves) { check_half_steps(false); }
TEST(DistributedAls, ImplicitHalfStepsEqualDenseSolves) { check_half_steps(true); }

TEST(Partition, EveryRatingOwnedOnceByUserAndOnceByItem) {
  Comm c;
  Tiny tiny(false);
  Timings t0;
  Partition p = build_partition(c, tiny.users, tiny.items, tiny.slice(c), nullptr, {0.0, false, 3}, 3, 1, t0);
  EXPECT_EQ(c.sum<count_t>(p.by_user.nnz()), tiny.all.size());
  EXPECT_EQ(c.sum<count_t>(p.by_item.nnz()), tiny.all.size());
  EXPECT_EQ(c.sum<count_t>(p.local_users), tiny.users);
  EXPECT_EQ(c.sum<count_t>(p.local_items), tiny.items);
  for (index_t s = 0; s < tiny.users; ++s) EXPECT_EQ(p.user_scatter.forward(p.user_scatter.inverse(s)), s);
}
