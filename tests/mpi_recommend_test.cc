// Recommendations, similar items and popularity on 1, 2 and 3 ranks against brute force on the
// gathered factors: every unrated item scored in double precision and sorted, per list ("all"
// and each domain), with gated domains withheld from some users and the most popular items for
// users without training ratings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "src/model/recommend.h"
#include "tests/tiny_problem.h"

using namespace crossmf;
using namespace crossmf::testing;

namespace {

struct Ranked {
  std::vector<index_t> items;
  std::vector<double> scores;
};

// The best n of `candidates` by score, ties by lower id, padded with -1 / NaN.
Ranked best_of(std::vector<index_t> candidates, const std::vector<double>& score, int n) {
  std::sort(candidates.begin(), candidates.end(),
            [&](index_t a, index_t b) { return score[a] != score[b] ? score[a] > score[b] : a < b; });
  Ranked r;
  for (int j = 0; j < n; ++j) {
    const bool have = j < static_cast<int>(candidates.size());
    r.items.push_back(have ? candidates[j] : -1);
    r.scores.push_back(have ? score[candidates[j]] : NAN);
  }
  return r;
}

void expect_list(const Ranked& want, const index_t* items, const real* scores, int n, double tol) {
  for (int j = 0; j < n; ++j) {
    EXPECT_EQ(items[j], want.items[j]) << "rank " << j;
    if (want.items[j] < 0) EXPECT_TRUE(std::isnan(scores[j])) << "rank " << j;
    else EXPECT_NEAR(scores[j], want.scores[j], tol) << "rank " << j;
  }
}

// 31 users x 26 items; users u % 6 == 5 have no training ratings (some of them held-out ones);
// domains: -1 (none) for 4 items, 0 "content" for most, 1 "finance" (gated), 2 "insurance" with
// 3 items, so its lists are padded.
struct Shop {
  TinyProblem pb;
  std::vector<std::int32_t> domain;
  std::vector<std::string> names{"content", "finance", "insurance"};
  Shop() {
    pb = tiny_problem(31, 26, 13, [](TinyProblem& pb, index_t u, index_t i, Rng& rng) {
      const double x = rng.uniform();
      if (x < 0.05 || (x < 0.35 && u % 6 != 5)) add_rating(x < 0.05 ? pb.test : pb.all, u, i, real(1 + 4 * rng.uniform()));
    });
    for (index_t i = 0; i < pb.items; ++i) domain.push_back(i < 4 ? -1 : i < 16 ? 0 : i < 23 ? 1 : 2);
  }
};

}  // namespace

TEST(Recommend, TopUnseenItemsPerListWithGatingAndFallback) {
  Comm c;
  const Shop shop;
  const TinyProblem& pb = shop.pb;
  const Partition p = pb.partition(c);
  const int k = 3, n = 5;
  Factors f;
  start_factors(c, p, k, true, 3, f);
  for (index_t lu = 0; lu < p.local_users; ++lu) f.users(lu, k) = real(0.03 * (original_user(p, lu) % 7));
  for (index_t s = 0; s < p.n_items; ++s) f.items(s, k) = real(0.2 * std::sin(double(p.item_scatter.inverse(s))));
  const Matrix U = users_by_original(c, p, f.users), Y = items_by_original(p, f.items);
  // Popularity by brute force: training ratings per item.
  std::vector<count_t> pop_original(pb.items, 0);
  for (count_t j = 0; j < pb.all.size(); ++j) ++pop_original[pb.all.item[j]];
  const std::vector<count_t> popularity = item_popularity(c, p);
  for (index_t i = 0; i < pb.items; ++i) EXPECT_EQ(popularity[p.item_scatter.forward(i)], pop_original[i]) << "item " << i;
  std::vector<std::set<index_t>> rated(pb.users), trained(pb.users);
  for (const Triplets* t : {&pb.all, &pb.test})
    for (count_t j = 0; j < t->size(); ++j) rated[t->user[j]].insert(t->item[j]);
  for (count_t j = 0; j < pb.all.size(); ++j) trained[pb.all.user[j]].insert(pb.all.item[j]);
  // Users whose original id is a multiple of 3 get nothing of "finance".
  std::vector<std::uint8_t> withhold(p.local_users);
  for (index_t lu = 0; lu < p.local_users; ++lu) withhold[lu] = original_user(p, lu) % 3 == 0;
  const std::vector<bool> gated{false, true, false};
  const Recommendations rec = recommend(p, f, n, shop.domain, shop.names, popularity, withhold, gated, 2);
  ASSERT_EQ(rec.lists, (std::vector<std::string>{"all", "content", "finance", "insurance"}));
  count_t cold_users = 0, gated_users = 0;
  for (index_t lu = 0; lu < p.local_users; ++lu) {
    const index_t u = original_user(p, lu);
    SCOPED_TRACE(::testing::Message() << "user " << u);
    const bool cold = trained[u].empty();
    EXPECT_EQ(rec.fallback[lu], cold ? 1 : 0);
    cold_users += cold;
    gated_users += withhold[lu];
    std::vector<double> score(pb.items);
    for (index_t i = 0; i < pb.items; ++i)
      score[i] = cold ? double(pop_original[i])
                      : f.mu + U.row(u).head(k).cast<double>().dot(Y.row(i).head(k).cast<double>()) + U(u, k) + Y(i, k);
    for (int l = 0; l < 4; ++l) {
      std::vector<index_t> candidates;
      for (index_t i = 0; i < pb.items; ++i) {
        if (rated[u].count(i)) continue;
        if (withhold[lu] && shop.domain[i] == 1) continue;
        if (l > 0 && shop.domain[i] != l - 1) continue;
        candidates.push_back(i);
      }
      SCOPED_TRACE(rec.lists[l]);
      expect_list(best_of(candidates, score, n), rec.items[l].data() + std::size_t(lu) * n,
                  rec.scores[l].data() + std::size_t(lu) * n, n, 1e-4);
    }
  }
  EXPECT_GT(c.sum(cold_users), 0);
  EXPECT_GT(c.sum(gated_users), 0);
}

TEST(Recommend, SimilarItemsAreTheNearestByCosine) {
  Comm c;
  const Shop shop;
  const Partition p = shop.pb.partition(c);
  const int k = 4, n = 6;
  Factors f;
  start_factors(c, p, k, false, 9, f);
  const Matrix Y = items_by_original(p, f.items);
  const SimilarItems sim = similar_items(c, p, f, n, 2);
  const Slice mine = even_slice(p.n_items, c.rank(), c.size());
  ASSERT_EQ(sim.items.size(), std::size_t(mine.end - mine.begin) * n);
  EXPECT_EQ(c.sum<count_t>(mine.end - mine.begin), p.n_items);
  for (count_t i = mine.begin; i < mine.end; ++i) {
    SCOPED_TRACE(::testing::Message() << "item " << i);
    std::vector<double> cosine(p.n_items);
    std::vector<index_t> others;
    const Eigen::VectorXd a = Y.row(i).cast<double>();
    for (index_t j = 0; j < p.n_items; ++j) {
      const Eigen::VectorXd b = Y.row(j).cast<double>();
      cosine[j] = a.dot(b) / (a.norm() * b.norm());
      if (j != i) others.push_back(j);
    }
    expect_list(best_of(others, cosine, n), sim.items.data() + (i - mine.begin) * n, sim.scores.data() + (i - mine.begin) * n,
                n, 1e-5);
  }
}
