// Distributed ALS half-steps on 1, 2 and 3 ranks, checked against a dense least-squares solve
// of the same objective computed from the whole (tiny) problem, which every rank can build.
#include <gtest/gtest.h>

#include <map>

#include "src/model/als.h"
#include "src/numerics/random.h"
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
  Timings t0;
  Partition p = build_partition(c, tiny.users, tiny.items, tiny.slice(c), nullptr, {0.0, false, 7}, 7, 1, t0);
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

}  // namespace

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
