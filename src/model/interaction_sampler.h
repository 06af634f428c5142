// Draws one user's interactions: distinct items, their values and increasing times.
//
// Items are proposed by popularity (a power law over a seeded popularity order), from the
// user's topic (platform.h's topic_share) or from all items, and accepted with the platform's
// probability (its segment's domain mix; implicit: times sigmoid(scale x_u.y_i + shift)), so
// what a user touches follows its segment and tastes. Without replacement: an item drawn twice
// is proposed again. Each proposal is restricted to the tail after the longest fully drawn
// head of its order (the power law's O(1) inverse, power_law.h; the topic's cumulative table
// by bisection); so even users who take most of a steep head cost O(1) proposals per
// interaction on average. A user who still needs too many proposals (a tiny platform, extreme
// --popularity) gets the rest of its items in popularity order; fallbacks() counts them.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "src/model/activity.h"
#include "src/model/platform.h"

namespace crossmf {

// Columns of interactions, ready to write.
struct Interactions {
  std::vector<index_t> user, item;
  std::vector<real> value;
  std::vector<std::int64_t> time;
  void clear();
  count_t size() const { return static_cast<count_t>(user.size()); }
};

class InteractionSampler {
 public:
  explicit InteractionSampler(const Platform& platform);

  // User u (traits x_u, b_u, segment g) gets items.size() distinct items, their values, and
  // strictly increasing unix times in the same order, all from the user's own stream.
  void draw(index_t u, std::span<const real> x_u, real b_u, int g, std::span<index_t> items, std::span<real> values,
            std::span<std::int64_t> times);
  count_t fallbacks() const { return fallbacks_; }

  // Users [begin, end) of the block (block-relative): each user's earliest counts.ratings
  // interactions go to `ratings`, its latest counts.test ones to `test`; appended in user order.
  void draw_users(const UserBlock& users, const UserCounts& counts, index_t begin, index_t end,
                  Interactions& ratings, Interactions& test);

 private:
  bool taken(count_t rank) const { return stamp_[rank] == epoch_; }
  const Platform& platform_;
  // stamp_[rank] == epoch_ marks the popularity ranks this user already has: O(1) membership
  // with no clearing between users.
  std::vector<std::uint32_t> stamp_;
  std::uint32_t epoch_ = 0;
  std::vector<double> gaps_;
  count_t fallbacks_ = 0;
};

// Block-relative user indices where batches of about `per_batch` interactions start; the last
// entry is the block size. A user is never split.
std::vector<index_t> batch_bounds(const UserCounts& counts, count_t per_batch);

}  // namespace crossmf
