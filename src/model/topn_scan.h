// The candidates of a long row of scores that can still enter a top-N list: the scores at or
// above a threshold that only rises (a TopN's threshold()). The vector comparisons are the
// kernel first_at_or_above (src/kernels/scoring.h); only the lanes that pass come back here,
// each compared again against the threshold as it stands, since keep() may have raised it.
#pragma once
#include "src/base/types.h"
#include "src/kernels/kernels.h"

namespace crossmf {

// Calls keep(c, score) for exactly the c in [0, n), in increasing c, whose score
// base[c] + (shift + terms[c]) (or base[c] when terms is null) is >= threshold() at that
// moment; threshold() must change only through keep(). NaN scores are never kept.
template <class Threshold, class Keep>
void scan_above(const real* base, const real* terms, real shift, index_t n, Threshold threshold, Keep keep) {
  const auto next = kernels().first_at_or_above;
  for (index_t c = next(base, terms, shift, 0, n, threshold()); c < n; c = next(base, terms, shift, c + 1, n, threshold()))
    keep(c, terms ? base[c] + (shift + terms[c]) : base[c]);
}

}  // namespace crossmf
