// The exact split of a rating total over users (apportion.h, activity.h): totals exact,
// shares within one of proportional, any cut of the users into blocks gives the same counts,
// and the cap on heavy users holds.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "src/base/error.h"
#include "src/model/activity.h"
#include "src/numerics/apportion.h"
#include "src/numerics/random_stream.h"

using namespace crossmf;

namespace {
std::vector<std::uint64_t> weights(int n, std::uint64_t seed) {
  RandomStream rs(seed, Purpose::global, 0);
  std::vector<std::uint64_t> w(n);
  for (auto& x : w) x = 1 + static_cast<std::uint64_t>(4096 * std::exp(1.5 * rs.normal()));
  return w;
}
GlobalSums one_holder() {
  auto id = [](std::uint64_t v) { return v; };
  return {id, id, [](std::uint64_t) { return std::uint64_t{0}; }};
}
}  // namespace

TEST(Apportion, ExactTotalAndWithinOneOfProportional) {
  const auto w = weights(1001, 3);
  const std::uint64_t whole = std::accumulate(w.begin(), w.end(), std::uint64_t{0});
  for (count_t total : {count_t{0}, count_t{1}, count_t{999}, count_t{123457}, count_t{1} << 40}) {
    const auto c = apportion_block(total, 0, w, whole);
    EXPECT_EQ(std::accumulate(c.begin(), c.end(), count_t{0}), total);
    for (std::size_t j = 0; j < w.size(); ++j) {
      const double share = static_cast<double>(total) * static_cast<double>(w[j]) / static_cast<double>(whole);
      EXPECT_LE(std::abs(static_cast<double>(c[j]) - share), 1.0 + 1e-6 * share) << j;
    }
  }
}

TEST(Apportion, BlocksAgreeWithTheWhole) {
  const auto w = weights(500, 4);
  const std::uint64_t whole = std::accumulate(w.begin(), w.end(), std::uint64_t{0});
  const auto all = apportion_block(77777, 0, w, whole);
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{250}, std::size_t{499}}) {
    const std::span<const std::uint64_t> ws(w);
    const std::uint64_t before = std::accumulate(w.begin(), w.begin() + cut, std::uint64_t{0});
    auto a = apportion_block(77777, 0, ws.first(cut), whole);
    const auto b = apportion_block(77777, before, ws.subspan(cut), whole);
    a.insert(a.end(), b.begin(), b.end());
    EXPECT_EQ(a, all) << "cut at " << cut;
  }
}

TEST(Activity, PlanIsExactAndCapped) {
  const auto w = weights(2000, 5);
  const count_t ratings = 150000, test = 7000, cap = 120;
  const UserCounts c = plan_user_counts(ratings, test, cap, w, one_holder());
  EXPECT_EQ(c.total_ratings(), ratings);
  EXPECT_EQ(c.total_test(), test);
  count_t heaviest = 0;
  for (std::size_t j = 0; j < w.size(); ++j) {
    ASSERT_GE(c.ratings[j], 0);
    ASSERT_GE(c.test[j], 0);
    heaviest = std::max(heaviest, c.ratings[j] + c.test[j]);
  }
  EXPECT_LE(heaviest, cap);
  // The cap bites (log-normal weights with sigma 1.5 spread far more than 120 / mean 78.5).
  EXPECT_GE(heaviest, cap - 2);
}

TEST(Activity, ImpossibleTotalIsAUsageError) {
  const std::vector<std::uint64_t> w(10, 5);
  EXPECT_THROW(plan_user_counts(100, 1, 10, w, one_holder()), Error);
  EXPECT_NO_THROW(plan_user_counts(100, 0, 10, w, one_holder()));
}
