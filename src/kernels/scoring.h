// Scoring: the products of user and item factors behind recommendations, audiences, similar
// items and the held-out evaluation, and the vectorised passes over the scores that follow.
#pragma once
#include "src/kernels/kernels.h"
#include "src/kernels/level.h"

namespace crossmf::CROSSMF_LEVEL {

// s (rows_a x rows_b, row-major) = A B^T over k columns; A's rows lda apart, B's ldb apart.
void products(const real* a, index_t rows_a, index_t lda, const real* b, index_t rows_b, index_t ldb, int k, real* s);

// The first c in [from, n) whose score base[c] + (shift + terms[c]) (base[c] when terms is
// null) is >= threshold, else n; a NaN score never is. After the first few hundred candidates
// of a row almost none can enter a top-N list, so scores are compared a vector at a time and
// only a vector with a lane that passes is looked into.
index_t first_at_or_above(const real* base, const real* terms, real shift, index_t from, index_t n, real threshold);

// How many of s[0, n) are > p, and how many == p.
void count_above(const real* s, index_t n, real p, index_t* above, index_t* equal);

// out[j] = x . rows[cols[j]] over k values, for j < n; rows `width` apart.
void dots(const real* x, const real* rows, int width, int k, const index_t* cols, count_t n, real* out);

// out[0, width) = the sum over j < n of rows[cols[j]], rows `width` apart; adds alone, in the same
// order at every level, so every level gives the same sums.
void gather_sum(const real* rows, int width, const index_t* cols, count_t n, real* out);

}  // namespace crossmf::CROSSMF_LEVEL
