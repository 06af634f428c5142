#include "src/kernels/sgd_blocks.h"

#include <algorithm>

#include "src/kernels/sgd_steps.h"
#include "src/numerics/random.h"

namespace crossmf::CROSSMF_LEVEL {

double sgd_explicit(const SgdBlock& b) {
  double loss = 0;
  auto step = [&](const SgdRating& e) {
    real* x = b.users + static_cast<std::size_t>(e.user) * b.width;
    real* y = b.items + static_cast<std::size_t>(e.item) * b.width;
    loss += sgd_explicit_step(x, y, &b.user_sums[e.user], &b.item_sums[e.item], b.k, b.biases, b.mu, e.value, b.lambda,
                              b.eta);
  };
  // Two runs of the range, cut at a user boundary, interleaved step by step: each step waits on
  // the previous one of its user (dot -> error -> step), and the other run's independent chain
  // fills the wait.
  const SgdRating* r = b.ratings;
  std::size_t mid = b.from + (b.to - b.from) / 2;
  while (mid > b.from && mid < b.to && r[mid].user == r[mid - 1].user) ++mid;
  std::size_t i = b.from, j = mid;
  for (; i < mid && j < b.to; ++i, ++j) {
    step(r[i]);
    step(r[j]);
  }
  for (; i < mid; ++i) step(r[i]);
  for (; j < b.to; ++j) step(r[j]);
  return loss;
}

double sgd_implicit(const SgdBlock& b, const SgdImplicit& s, count_t* updates) {
  Rng neg(s.seed);
  double loss = 0;
  count_t steps = 0;
  auto row = [&](real* rows, index_t i) { return rows + static_cast<std::size_t>(i) * b.width; };
  for (std::size_t j = b.from; j < b.to; ++j) {
    const SgdRating& e = b.ratings[j];
    real* x = row(b.users, e.user);
    real* y = row(b.items, e.item);
    real* gx = &b.user_sums[e.user];
    if (s.wsl) {
      loss += sgd_wsl_step(x, y, gx, &b.item_sums[e.item], b.k, 1, static_cast<real>(1 + s.alpha * e.value), b.lambda, b.eta);
      ++steps;
    }
    const index_t* rated = s.by_user_col + s.by_user_ptr[e.user];
    const index_t* rated_end = s.by_user_col + s.by_user_ptr[e.user + 1];
    for (int q = 0; q < s.negatives && s.item_span > 1; ++q) {
      // A negative from the same item block, not rated by the user (a few tries).
      index_t jn = -1;
      for (int tries = 0; tries < 8; ++tries) {
        const index_t cand = s.item_lo + static_cast<index_t>(neg.below(static_cast<std::uint64_t>(s.item_span)));
        if (!std::binary_search(rated, rated_end, cand)) {
          jn = cand;
          break;
        }
      }
      if (jn < 0) continue;
      real* yj = row(b.items, jn);
      loss += s.wsl ? sgd_wsl_step(x, yj, gx, &b.item_sums[jn], b.k, 0, 1, b.lambda, b.eta)
                    : sgd_bpr_step(x, y, yj, gx, &b.item_sums[e.item], &b.item_sums[jn], b.k, b.lambda, b.eta);
      ++steps;
    }
  }
  *updates += steps;
  return loss;
}

}  // namespace crossmf::CROSSMF_LEVEL
