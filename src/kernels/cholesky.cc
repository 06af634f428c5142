#include "src/kernels/cholesky.h"

#include <algorithm>
#include <cmath>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "src/kernels/syrk.h"

namespace crossmf::CROSSMF_LEVEL {

namespace {

// 1 / sqrt(x) for x > 0, in fewer cycles than a square root and a division: the factorisation
// of a diagonal block below is a chain of kLanes of them. With AVX-512, a 14-bit estimate and one
// Newton step (to about one unit in the last place); otherwise the two operations.
real inverse_sqrt(real x) {
#if defined(__AVX512F__)
  const real y = _mm_cvtss_f32(_mm_rsqrt14_ss(_mm_setzero_ps(), _mm_set_ss(x)));
  return y * (real(1.5) - real(0.5) * x * y * y);
#else
  return real(1) / std::sqrt(x);
#endif
}

const real* column(const real* a, int lda, int c) { return a + static_cast<std::ptrdiff_t>(c) * lda; }
real* column(real* a, int lda, int c) { return a + static_cast<std::ptrdiff_t>(c) * lda; }

// The kLanes x kLanes diagonal block at `a`: factors it, L L^T, one column per register, and stores
// W = L^-T (upper triangular) in its place. Everything after it multiplies by W instead of
// solving with L, so no loop waits on a chain of divisions.
bool factor_diagonal_block(real* a, int lda) {
  Lanes lane;
  for (int l = 0; l < kLanes; ++l) lane[l] = static_cast<real>(l);
  Lanes col[kLanes];
#pragma GCC unroll 16
  for (int c = 0; c < kLanes; ++c) col[c] = lanes_at(column(a, lda, c));
  real inverse[kLanes];
#pragma GCC unroll 16
  for (int c = 0; c < kLanes; ++c) {
    const real pivot = col[c][c];
    if (!(pivot > 0)) return false;
    inverse[c] = inverse_sqrt(pivot);
    const real diag = pivot * inverse[c];
    col[c] = (lane > real(c) ? col[c] : Lanes{}) * inverse[c];
    col[c][c] = diag;
#pragma GCC unroll 16
    for (int c2 = c + 1; c2 < kLanes; ++c2) col[c2] -= col[c] * col[c][c2];
  }
  // X L^T = I, solved for the rows of X in lanes: X = L^-T.
  Lanes x[kLanes];
#pragma GCC unroll 16
  for (int c = 0; c < kLanes; ++c) {
    x[c] = lane == real(c) ? Lanes{} + inverse[c] : Lanes{};
#pragma GCC unroll 16
    for (int p = 0; p < c; ++p) x[c] -= x[p] * (col[p][c] * inverse[c]);
  }
#pragma GCC unroll 16
  for (int c = 0; c < kLanes; ++c) lanes_at(column(a, lda, c)) = x[c];
  return true;
}

// The panel of `rows` rows below the diagonal block `a` (which holds W): X := X W, kLanes rows at a
// time in registers. Column c of the result needs columns 0..c of X, so they are made last to
// first, in place.
void solve_panel(real* a, int lda, int rows) {
  for (int r = kLanes; r < kLanes + rows; r += kLanes) {
    Lanes x[kLanes];
#pragma GCC unroll 16
    for (int c = 0; c < kLanes; ++c) x[c] = lanes_at(column(a, lda, c) + r);
#pragma GCC unroll 16
    for (int c = kLanes - 1; c >= 0; --c) {
      const real* w = column(a, lda, c);
      Lanes acc = x[c] * w[c];
#pragma GCC unroll 16
      for (int p = 0; p < c; ++p) acc += x[p] * w[p];
      x[c] = acc;
    }
#pragma GCC unroll 16
    for (int c = 0; c < kLanes; ++c) lanes_at(column(a, lda, c) + r) = x[c];
  }
}

// L y = b, block by block: y_j = L_jj^-1 b_j = W_j^T b_j (kLanes dot products), then the rows below
// lose L_ij y_j.
void solve_lower(const real* a, int lda, real* b, int n) {
  for (int j = 0; j < n; j += kLanes) {
    const real* w = column(a, lda, j) + j;
    const Lanes r = lanes_at(b + j);
    Lanes products[kLanes];
#pragma GCC unroll 16
    for (int i = 0; i < kLanes; ++i) products[i] = lanes_at(column(w, lda, i)) * r;
    Lanes y;
    lane_sums(products, y);
    lanes_at(b + j) = y;
    for (int i = j + kLanes; i < n; i += kLanes) {
      Lanes acc = lanes_at(b + i);
#pragma GCC unroll 16
      for (int c = 0; c < kLanes; ++c) acc -= lanes_at(column(a, lda, j + c) + i) * b[j + c];
      lanes_at(b + i) = acc;
    }
  }
}

// L^T x = y, last block first: y_j loses L_ij^T x_i for the blocks below (kLanes dot products),
// then x_j = L_jj^-T y_j = W_j y_j.
void solve_upper(const real* a, int lda, real* b, int n) {
  for (int j = n - kLanes; j >= 0; j -= kLanes) {
    if (j + kLanes < n) {
      Lanes dots[kLanes] = {};
      for (int i = j + kLanes; i < n; i += kLanes) {
        const Lanes x = lanes_at(b + i);
#pragma GCC unroll 16
        for (int c = 0; c < kLanes; ++c) dots[c] += lanes_at(column(a, lda, j + c) + i) * x;
      }
      Lanes s;
      lane_sums(dots, s);
      lanes_at(b + j) -= s;
    }
    const real* w = column(a, lda, j) + j;
    Lanes acc[4] = {};
#pragma GCC unroll 16
    for (int c = 0; c < kLanes; ++c) acc[c % 4] += lanes_at(column(w, lda, c)) * b[j + c];
    lanes_at(b + j) = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  }
}

}  // namespace

bool cholesky_solve(real* a, int lda, real* b, int d) {
  const int n = padded(d);
  for (int c = 0; c < n; ++c)
    for (int i = std::max(c, d); i < n; ++i) column(a, lda, c)[i] = (i == c);
  for (int i = d; i < n; ++i) b[i] = 0;

  for (int j = 0; j < n; j += kLanes) {
    real* block = column(a, lda, j) + j;
    if (!factor_diagonal_block(block, lda)) return false;
    const int below = n - j - kLanes;
    if (below == 0) break;
    solve_panel(block, lda, below);
    syrk_lower(block + kLanes, lda, kLanes, below, column(block, lda, kLanes) + kLanes, lda, real(-1));
  }
  solve_lower(a, lda, b, n);
  solve_upper(a, lda, b, n);
  return true;
}

void cholesky_upper_solve(const real* a, int lda, real* z, int d) {
  const int n = padded(d);
  for (int i = d; i < n; ++i) z[i] = 0;
  solve_upper(a, lda, z, n);
}

}  // namespace crossmf::CROSSMF_LEVEL
