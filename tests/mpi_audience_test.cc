// Audiences on 1, 2 and 3 ranks against brute force on the gathered users: for each product of
// the domain, the eligible users sorted by predicted affinity (ties by lower original id), the
// products cut into one contiguous range per rank, and a hold-out group of about the asked size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "src/model/audience.h"
#include "tests/tiny_problem.h"

using namespace crossmf;
using namespace crossmf::testing;

namespace {

// 64 users x 30 items; items i % 3 == 1 are the domain's products (10 of them).
TinyProblem market() {
  return tiny_problem(64, 30, 41, [](TinyProblem& pb, index_t u, index_t i, Rng& rng) {
    if (rng.uniform() < 0.25) add_rating(pb.all, u, i, real(1 + 4 * rng.uniform()));
  });
}

// Checks the audience against brute force; returns this rank's hold-out flags by (product, user).
std::map<std::pair<index_t, index_t>, int> check_audience(int A, double control_fraction) {
  Comm c;
  const TinyProblem pb = market();
  const Partition p = pb.partition(c);
  const int k = 4, domain_index = 1;
  Factors f;
  start_factors(c, p, k, true, 8, f);
  for (index_t lu = 0; lu < p.local_users; ++lu) f.users(lu, k) = real(0.1 * std::cos(double(original_user(p, lu))));
  for (index_t s = 0; s < p.n_items; ++s) f.items(s, k) = real(0.05 * (s % 4));
  std::vector<std::int32_t> domain(pb.items);
  for (index_t i = 0; i < pb.items; ++i) domain[i] = i % 3;
  std::vector<std::uint8_t> eligible(p.local_users);
  for (index_t lu = 0; lu < p.local_users; ++lu) eligible[lu] = original_user(p, lu) % 5 != 2;  // 51 of 64
  const Audience a = build_audience(c, p, f, "finance", domain_index, domain, eligible, A, control_fraction, 99, 2);

  const Matrix U = users_by_original(c, p, f.users), Y = items_by_original(p, f.items);
  const std::vector<std::uint8_t> ok = gather_by_original(c, p, eligible);
  std::vector<index_t> products;
  for (index_t i = 0; i < pb.items; ++i)
    if (domain[i] == domain_index) products.push_back(i);
  EXPECT_EQ(a.domain, "finance");
  EXPECT_EQ(a.products, count_t(products.size()));
  // Contiguous ranges in rank order that cover every product once.
  const count_t owned = static_cast<count_t>(a.items.size());
  EXPECT_EQ(c.exscan(owned), a.first);
  EXPECT_EQ(c.sum(owned), a.products);
  EXPECT_EQ(a.users.size(), std::size_t(owned) * A);
  if (a.users.size() != std::size_t(owned) * A) return {};
  count_t members = 0, control = 0;
  std::map<std::pair<index_t, index_t>, int> held_out;
  for (count_t j = 0; j < owned; ++j) {
    const index_t item = products[a.first + j];
    EXPECT_EQ(a.items[j], item);
    std::vector<std::pair<double, index_t>> ranked;  // (-score, user)
    for (index_t u = 0; u < pb.users; ++u)
      if (ok[u])
        ranked.push_back({-(f.mu + U.row(u).head(k).cast<double>().dot(Y.row(item).head(k).cast<double>()) + U(u, k) + Y(item, k)), u});
    std::sort(ranked.begin(), ranked.end());
    for (int r = 0; r < A; ++r) {
      SCOPED_TRACE(::testing::Message() << "product " << item << " rank " << r);
      const std::size_t at = std::size_t(j) * A + r;
      if (r >= static_cast<int>(ranked.size())) {
        EXPECT_EQ(a.users[at], -1);
        EXPECT_TRUE(std::isnan(a.scores[at]));
        EXPECT_EQ(a.control[at], 0);
        continue;
      }
      EXPECT_EQ(a.users[at], ranked[r].second);
      EXPECT_NEAR(a.scores[at], -ranked[r].first, 1e-4);
      ++members;
      control += a.control[at];
      held_out[{item, a.users[at]}] = a.control[at];
    }
  }
  members = c.sum(members);
  control = c.sum(control);
  const double n = static_cast<double>(members), sd = std::sqrt(control_fraction * (1 - control_fraction) / n);
  EXPECT_EQ(members, count_t(products.size()) * std::min<count_t>(A, 51));
  EXPECT_NEAR(control / n, control_fraction, 3 * sd + 1e-12);
  return held_out;
}

}  // namespace

TEST(Audience, TopEligibleUsersPerProductAndAControlGroup) { check_audience(12, 0.3); }
// More places than eligible users: every eligible user, then padding.
TEST(Audience, PaddedWhenFewerEligibleUsersThanPlaces) { check_audience(60, 0.5); }
TEST(Audience, NoControlGroupAtFractionZero) { check_audience(7, 0.0); }
// The hold-out is seeded per (product, user): a user held out of a product's top 12 is held out
// of its top 60 too, and one contacted stays contacted.
TEST(Audience, HoldOutIsAPropertyOfTheProductAndUser) {
  const auto few = check_audience(12, 0.4), many = check_audience(60, 0.4);
  for (const auto& [pair, control] : few) {
    ASSERT_TRUE(many.count(pair)) << "product " << pair.first << " user " << pair.second;
    EXPECT_EQ(many.at(pair), control) << "product " << pair.first << " user " << pair.second;
  }
}
