// Held-out evaluation on 1, 2 and 3 ranks against brute force on the gathered factors: RMSE and
// MAE from every prediction written out in double precision; precision, recall, NDCG, MAP at k
// and AUC by sorting each user's unrated items and counting (positive, negative) pairs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "src/model/evaluate.h"
#include "tests/tiny_problem.h"

using namespace crossmf;
using namespace crossmf::testing;

namespace {

// Users x items with about `density` of the pairs rated; one in five rated pairs held out.
TinyProblem random_problem(index_t users, index_t items, double density, bool implicit, std::uint64_t seed) {
  return tiny_problem(users, items, seed, [&](TinyProblem& pb, index_t u, index_t i, Rng& rng) {
    const double x = rng.uniform();
    if (x >= density) return;
    const real v = implicit ? real(1 + rng.below(4)) : real(1 + 4 * rng.uniform());
    add_rating(x < 0.2 * density ? pb.test : pb.all, u, i, v);
  });
}

}  // namespace

TEST(Evaluate, ExplicitErrorsEqualBruteForce) {
  Comm c;
  const TinyProblem pb = random_problem(37, 23, 0.5, false, 2);
  const Partition p = pb.partition(c);
  const int k = 3;
  Factors f;
  start_factors(c, p, k, true, 4, f);
  for (index_t lu = 0; lu < p.local_users; ++lu) f.users(lu, k) = real(0.01 * (original_user(p, lu) % 9));
  for (index_t s = 0; s < p.n_items; ++s) f.items(s, k) = real(-0.02 * (s % 5));
  const Matrix U = users_by_original(c, p, f.users), Y = items_by_original(p, f.items);
  auto error = [&](const Triplets& t, count_t j) {
    const index_t u = t.user[j], i = t.item[j];
    const double pred = f.mu + U.row(u).head(k).cast<double>().dot(Y.row(i).head(k).cast<double>()) + U(u, k) + Y(i, k);
    return t.value[j] - pred;
  };
  double sq = 0, ab = 0, train_sq = 0;
  for (count_t j = 0; j < pb.test.size(); ++j) { sq += error(pb.test, j) * error(pb.test, j); ab += std::abs(error(pb.test, j)); }
  for (count_t j = 0; j < pb.all.size(); ++j) train_sq += error(pb.all, j) * error(pb.all, j);
  const double n = double(pb.test.size());
  const Metrics m = evaluate_explicit(c, p, f, 2, true);
  EXPECT_EQ(m.ratings, pb.test.size());
  EXPECT_NEAR(m.rmse, std::sqrt(sq / n), 1e-5);
  EXPECT_NEAR(m.mae, ab / n, 1e-5);
  EXPECT_NEAR(m.train_rmse, std::sqrt(train_sq / pb.all.size()), 1e-5);
  EXPECT_TRUE(std::isnan(evaluate_explicit(c, p, f, 1, false).train_rmse));
  EXPECT_NEAR(c.sum(local_squared_error(p, f, 3)), train_sq, 1e-4 * train_sq);
}

TEST(Evaluate, RankingMetricsEqualBruteForce) {
  Comm c;
  const TinyProblem pb = random_problem(41, 29, 0.3, true, 8);
  const Partition p = pb.partition(c);
  const int k = 4, at_k = 5;
  Factors f;
  start_factors(c, p, k, false, 6, f);
  const Matrix U = users_by_original(c, p, f.users), Y = items_by_original(p, f.items);
  std::vector<std::set<index_t>> train(pb.users), test(pb.users);
  for (count_t j = 0; j < pb.all.size(); ++j) train[pb.all.user[j]].insert(pb.all.item[j]);
  for (count_t j = 0; j < pb.test.size(); ++j) test[pb.test.user[j]].insert(pb.test.item[j]);
  double precision = 0, recall = 0, ndcg = 0, map = 0, auc = 0, users = 0;
  for (index_t u = 0; u < pb.users; ++u) {
    if (test[u].empty()) continue;
    std::vector<double> score(pb.items);
    for (index_t i = 0; i < pb.items; ++i) score[i] = U.row(u).head(k).cast<double>().dot(Y.row(i).head(k).cast<double>());
    std::vector<index_t> ranked;  // items not rated in training, best first
    for (index_t i = 0; i < pb.items; ++i)
      if (!train[u].count(i)) ranked.push_back(i);
    std::sort(ranked.begin(), ranked.end(), [&](index_t a, index_t b) { return score[a] > score[b]; });
    const std::size_t shown = std::min<std::size_t>(at_k, ranked.size()), T = test[u].size();
    double hits = 0, dcg = 0, ap = 0, idcg = 0;
    for (std::size_t r = 0; r < shown; ++r)
      if (test[u].count(ranked[r])) {
        hits += 1;
        dcg += 1 / std::log2(r + 2.0);
        ap += hits / (r + 1.0);
      }
    for (std::size_t r = 0; r < std::min(shown, T); ++r) idcg += 1 / std::log2(r + 2.0);
    precision += hits / at_k;
    recall += hits / T;
    ndcg += dcg / idcg;
    map += ap / std::min<double>(at_k, T);
    double right = 0, pairs = 0;
    for (index_t pos : test[u])
      for (index_t neg = 0; neg < pb.items; ++neg) {
        if (train[u].count(neg) || test[u].count(neg)) continue;
        right += score[pos] > score[neg] ? 1 : score[pos] == score[neg] ? 0.5 : 0;
        pairs += 1;
      }
    auc += right / pairs;
    users += 1;
  }
  ASSERT_GT(users, 10);
  const Metrics m = evaluate_ranking(c, p, f, at_k, 0, 1, 2);
  EXPECT_EQ(m.users, static_cast<count_t>(users));
  EXPECT_EQ(m.ratings, pb.test.size());
  EXPECT_NEAR(m.precision, precision / users, 1e-9);
  EXPECT_NEAR(m.recall, recall / users, 1e-9);
  EXPECT_NEAR(m.ndcg, ndcg / users, 1e-9);
  EXPECT_NEAR(m.map, map / users, 1e-9);
  EXPECT_NEAR(m.auc, auc / users, 1e-9);
  // A sample of about 10 users is a subset: fewer users, each counted as above.
  const Metrics sample = evaluate_ranking(c, p, f, at_k, 10, 1, 1);
  EXPECT_LT(sample.users, m.users);
  EXPECT_GT(sample.users, 0);
}
