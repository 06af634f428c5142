// The per-row least-squares solves of alternating least squares, knowing nothing of MPI.
//
// One row (a user, or an item) is solved against the fixed factors of its neighbours, the rows
// of `other` named by `cols`. The neighbours' factor rows form a dense n x d matrix G, read in
// place through a list of their addresses, so the normal equations are built by SYRK/GEMV on G
// rather than one rank-1 update per rating.
//
// Explicit (ALS-WR with biases): factor rows are [f (k), bias]; prediction mu + f_u.f_i + b_u + b_i.
//   minimise sum_j (r_j - mu - b_j - g_j.x)^2 + lambda * n * |x|^2, with g_j = [f_j, 1], x = [f, b].
// Implicit (Hu, Koren, Volinsky 2008): factor rows are f (k), c_j = confidence(r_j),
//   minimise sum_all c (p - x.y)^2 + lambda |x|^2, solved exactly (Cholesky) or by a few
//   conjugate-gradient steps warm-started from the current x, using the Gram matrix G_all = Y^T Y.
#pragma once
#include <cstdint>
#include <vector>

#include "src/numerics/dense.h"

namespace crossmf {

struct RowProblem {
  // Neighbours' factor rows, row-major, padded(k) floats apart, zero past k (the kernels read
  // whole Lanes). On 64-byte boundaries they are read fastest: no Lanes load straddles two lines.
  const real* other;
  int k;               // latent factors
  const index_t* cols; // neighbours of this row
  const real* values;  // ratings (explicit) or confidences c_j (implicit)
  count_t n;           // number of neighbours
  const real* bias = nullptr;  // explicit with biases: the neighbours' biases, bias[cols[j]]
  // cols[n .. n + ahead) name the neighbours of the rows this thread solves next (cols and
  // values must be readable that far): their rows are requested from memory while this row's
  // arithmetic runs, and are never part of its solve.
  count_t ahead = 0;
};

// Scratch space reused across rows by one thread; it only grows, and its buffers are aligned
// for the Lanes kernels.
struct AlsWorkspace {
  using Buffer = std::vector<real, Eigen::aligned_allocator<real>>;
  Buffer block, normal, rhs, sums, t, x, r, p, ap, zero;
  std::vector<const real*> rows;  // the neighbours' rows
  std::vector<const real*> ahead;  // rows to request early
  // The explicit SYRK has requested the rows of neighbours [0, requested) of the row being
  // gathered; after it, of the row whose neighbours follow at next_cols, which the gather
  // then need not request again.
  count_t requested = 0;
  const index_t* next_cols = nullptr;
  // Time spent in the arithmetic of the solves (building and solving the normal equations, the
  // CG steps), not in gathering the neighbours: added up over the rows this thread solved, in
  // ticks() (src/base/timer.h).
  std::uint64_t arithmetic_ticks = 0;
};

// Explicit: writes [f, bias] (biases) or f into out. The normal equations are built on the k
// factor columns only (SYRK over the gathered rows, padded to whole Lanes); the bias is then
// eliminated, which leaves the k x k Schur complement G^T G + cI - s s^T / (n + c) with s the
// column sums of G, so the hot loops never see the odd width k + 1.
// Rows with fewer ratings than unknowns use the push-through identity
// (G^T G + cI)^-1 G^T = G^T (G G^T + cI)^-1: an n x n solve.
void solve_explicit_row(const RowProblem& row, bool biases, real mu, real lambda, real* out, AlsWorkspace& ws);

// Implicit, exact: A = gram + sum (c_j - 1) y_j y_j^T + lambda I, b = sum c_j y_j.
void solve_implicit_cholesky(const RowProblem& row, const ColMatrix& gram, real lambda, real* out, AlsWorkspace& ws);

// Implicit, `steps` CG iterations from the current value of out (warm start). `gram` must be
// stored full (both triangles).
void solve_implicit_cg(const RowProblem& row, const ColMatrix& gram, real lambda, int steps, real* out,
                       AlsWorkspace& ws);

// Floating-point operations of one row's solve, for GFLOP/s reporting.
double explicit_row_flops(count_t n, int d);
double implicit_cg_row_flops(count_t n, int k, int steps);
double implicit_cholesky_row_flops(count_t n, int k);

}  // namespace crossmf
