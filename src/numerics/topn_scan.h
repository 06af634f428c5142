// The candidates of a long row of scores that can still enter a top-N list: the scores at or
// above a threshold that only rises (a TopN's threshold()).
//
// Why a kernel of its own: after the first few hundred candidates of a row, almost none can
// enter a top-10, so the work per candidate must be a fraction of a vector comparison, not a
// branch and a heap test. Scores are compared 16 at a time against the threshold; only the
// lanes that pass are looked at one by one, each compared again against the threshold as it
// stands, since keep() may have raised it. The threshold is re-read only after keep().
#pragma once
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "src/base/types.h"

namespace crossmf {

// Calls keep(c, score) for exactly the c in [0, n), in increasing c, whose score
// base[c] + (shift + terms[c]) (or base[c] when terms is null) is >= threshold() at that
// moment; threshold() must change only through keep(). NaN scores are never kept.
template <class Threshold, class Keep>
void scan_above(const real* base, const real* terms, real shift, index_t n, Threshold threshold, Keep keep) {
  auto score = [&](index_t c) { return terms ? base[c] + (shift + terms[c]) : base[c]; };
  // The threshold changes only when keep() is called.
  real t = threshold();
  auto offer = [&](index_t c) {
    const real s = score(c);
    if (s >= t) {
      keep(c, s);
      t = threshold();
    }
  };
  constexpr index_t kBlock = 16;
  index_t c0 = 0;
#ifdef __AVX512F__
  // The same arithmetic as score(), 16 lanes at once, so a lane passes exactly when score() does.
  const __m512 shift16 = _mm512_set1_ps(shift);
  for (; c0 + kBlock <= n; c0 += kBlock) {
    __m512 v = _mm512_loadu_ps(base + c0);
    if (terms) v = _mm512_add_ps(v, _mm512_add_ps(shift16, _mm512_loadu_ps(terms + c0)));
    for (unsigned pass = _mm512_cmp_ps_mask(v, _mm512_set1_ps(t), _CMP_GE_OQ); pass; pass &= pass - 1)
      offer(c0 + __builtin_ctz(pass));
  }
#else
  for (; c0 + kBlock <= n; c0 += kBlock) {
    int any = 0;
#pragma omp simd reduction(| : any)
    for (index_t c = c0; c < c0 + kBlock; ++c) any |= score(c) >= t;
    if (any)
      for (index_t c = c0; c < c0 + kBlock; ++c) offer(c);
  }
#endif
  for (; c0 < n; ++c0) offer(c0);
}

}  // namespace crossmf
