// A campaign measured against its control groups: each audience member's outcome found among
// the outcome rows, then contacted and control conversion tallied per product, per segment and
// pooled over everything (src/numerics/uplift.h compares them).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "src/base/types.h"
#include "src/numerics/uplift.h"

namespace crossmf {

struct MatchedOutcomes {
  std::vector<std::uint8_t> converted;  // per audience slot [products, A]
  count_t matched_rows = 0;             // rows of an audience member's (user, product)
  count_t outside_rows = 0;             // rows of a (user, product) in no audience
  count_t repeated_rows = 0;            // rows beyond the first of a pair: converted if any says so
};

// Row r: whether user[r] converted on product item[r] (dense indices).
struct OutcomeColumns {
  std::span<const index_t> user, item;
  std::span<const std::uint8_t> converted;
};
// Slot (p, a) of `users` ([products, A], -1 padding) is member a of product items[p].
MatchedOutcomes match_outcomes(const OutcomeColumns& outcomes, std::span<const index_t> items,
                               std::span<const index_t> users, int width);

struct ArmPair {
  ArmCounts contacted, control;
};

struct LiftTally {
  std::vector<ArmPair> products;   // per product row
  std::vector<ArmPair> segments;   // per segment 0..S-1 (members with segment -1 in none)
  ArmPair overall;                 // every member of every audience, pooled
};

// Slot s of `users` is contacted unless control[s]; converted[s] from match_outcomes.
LiftTally tally_lift(std::span<const index_t> users, std::span<const std::uint8_t> control,
                     std::span<const std::uint8_t> converted, int width, std::span<const std::int32_t> segment,
                     int segments);

}  // namespace crossmf
