// How many ratings each user gets: exactly --ratings (and --test-ratings) in all, split over
// users in proportion to their log-normal activity weights, with no user asked for more
// distinct items than the platform can give.
//
// The split must not depend on the rank count, so it is integer arithmetic throughout: weights
// are integers, their sums are exact, and apportion.h turns a prefix sum into a count. The
// caller does the reductions (this file knows nothing of MPI): it passes the global sums in.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "src/base/types.h"

namespace crossmf {

// The largest cap t on the weights such that, with weights min(w, t), no user gets more than
// `max_per_user` of `total` ratings: ceil(total * t / W(t)) <= max_per_user, where
// W(t) = capped_sum(t) is the sum over all users of min(w, t). t / W(t) grows with t, so a
// bisection finds it in about log2(max_weight) calls. Throws Error(Exit::usage) when even
// equal weights cannot fit (total > max_per_user * users).
std::uint64_t activity_cap(count_t total, count_t max_per_user, std::uint64_t max_weight,
                           const std::function<std::uint64_t(std::uint64_t)>& capped_sum);

std::uint64_t capped_sum(std::span<const std::uint64_t> weights, std::uint64_t cap);

// Counts for consecutive users: user j gets apportion(total, before + w_0 + ... + w_{j-1}, w_j,
// whole). `before` is the sum of the weights of all users before this block.
std::vector<count_t> apportion_block(count_t total, std::uint64_t before, std::span<const std::uint64_t> weights,
                                     std::uint64_t whole);

// Reductions over every holder of a block of users, supplied by the caller (identity when one
// process holds every user).
struct GlobalSums {
  std::function<std::uint64_t(std::uint64_t)> sum, max, exscan;
};

// The split of this block's users into rating and test counts.
struct UserCounts {
  std::vector<count_t> ratings;  // into /ratings
  std::vector<count_t> test;     // into /test (the user's latest interactions)
  count_t cap = 0;               // the activity-weight cap that was applied
  count_t total_ratings() const;
  count_t total_test() const;
};

// Collective through `sums`: every holder calls it with its block's weights. Users get
// ratings + test interactions in proportion to their capped weights, then the test ones are
// apportioned over those interaction counts, so each user's test count is at most its total.
UserCounts plan_user_counts(count_t ratings, count_t test, count_t max_per_user,
                            std::span<const std::uint64_t> weights, const GlobalSums& sums);

}  // namespace crossmf
