#include "src/model/activity.h"

#include <algorithm>

#include "src/base/error.h"
#include "src/numerics/apportion.h"

namespace crossmf {

namespace {
// total * t <= max_per_user * W, i.e. ceil(total * t / W) <= max_per_user.
bool fits(count_t total, count_t max_per_user, std::uint64_t t, std::uint64_t w) {
  using u128 = unsigned __int128;
  return static_cast<u128>(total) * t <= static_cast<u128>(max_per_user) * w;
}
}  // namespace

std::uint64_t activity_cap(count_t total, count_t max_per_user, std::uint64_t max_weight,
                           const std::function<std::uint64_t(std::uint64_t)>& capped_sum) {
  if (!fits(total, max_per_user, 1, capped_sum(1)))
    fail(Exit::usage, "{} ratings cannot be spread over the users with at most {} distinct items each; "
                      "lower --ratings/--test-ratings or raise --users/--items", total, max_per_user);
  if (fits(total, max_per_user, max_weight, capped_sum(max_weight))) return max_weight;
  std::uint64_t good = 1, bad = max_weight;
  while (bad - good > 1) {
    const std::uint64_t mid = good + (bad - good) / 2;
    (fits(total, max_per_user, mid, capped_sum(mid)) ? good : bad) = mid;
  }
  return good;
}

std::uint64_t capped_sum(std::span<const std::uint64_t> weights, std::uint64_t cap) {
  std::uint64_t s = 0;
  for (auto w : weights) s += std::min(w, cap);
  return s;
}

std::vector<count_t> apportion_block(count_t total, std::uint64_t before, std::span<const std::uint64_t> weights,
                                     std::uint64_t whole) {
  std::vector<count_t> out(weights.size());
  for (std::size_t j = 0; j < weights.size(); ++j) {
    out[j] = apportion(total, before, weights[j], whole);
    before += weights[j];
  }
  return out;
}

UserCounts plan_user_counts(count_t ratings, count_t test, count_t max_per_user,
                            std::span<const std::uint64_t> weights, const GlobalSums& sums) {
  const count_t all = ratings + test;
  std::uint64_t local_max = 0;
  for (auto w : weights) local_max = std::max(local_max, w);
  UserCounts c;
  const std::uint64_t cap = activity_cap(all, max_per_user, std::max<std::uint64_t>(1, sums.max(local_max)),
                                         [&](std::uint64_t t) { return sums.sum(capped_sum(weights, t)); });
  c.cap = static_cast<count_t>(cap);
  std::vector<std::uint64_t> capped(weights.size());
  for (std::size_t j = 0; j < weights.size(); ++j) capped[j] = std::min(weights[j], cap);
  const std::uint64_t local = capped_sum(capped, cap);
  const std::vector<count_t> interactions = apportion_block(all, sums.exscan(local), capped, sums.sum(local));

  std::vector<std::uint64_t> as_weights(interactions.begin(), interactions.end());
  const std::uint64_t local_n = capped_sum(as_weights, UINT64_MAX);
  c.test = apportion_block(test, sums.exscan(local_n), as_weights, static_cast<std::uint64_t>(all));
  c.ratings.resize(weights.size());
  for (std::size_t j = 0; j < weights.size(); ++j) c.ratings[j] = interactions[j] - c.test[j];
  return c;
}

count_t UserCounts::total_ratings() const {
  count_t s = 0;
  for (auto c : ratings) s += c;
  return s;
}
count_t UserCounts::total_test() const {
  count_t s = 0;
  for (auto c : test) s += c;
  return s;
}

}  // namespace crossmf
