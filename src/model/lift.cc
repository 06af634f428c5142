#include "src/model/lift.h"

#include <algorithm>

namespace crossmf {

namespace {

std::uint64_t pair_key(index_t user, index_t item) {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(user)) << 32 | static_cast<std::uint32_t>(item);
}

// One (user, product) of the outcome rows.
struct PairOutcome {
  std::uint64_t key;
  count_t rows;
  bool converted, used;
};

// The outcome rows sorted by pair, repeats folded (converted if any row says so).
std::vector<PairOutcome> fold_pairs(const OutcomeColumns& outcomes, count_t& repeated) {
  std::vector<PairOutcome> pairs;
  pairs.reserve(outcomes.user.size());
  for (std::size_t r = 0; r < outcomes.user.size(); ++r)
    pairs.push_back({pair_key(outcomes.user[r], outcomes.item[r]), 1, outcomes.converted[r] != 0, false});
  std::sort(pairs.begin(), pairs.end(), [](const PairOutcome& a, const PairOutcome& b) { return a.key < b.key; });
  std::size_t kept = 0;
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    if (kept > 0 && pairs[kept - 1].key == pairs[k].key) {
      pairs[kept - 1].rows += 1;
      pairs[kept - 1].converted = pairs[kept - 1].converted || pairs[k].converted;
      ++repeated;
    } else {
      pairs[kept++] = pairs[k];
    }
  }
  pairs.resize(kept);
  return pairs;
}

}  // namespace

MatchedOutcomes match_outcomes(const OutcomeColumns& outcomes, std::span<const index_t> items,
                               std::span<const index_t> users, int width) {
  MatchedOutcomes m;
  std::vector<PairOutcome> pairs = fold_pairs(outcomes, m.repeated_rows);
  m.converted.assign(users.size(), 0);
  for (std::size_t s = 0; s < users.size(); ++s) {
    if (users[s] < 0) continue;
    const std::uint64_t key = pair_key(users[s], items[s / width]);
    const auto at = std::lower_bound(pairs.begin(), pairs.end(), key,
                                     [](const PairOutcome& p, std::uint64_t k) { return p.key < k; });
    if (at == pairs.end() || at->key != key) continue;  // no row: not converted
    m.converted[s] = at->converted;
    if (!at->used) m.matched_rows += at->rows;
    at->used = true;
  }
  m.outside_rows = static_cast<count_t>(outcomes.user.size()) - m.matched_rows;
  return m;
}

LiftTally tally_lift(std::span<const index_t> users, std::span<const std::uint8_t> control,
                     std::span<const std::uint8_t> converted, int width, std::span<const std::int32_t> segment,
                     int segments) {
  LiftTally t;
  t.products.resize(width > 0 ? users.size() / width : 0);
  t.segments.resize(segments);
  for (std::size_t s = 0; s < users.size(); ++s) {
    if (users[s] < 0) continue;
    const bool c = control[s] != 0, y = converted[s] != 0;
    auto add = [&](ArmPair& arms) { (c ? arms.control : arms.contacted).add(y); };
    add(t.products[s / width]);
    add(t.overall);
    if (const std::int32_t g = segment[users[s]]; g >= 0) add(t.segments[g]);
  }
  return t;
}

}  // namespace crossmf
